INSERT INTO plan_grade (plan_id, code, label, results_required, under_study, discontinues, position)
VALUES (:plan_id, :code, :label, CAST(:results_required AS integer) <> 0, CAST(:under_study AS integer) <> 0,
        CAST(:discontinues AS integer) <> 0, :position)
ON CONFLICT (plan_id, code) DO UPDATE
   SET label = EXCLUDED.label, results_required = EXCLUDED.results_required,
       under_study = EXCLUDED.under_study, discontinues = EXCLUDED.discontinues, position = EXCLUDED.position
 WHERE (plan_grade.label, plan_grade.results_required, plan_grade.under_study, plan_grade.discontinues, plan_grade.position)
       IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.results_required, EXCLUDED.under_study, EXCLUDED.discontinues,
                         EXCLUDED.position)
RETURNING CAST(xmax = 0 AS integer)
