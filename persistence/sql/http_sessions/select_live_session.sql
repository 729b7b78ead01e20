-- A live session (not ended, before its absolute end, used within the idle limit, its user
-- active) with its user, one row per grant (one row with a NULL role when it has none), by
-- role then department code. Run on every authenticated request, so it only reads, without
-- aggregates: a libpq prepared statement kept per pooled connection (PreparedStatements).
-- Its last use is moved by touch_session.sql, and only when `stale` says so (older than
-- touch_seconds), so that most requests write nothing; idle expiry is then exact to within
-- touch_seconds. No row: no live session.
--   $1 token hash (lowercase hex), $2 now (RFC 3339), $3 idle_seconds, $4 touch_seconds
-- Columns: user id, login, display name, csrf token, absolute end, idle end as it stands,
-- idle end once touched, stale (0/1), role, department code, department name.
SELECT u.id, u.login, u.display_name, s.csrf_token,
       to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(LEAST(s.expires_at, s.last_seen_at + make_interval(secs => CAST($3 AS integer))) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(LEAST(s.expires_at, CAST($2 AS timestamptz) + make_interval(secs => CAST($3 AS integer))) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CAST(s.last_seen_at < CAST($2 AS timestamptz) - make_interval(secs => CAST($4 AS integer)) AS integer),
       g.role, d.code, d.name
  FROM http_session s
  JOIN app_user u ON u.id = s.user_id
  LEFT JOIN user_grant g ON g.user_id = u.id
  LEFT JOIN department d ON d.id = g.department_id
 WHERE s.token_hash = decode(CAST($1 AS text), 'hex')
   AND u.active
   AND s.ended_at IS NULL
   AND s.expires_at > CAST($2 AS timestamptz)
   AND s.last_seen_at + make_interval(secs => CAST($3 AS integer)) > CAST($2 AS timestamptz)
 ORDER BY g.role, d.code NULLS FIRST
