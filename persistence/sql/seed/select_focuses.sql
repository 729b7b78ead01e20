SELECT f.key, p.key, f.label
  FROM focus f JOIN policy p ON p.id = f.policy_id
 WHERE f.plan_id = :plan_id ORDER BY f.position
