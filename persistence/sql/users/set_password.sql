UPDATE app_user SET password_hash = :password_hash, updated_at = now() WHERE id = :id
