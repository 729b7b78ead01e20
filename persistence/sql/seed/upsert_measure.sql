-- number and plan_page are NULL where the table gives none; focus_key is empty for no focus.
INSERT INTO measure (plan_id, key, policy_id, focus_id, number, title, plan_page, lead_department_id, position,
                     schedule_ambiguous, incomplete)
VALUES (:plan_id, :key,
        (SELECT id FROM policy WHERE plan_id = :plan_id AND key = :policy_key),
        (SELECT id FROM focus WHERE plan_id = :plan_id AND key = :focus_key),
        :number, :title, :plan_page,
        (SELECT id FROM department WHERE name = :lead_department),
        :position, CAST(:schedule_ambiguous AS integer) <> 0, CAST(:incomplete AS integer) <> 0)
ON CONFLICT (plan_id, key) DO UPDATE
   SET policy_id = EXCLUDED.policy_id, focus_id = EXCLUDED.focus_id, number = EXCLUDED.number,
       title = EXCLUDED.title, plan_page = EXCLUDED.plan_page,
       lead_department_id = EXCLUDED.lead_department_id, position = EXCLUDED.position,
       schedule_ambiguous = EXCLUDED.schedule_ambiguous, incomplete = EXCLUDED.incomplete
 WHERE (measure.policy_id, measure.focus_id, measure.number, measure.title, measure.plan_page,
        measure.lead_department_id, measure.position, measure.schedule_ambiguous, measure.incomplete)
       IS DISTINCT FROM (EXCLUDED.policy_id, EXCLUDED.focus_id, EXCLUDED.number, EXCLUDED.title,
        EXCLUDED.plan_page, EXCLUDED.lead_department_id, EXCLUDED.position,
        EXCLUDED.schedule_ambiguous, EXCLUDED.incomplete)
RETURNING CAST(xmax = 0 AS integer)
