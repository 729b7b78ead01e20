INSERT INTO audit_event (actor, actor_grant, entity_type, entity_id, action, changes, comment, request_id)
SELECT :actor, :actor_grant, 'sheet', CAST(s.id AS text), 'create',
       audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                        s.actions, s.results, s.next_steps, s.state, s.version)),
       :comment, :request_id
  FROM sheet s
 WHERE s.id = :id
