INSERT INTO focus (plan_id, key, policy_id, label, position)
VALUES (:plan_id, :key, (SELECT id FROM policy WHERE plan_id = :plan_id AND key = :policy_key), :label, :position)
ON CONFLICT (plan_id, key) DO UPDATE
   SET policy_id = EXCLUDED.policy_id, label = EXCLUDED.label, position = EXCLUDED.position
 WHERE (focus.policy_id, focus.label, focus.position)
       IS DISTINCT FROM (EXCLUDED.policy_id, EXCLUDED.label, EXCLUDED.position)
RETURNING CAST(xmax = 0 AS integer)
