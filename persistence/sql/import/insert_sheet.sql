-- The executing departments come as names in the table's order.
INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order,
                   grade, actions, results, next_steps, state)
SELECT m.plan_id, m.id, CAST(:year AS integer), CAST(:sheet_no AS integer), sorted_set_of(o.ids), o.ids,
       :grade, :actions, :results, :next_steps, :state
  FROM measure m
  JOIN plan p ON p.id = m.plan_id AND p.code = :plan_code
  CROSS JOIN (SELECT array_agg(d.id ORDER BY n.ord) AS ids
                FROM unnest(CAST(:departments AS text[])) WITH ORDINALITY AS n(name, ord)
                JOIN department d ON d.name = n.name) o
 WHERE m.key = :measure_key
RETURNING id
