SELECT id, login, display_name, email, CAST(active AS integer)
  FROM app_user ORDER BY login
