-- Drafts for the new year from the year before, with their creation events, in one statement.
-- Retired sheets and sheets whose grade discontinues the measure (Honjo's D) stay behind.
-- Last year's grade and 今後の方針 are kept on the new sheet for reference.
WITH carried AS (
  SELECT s.*
    FROM sheet s
   WHERE s.fiscal_year = CAST(:year AS integer) - 1
     AND NOT s.retired
     AND NOT EXISTS (SELECT 1 FROM plan_grade g WHERE g.plan_id = s.plan_id AND g.code = s.grade AND g.discontinues)
), inserted AS (
  INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order, grade,
                     actions, results, next_steps, state, previous_grade, previous_next_steps)
  SELECT plan_id, measure_id, CAST(:year AS integer), sheet_no, department_ids, department_order, NULL,
         '', '', '', :state, grade, next_steps
    FROM carried
  RETURNING id, sheet_no, fiscal_year, measure_id, department_order, state, version
), events AS (
  INSERT INTO audit_event (actor, actor_grant, entity_type, entity_id, action, changes, comment, request_id)
  SELECT :actor, :actor_grant, 'sheet', CAST(s.id AS text), 'create',
         jsonb_build_object(
           'fiscal_year', jsonb_build_object('before', NULL, 'after', s.fiscal_year),
           'sheet_no',    jsonb_build_object('before', NULL, 'after', s.sheet_no),
           'measure',     jsonb_build_object('before', NULL, 'after', m.key),
           'departments', jsonb_build_object('before', NULL, 'after',
                            (SELECT jsonb_agg(d.name ORDER BY o.ord)
                               FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
                               JOIN department d ON d.id = o.id)),
           'grade',       jsonb_build_object('before', NULL, 'after', NULL),
           'actions',     jsonb_build_object('before', NULL, 'after', ''),
           'results',     jsonb_build_object('before', NULL, 'after', ''),
           'next_steps',  jsonb_build_object('before', NULL, 'after', ''),
           'state',       jsonb_build_object('before', NULL, 'after', s.state),
           'version',     jsonb_build_object('before', NULL, 'after', s.version)),
         :comment, :request_id
    FROM inserted s JOIN measure m ON m.id = s.measure_id
   ORDER BY s.sheet_no
  RETURNING 1
)
SELECT CAST((SELECT count(*) FROM inserted) AS integer), CAST((SELECT count(*) FROM events) AS integer)
