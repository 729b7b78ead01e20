-- The latest end of a block among the keys (a login and a client address), if one is in force.
SELECT to_char(max(blocked_until) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  FROM login_failure
 WHERE throttle_key IN (:login_key, :address_key) AND blocked_until > CAST(:now AS timestamptz)
