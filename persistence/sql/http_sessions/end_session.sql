UPDATE http_session SET ended_at = CAST(:now AS timestamptz)
 WHERE token_hash = decode(:token_hash, 'hex') AND ended_at IS NULL
