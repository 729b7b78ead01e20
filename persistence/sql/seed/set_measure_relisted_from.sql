UPDATE measure m
   SET relisted_from_id = (SELECT id FROM measure WHERE plan_id = :plan_id AND key = :from_key)
 WHERE m.plan_id = :plan_id AND m.key = :key
   AND m.relisted_from_id IS DISTINCT FROM (SELECT id FROM measure WHERE plan_id = :plan_id AND key = :from_key)
