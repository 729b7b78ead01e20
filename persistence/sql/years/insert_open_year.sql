INSERT INTO fiscal_year (year, plan_id, state)
SELECT CAST(:year AS integer), plan_id, 'open' FROM fiscal_year WHERE year = CAST(:year AS integer) - 1
