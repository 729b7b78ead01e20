-- The snapshot's time, in the audit trail's own spelling (RFC 3339 UTC, microseconds).
SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
