-- What a login needs: the user's id, whether it is active, and its password hash.
SELECT id, CAST(active AS integer), password_hash FROM app_user WHERE login = :login
