-- Sheets as select_sheet.sql gives one, for a list of ids (in the list's order of year and number).
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
 WHERE s.id = ANY(CAST(:ids AS bigint[]))
 ORDER BY s.fiscal_year, s.sheet_no
