INSERT INTO fiscal_year (year, plan_id, state, closed_at)
SELECT CAST(:year AS integer), id, 'closed', now() FROM plan WHERE code = :plan_code
