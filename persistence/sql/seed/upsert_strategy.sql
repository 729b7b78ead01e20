INSERT INTO strategy (plan_id, key, label, position)
VALUES (:plan_id, :key, :label, :position)
ON CONFLICT (plan_id, key) DO UPDATE
   SET label = EXCLUDED.label, position = EXCLUDED.position
 WHERE (strategy.label, strategy.position) IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.position)
RETURNING CAST(xmax = 0 AS integer)
