SELECT code, label, CAST(results_required AS integer), CAST(under_study AS integer), CAST(discontinues AS integer)
  FROM plan_grade WHERE plan_id = :plan_id ORDER BY position
