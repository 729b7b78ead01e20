UPDATE sheet SET retired = true, version = version + 1, updated_at = now()
 WHERE id = :id AND NOT retired
RETURNING version
