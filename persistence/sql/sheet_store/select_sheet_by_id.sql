-- A sheet by its id ($1), as select_sheet.sql reads one, without locking it: the read of
-- GET /api/v1/sheets/{id}. A libpq prepared statement kept per pooled connection
-- (PreparedStatements), so that it is parsed once and, after PostgreSQL's first executions,
-- never planned again (select_sheet.sql's CASE on its parameters keeps a generic plan from
-- folding, so it is planned on every execution).
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
 WHERE s.id = CAST($1 AS bigint)
