SELECT s.sheet_no,
       CASE WHEN s.retired THEN 'retired' ELSE 'grade ' || s.grade || ' ' || g.label END
  FROM sheet s
  LEFT JOIN plan_grade g ON g.plan_id = s.plan_id AND g.code = s.grade
 WHERE s.fiscal_year = CAST(:year AS integer) - 1
   AND (s.retired OR coalesce(g.discontinues, false))
 ORDER BY s.sheet_no
