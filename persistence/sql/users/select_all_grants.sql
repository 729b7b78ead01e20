-- Every user's grants, for the list.
SELECT g.user_id, g.role, d.code, d.name
  FROM user_grant g LEFT JOIN department d ON d.id = g.department_id
 ORDER BY g.user_id, g.role, d.code NULLS FIRST
