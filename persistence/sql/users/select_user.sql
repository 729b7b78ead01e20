-- One user by login, without grants (select_grants.sql) and never with the password hash.
SELECT id, login, display_name, email, CAST(active AS integer)
  FROM app_user WHERE login = :login
