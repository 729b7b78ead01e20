INSERT INTO measure_sheet_no (plan_id, sheet_no, measure_id)
VALUES (:plan_id, :sheet_no, (SELECT id FROM measure WHERE plan_id = :plan_id AND key = :key))
ON CONFLICT (plan_id, sheet_no) DO UPDATE SET measure_id = EXCLUDED.measure_id
 WHERE measure_sheet_no.measure_id IS DISTINCT FROM EXCLUDED.measure_id
RETURNING CAST(xmax = 0 AS integer)
