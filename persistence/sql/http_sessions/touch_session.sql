-- A live session (not ended, before its absolute end, used within the idle limit, its user
-- active) is extended to now and returned with its user; anything else returns no row.
UPDATE http_session s
   SET last_seen_at = CAST(:now AS timestamptz)
  FROM app_user u
 WHERE s.token_hash = decode(:token_hash, 'hex')
   AND u.id = s.user_id AND u.active
   AND s.ended_at IS NULL
   AND s.expires_at > CAST(:now AS timestamptz)
   AND s.last_seen_at + make_interval(secs => :idle_seconds) > CAST(:now AS timestamptz)
RETURNING u.login, s.csrf_token,
          to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          to_char(LEAST(s.expires_at, CAST(:now AS timestamptz) + make_interval(secs => :idle_seconds))
                  AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
