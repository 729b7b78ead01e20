-- The events of every sheet of a measure (by key), across years: by year, sheet number and
-- position in the sheet's chain.
SELECT e.id, e.entity_type, e.entity_id, e.chain_position,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.actor, e.actor_grant, e.action, CAST(e.changes AS text), e.comment, e.request_id, encode(e.hash, 'hex'),
       s.fiscal_year, s.sheet_no
  FROM measure m
  JOIN sheet s ON s.measure_id = m.id
  JOIN audit_event e ON e.entity_type = 'sheet' AND e.entity_id = CAST(s.id AS text)
 WHERE m.key = :measure_key
   AND e.occurred_at >= coalesce(CAST(:since AS timestamptz), CAST('-infinity' AS timestamptz))
   AND e.occurred_at < coalesce(CAST(:until AS timestamptz), CAST('infinity' AS timestamptz))
 ORDER BY s.fiscal_year, s.sheet_no, e.chain_position
