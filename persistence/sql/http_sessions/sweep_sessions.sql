-- Sessions that can never be honoured again, a day after they ended.
DELETE FROM http_session
 WHERE COALESCE(ended_at, expires_at) < CAST(:now AS timestamptz) - interval '1 day'
