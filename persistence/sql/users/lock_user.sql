-- One user by login, locked for a change: changes of one user queue, so each change's
-- before and after in the audit trail are exact.
SELECT id, login, display_name, email, CAST(active AS integer)
  FROM app_user WHERE login = :login
   FOR UPDATE
