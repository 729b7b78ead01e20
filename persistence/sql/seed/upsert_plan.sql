INSERT INTO plan (code, name, first_year, last_year)
VALUES (:code, :name, :first_year, :last_year)
ON CONFLICT (code) DO UPDATE
   SET name = EXCLUDED.name, first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year
 WHERE (plan.name, plan.first_year, plan.last_year)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.first_year, EXCLUDED.last_year)
RETURNING id, CAST(xmax = 0 AS integer)
