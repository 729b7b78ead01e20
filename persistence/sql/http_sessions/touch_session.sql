-- A live session (not ended, before its absolute end, used within the idle limit, its user
-- active) with its user and grants, in one round trip. Its last use is moved to now only when
-- it is older than touch_seconds, so that most requests write nothing (idle expiry is then
-- exact to within touch_seconds); anything else returns no row. Run on every authenticated
-- request, so it is a libpq prepared statement kept per pooled connection (PreparedStatements):
-- parsed once, planned once.
--   $1 token hash (lowercase hex), $2 now (RFC 3339), $3 idle_seconds, $4 touch_seconds
WITH live AS (
  SELECT s.token_hash, s.last_seen_at, s.csrf_token, s.expires_at, u.id AS user_id, u.login, u.display_name
    FROM http_session s
    JOIN app_user u ON u.id = s.user_id
   WHERE s.token_hash = decode(CAST($1 AS text), 'hex')
     AND u.active
     AND s.ended_at IS NULL
     AND s.expires_at > CAST($2 AS timestamptz)
     AND s.last_seen_at + make_interval(secs => CAST($3 AS integer)) > CAST($2 AS timestamptz)
), touched AS (
  UPDATE http_session h SET last_seen_at = CAST($2 AS timestamptz)
    FROM live
   WHERE h.token_hash = live.token_hash
     AND live.last_seen_at < CAST($2 AS timestamptz) - make_interval(secs => CAST($4 AS integer))
  RETURNING h.last_seen_at
)
SELECT live.user_id, live.login, live.display_name, live.csrf_token,
       to_char(live.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(LEAST(live.expires_at, COALESCE((SELECT last_seen_at FROM touched), live.last_seen_at)
                                       + make_interval(secs => CAST($3 AS integer))) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CAST(COALESCE((SELECT json_agg(json_build_object('role', g.role, 'code', d.code, 'name', d.name)
                                      ORDER BY g.role, d.code NULLS FIRST)
                        FROM user_grant g LEFT JOIN department d ON d.id = g.department_id
                       WHERE g.user_id = live.user_id), '[]') AS text)
  FROM live
