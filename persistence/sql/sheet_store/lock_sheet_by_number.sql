-- As lock_sheet_by_id.sql, by fiscal year ($1) and sheet number ($2). Two statements rather
-- than one with a CASE on the parameters: a prepared statement's generic plan cannot fold
-- such a CASE, so PostgreSQL would plan it afresh on every execution.
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
 WHERE s.fiscal_year = CAST($1 AS integer) AND s.sheet_no = CAST($2 AS integer)
   FOR UPDATE OF s FOR SHARE OF y
