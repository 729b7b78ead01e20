SELECT key, label FROM strategy WHERE plan_id = :plan_id ORDER BY position
