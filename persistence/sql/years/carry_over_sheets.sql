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
  RETURNING id, sheet_no, fiscal_year, measure_id, department_order, grade, actions, results, next_steps, state, version
), events AS (
  INSERT INTO audit_event (actor, actor_grant, entity_type, entity_id, action, changes, comment, request_id)
  SELECT :actor, :actor_grant, 'sheet', CAST(s.id AS text), 'create',
         audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                          s.actions, s.results, s.next_steps, s.state, s.version)),
         :comment, :request_id
    FROM inserted s
   ORDER BY s.sheet_no
  RETURNING 1
)
SELECT CAST((SELECT count(*) FROM inserted) AS integer), CAST((SELECT count(*) FROM events) AS integer)
