-- The floor for GET /api/v1/sheets/{id} (bench/http-bench.sh): the query that reads a sheet
-- (persistence/sql/sheet_store/select_sheet_by_id.sql, which the server keeps prepared per
-- pooled connection), by id, over the same ids as wrk.
--   pgbench -n -M prepared -c C -j 2 -T 10 -D first_id=ID -D count=N -f bench/pgbench/get_sheet.sql
\set id :first_id + random(0, :count - 1)
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
 WHERE s.id = CAST(:id AS bigint);
