SELECT s.id, s.sheet_no, m.key, s.grade, s.state,
       CAST((SELECT array_agg(d.name ORDER BY o.ord)
               FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
               JOIN department d ON d.id = o.id) AS text),
       s.actions, s.results, s.next_steps, s.version
  FROM sheet s
  JOIN measure m ON m.id = s.measure_id
 WHERE s.fiscal_year = :year
 ORDER BY s.sheet_no
