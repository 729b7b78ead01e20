-- No row back when the user already holds the grant (UNIQUE NULLS NOT DISTINCT).
INSERT INTO user_grant (user_id, role, department_id)
VALUES (:user_id, :role, CAST(:department_id AS integer))
ON CONFLICT DO NOTHING
RETURNING id
