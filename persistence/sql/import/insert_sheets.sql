-- All sheets of an import and their creation events in one statement: one round trip for the
-- whole table. The inputs are parallel array literals; departments are tab-joined names in the
-- table's order. Returns how many sheets were created, which the caller checks against the input.
WITH input AS (
  SELECT *
    FROM unnest(CAST(:sheet_nos AS integer[]), CAST(:measure_keys AS text[]), CAST(:grades AS text[]),
                CAST(:actions AS text[]), CAST(:results AS text[]), CAST(:next_steps AS text[]),
                CAST(:departments AS text[]))
         AS i(sheet_no, measure_key, grade, actions, results, next_steps, departments)
), resolved AS (
  SELECT i.*, m.id AS measure_id, m.plan_id,
         (SELECT array_agg(d.id ORDER BY n.ord)
            FROM unnest(string_to_array(i.departments, E'\t')) WITH ORDINALITY AS n(name, ord)
            JOIN department d ON d.name = n.name) AS department_order
    FROM input i
    JOIN plan p ON p.code = :plan_code
    JOIN measure m ON m.plan_id = p.id AND m.key = i.measure_key
), inserted AS (
  INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order,
                     grade, actions, results, next_steps, state)
  SELECT plan_id, measure_id, CAST(:year AS integer), sheet_no, sorted_set_of(department_order), department_order,
         grade, actions, results, next_steps, :state
    FROM resolved
  RETURNING id, sheet_no, fiscal_year, measure_id, department_order, grade, actions, results, next_steps, state, version
), events AS (
  INSERT INTO audit_event (actor, entity_type, entity_id, action, changes, comment, request_id)
  SELECT :actor, 'sheet', CAST(s.id AS text), 'create',
         audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                          s.actions, s.results, s.next_steps, s.state, s.version)),
         :comment, :request_id
    FROM inserted s
   ORDER BY s.sheet_no
  RETURNING 1
)
SELECT CAST((SELECT count(*) FROM inserted) AS integer), CAST((SELECT count(*) FROM events) AS integer)
