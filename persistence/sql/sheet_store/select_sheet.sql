SELECT s.id, s.fiscal_year, s.sheet_no, m.key, s.grade, s.state,
       CAST((SELECT array_agg(d.name ORDER BY o.ord)
               FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
               JOIN department d ON d.id = o.id) AS text),
       s.actions, s.results, s.next_steps, s.version,
       CAST(s.retired AS integer), CAST(y.state = 'open' AS integer), CAST(s.last_actors AS text),
       s.previous_grade, s.previous_next_steps
  FROM sheet s
  JOIN measure m ON m.id = s.measure_id
  JOIN fiscal_year y ON y.year = s.fiscal_year
 WHERE CASE WHEN CAST(:id AS bigint) > 0 THEN s.id = CAST(:id AS bigint)
            ELSE s.fiscal_year = CAST(:year AS integer) AND s.sheet_no = CAST(:sheet_no AS integer) END
