-- A session's last use moved to now, when select_live_session.sql found it stale (older than
-- its touch interval). Two requests may both touch: the later time wins, either is right. A
-- libpq prepared statement kept per pooled connection (PreparedStatements).
--   $1 token hash (lowercase hex), $2 now (RFC 3339)
UPDATE http_session SET last_seen_at = CAST($2 AS timestamptz)
 WHERE token_hash = decode(CAST($1 AS text), 'hex')
   AND last_seen_at < CAST($2 AS timestamptz)
