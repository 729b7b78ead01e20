-- A new user; no row back when the login is taken (the caller says so, race-free).
INSERT INTO app_user (login, display_name, email, password_hash)
VALUES (:login, :display_name, :email, :password_hash)
ON CONFLICT (login) DO NOTHING
RETURNING id
