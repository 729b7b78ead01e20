-- names: a text[] literal of department names in order; returns how many rows changed.
WITH wanted AS (
  SELECT d.id AS department_id, CAST(n.ord AS integer) AS position
    FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS n(name, ord)
    JOIN department d ON d.name = n.name
), m AS (
  SELECT id FROM measure WHERE plan_id = :plan_id AND key = :key
), removed AS (
  DELETE FROM measure_department md USING m
   WHERE md.measure_id = m.id
     AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.department_id = md.department_id)
  RETURNING 1
), upserted AS (
  INSERT INTO measure_department (measure_id, department_id, position)
  SELECT m.id, w.department_id, w.position FROM m, wanted w
  ON CONFLICT (measure_id, department_id) DO UPDATE SET position = EXCLUDED.position
   WHERE measure_department.position IS DISTINCT FROM EXCLUDED.position
  RETURNING 1
)
SELECT CAST((SELECT count(*) FROM removed) + (SELECT count(*) FROM upserted) AS integer)
