-- When a sheet's chain begins (NULL when it has no event).
SELECT to_char(min(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  FROM audit_event WHERE entity_type = 'sheet' AND entity_id = CAST(:sheet_id AS text)
