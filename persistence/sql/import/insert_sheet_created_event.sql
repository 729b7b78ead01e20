-- The sheet's creation with its full values, in the same transaction as the sheet.
INSERT INTO audit_event (actor, entity_type, entity_id, action, changes, comment, request_id)
SELECT :actor, 'sheet', CAST(s.id AS text), 'create',
       jsonb_build_object(
         'fiscal_year', jsonb_build_object('before', NULL, 'after', s.fiscal_year),
         'sheet_no',    jsonb_build_object('before', NULL, 'after', s.sheet_no),
         'measure',     jsonb_build_object('before', NULL, 'after', m.key),
         'departments', jsonb_build_object('before', NULL, 'after',
                          (SELECT jsonb_agg(d.name ORDER BY o.ord)
                             FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
                             JOIN department d ON d.id = o.id)),
         'grade',       jsonb_build_object('before', NULL, 'after', s.grade),
         'actions',     jsonb_build_object('before', NULL, 'after', s.actions),
         'results',     jsonb_build_object('before', NULL, 'after', s.results),
         'next_steps',  jsonb_build_object('before', NULL, 'after', s.next_steps),
         'state',       jsonb_build_object('before', NULL, 'after', s.state),
         'version',     jsonb_build_object('before', NULL, 'after', s.version)),
       :comment, :request_id
  FROM sheet s JOIN measure m ON m.id = s.measure_id
 WHERE s.id = :sheet_id
