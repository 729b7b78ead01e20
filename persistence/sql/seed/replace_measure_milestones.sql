-- years and milestones: parallel array literals (integer[], text[]), empty cells left out.
WITH wanted AS (
  SELECT y AS fiscal_year, t AS milestone
    FROM unnest(CAST(:years AS integer[]), CAST(:milestones AS text[])) AS w(y, t)
), m AS (
  SELECT id FROM measure WHERE plan_id = :plan_id AND key = :key
), removed AS (
  DELETE FROM measure_milestone mm USING m
   WHERE mm.measure_id = m.id
     AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.fiscal_year = mm.fiscal_year)
  RETURNING 1
), upserted AS (
  INSERT INTO measure_milestone (measure_id, fiscal_year, milestone)
  SELECT m.id, w.fiscal_year, w.milestone FROM m, wanted w
  ON CONFLICT (measure_id, fiscal_year) DO UPDATE SET milestone = EXCLUDED.milestone
   WHERE measure_milestone.milestone IS DISTINCT FROM EXCLUDED.milestone
  RETURNING 1
)
SELECT CAST((SELECT count(*) FROM removed) + (SELECT count(*) FROM upserted) AS integer)
