-- A department's new name changes how every sheet it executes reads: each such sheet gets an
-- event with its departments before and after, so that its history still replays to its row.
INSERT INTO audit_event (entity_type, entity_id, action, actor, changes, comment, request_id)
SELECT 'sheet', CAST(s.id AS text), 'rename_department', :actor,
       jsonb_build_object('departments', jsonb_build_object(
         'before', (SELECT jsonb_agg(CASE WHEN d.code = :code THEN CAST(:old_name AS text) ELSE d.name END ORDER BY o.ord)
                      FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord) JOIN department d ON d.id = o.id),
         'after',  (SELECT jsonb_agg(d.name ORDER BY o.ord)
                      FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord) JOIN department d ON d.id = o.id))),
       :comment, :request_id
  FROM sheet s
 WHERE (SELECT id FROM department WHERE code = :code) = ANY (s.department_ids)
 ORDER BY s.id
