-- No row back when the user does not hold the grant.
DELETE FROM user_grant
 WHERE user_id = :user_id AND role = :role
   AND department_id IS NOT DISTINCT FROM CAST(:department_id AS integer)
RETURNING id
