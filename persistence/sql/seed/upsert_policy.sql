INSERT INTO policy (plan_id, key, strategy_id, label, position)
VALUES (:plan_id, :key, (SELECT id FROM strategy WHERE plan_id = :plan_id AND key = :strategy_key), :label, :position)
ON CONFLICT (plan_id, key) DO UPDATE
   SET strategy_id = EXCLUDED.strategy_id, label = EXCLUDED.label, position = EXCLUDED.position
 WHERE (policy.strategy_id, policy.label, policy.position)
       IS DISTINCT FROM (EXCLUDED.strategy_id, EXCLUDED.label, EXCLUDED.position)
RETURNING CAST(xmax = 0 AS integer)
