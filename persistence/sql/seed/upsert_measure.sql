-- :number and :plan_page are NULL where the table gives none; :focus_key is '' for no focus.
INSERT INTO measure (plan_id, key, policy_id, focus_id, number, title, plan_page, lead_department_id, position)
VALUES (:plan_id, :key,
        (SELECT id FROM policy WHERE plan_id = :plan_id AND key = :policy_key),
        (SELECT id FROM focus WHERE plan_id = :plan_id AND key = :focus_key),
        :number, :title, :plan_page,
        (SELECT id FROM department WHERE name = :lead_department),
        :position)
ON CONFLICT (plan_id, key) DO UPDATE
   SET policy_id = EXCLUDED.policy_id, focus_id = EXCLUDED.focus_id, number = EXCLUDED.number,
       title = EXCLUDED.title, plan_page = EXCLUDED.plan_page,
       lead_department_id = EXCLUDED.lead_department_id, position = EXCLUDED.position
 WHERE (measure.policy_id, measure.focus_id, measure.number, measure.title, measure.plan_page,
        measure.lead_department_id, measure.position)
       IS DISTINCT FROM (EXCLUDED.policy_id, EXCLUDED.focus_id, EXCLUDED.number, EXCLUDED.title,
        EXCLUDED.plan_page, EXCLUDED.lead_department_id, EXCLUDED.position)
RETURNING CAST(xmax = 0 AS integer)
