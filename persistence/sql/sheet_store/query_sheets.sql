-- The ids of the sheets a list of the HTTP API shows: every filter optional (NULL), the text
-- query a plain substring (strpos: '%' and '_' are characters like any other), readable only
-- where the caller may read (the final state, its departments, or everything), by year and number.
SELECT s.id
  FROM sheet s
  JOIN measure m ON m.id = s.measure_id
 WHERE (CAST(:year AS integer) IS NULL OR s.fiscal_year = :year)
   AND (CAST(:state AS text) IS NULL OR s.state = :state)
   AND (CAST(:grade AS text) IS NULL OR s.grade = :grade)
   AND (CAST(:sheet_no AS integer) IS NULL OR s.sheet_no = :sheet_no)
   AND (CAST(:department AS text) IS NULL OR EXISTS (
          SELECT 1 FROM department d
           WHERE d.id = ANY(s.department_order) AND (d.code = :department OR d.name = :department)))
   AND (CAST(:q AS text) IS NULL OR strpos(s.actions, :q) > 0 OR strpos(s.results, :q) > 0
        OR strpos(s.next_steps, :q) > 0 OR strpos(m.title, :q) > 0)
   AND (:all_access = 1 OR s.state = :final_state OR EXISTS (
          SELECT 1 FROM department d
           WHERE d.id = ANY(s.department_order) AND d.name = ANY(CAST(:mine AS text[]))))
   AND (s.fiscal_year, s.sheet_no) > (CAST(:after_year AS integer), CAST(:after_no AS integer))
 ORDER BY s.fiscal_year, s.sheet_no
 LIMIT :limit
