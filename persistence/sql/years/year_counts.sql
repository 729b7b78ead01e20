SELECT state, coalesce(grade, ''), CAST(retired AS integer), CAST(count(*) AS integer)
  FROM sheet WHERE fiscal_year = :year
 GROUP BY state, grade, retired
 ORDER BY state, grade
