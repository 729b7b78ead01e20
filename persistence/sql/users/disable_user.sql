UPDATE app_user SET active = false, updated_at = now() WHERE id = :id AND active
