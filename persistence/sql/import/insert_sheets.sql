-- All sheets of an import and their creation events in one statement: one round trip for the
-- whole table. The inputs are parallel array literals; departments are tab-joined names in the
-- table's order. Returns how many sheets were created and how many events were written, which
-- the caller checks against the input. Everything is set-wise: the departments resolved by one
-- join, the events' changes built by sheet_created_changes and the chains extended by
-- audit_append_events (migration 008), not by a trigger or a lookup per sheet. The caller
-- raises work_mem for the transaction, so the sorts by sheet number stay in memory.
WITH input AS (
  SELECT *
    FROM unnest(CAST(:sheet_nos AS integer[]), CAST(:measure_keys AS text[]), CAST(:grades AS text[]),
                CAST(:actions AS text[]), CAST(:results AS text[]), CAST(:next_steps AS text[]),
                CAST(:departments AS text[]))
         AS i(sheet_no, measure_key, grade, actions, results, next_steps, departments)
), departments AS (
  -- Each sheet's departments as ids (for the row) and names (for its event), in the table's order.
  SELECT i.sheet_no, array_agg(d.id ORDER BY n.ord) AS department_order,
         jsonb_agg(d.name ORDER BY n.ord) AS department_names
    FROM input i
   CROSS JOIN LATERAL unnest(string_to_array(i.departments, E'\t')) WITH ORDINALITY AS n(name, ord)
    JOIN department d ON d.name = n.name
   GROUP BY i.sheet_no
), inserted AS (
  INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order,
                     grade, actions, results, next_steps, state)
  SELECT m.plan_id, m.id, CAST(:year AS integer), i.sheet_no, sorted_set_of(dp.department_order), dp.department_order,
         i.grade, i.actions, i.results, i.next_steps, :state
    FROM input i
    JOIN plan p ON p.code = :plan_code
    JOIN measure m ON m.plan_id = p.id AND m.key = i.measure_key
    LEFT JOIN departments dp ON dp.sheet_no = i.sheet_no
  RETURNING id, sheet_no, fiscal_year, measure_id, grade, actions, results, next_steps, state, version
), events AS (
  SELECT audit_append_events('sheet', 'create', :actor, NULL, :comment, :request_id,
           array_agg(CAST(s.id AS text) ORDER BY s.sheet_no),
           array_agg(sheet_created_changes(s.fiscal_year, s.sheet_no, m.key, dp.department_names, s.grade,
                                           s.actions, s.results, s.next_steps, s.state, s.version)
                     ORDER BY s.sheet_no)) AS n
    FROM inserted s
    JOIN measure m ON m.id = s.measure_id
    LEFT JOIN departments dp ON dp.sheet_no = s.sheet_no
)
SELECT CAST((SELECT count(*) FROM inserted) AS integer), CAST((SELECT coalesce(n, 0) FROM events) AS integer)
