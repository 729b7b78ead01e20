UPDATE app_user SET updated_at = now() WHERE id = :id
