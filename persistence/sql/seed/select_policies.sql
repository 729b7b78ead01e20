SELECT p.key, s.key, p.label
  FROM policy p JOIN strategy s ON s.id = p.strategy_id
 WHERE p.plan_id = :plan_id ORDER BY p.position
