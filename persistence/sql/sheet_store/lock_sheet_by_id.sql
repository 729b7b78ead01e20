-- The sheet a command works on, locked (FOR UPDATE OF the sheet, FOR SHARE OF its fiscal year),
-- by its id. A libpq prepared statement ($1: the id), kept for the session's lifetime by
-- PgSheetStore so that it is parsed once and, after PostgreSQL's first executions, never
-- planned again. Columns as select_sheet.sql's: the sheet and last year's grade and
-- 今後の方針 (the sheet's own columns: no extra join), so that a command's answer needs no
-- second read of the sheet.
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
   FOR UPDATE OF s FOR SHARE OF y
