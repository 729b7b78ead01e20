-- One user's grants, the departmentless roles first within a role.
SELECT g.role, d.code, d.name
  FROM user_grant g LEFT JOIN department d ON d.id = g.department_id
 WHERE g.user_id = :user_id
 ORDER BY g.role, d.code NULLS FIRST
