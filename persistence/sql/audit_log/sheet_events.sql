-- One sheet's chain in order, within [since, until) (a NULL bound is open).
SELECT e.id, e.entity_type, e.entity_id, e.chain_position,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.actor, e.actor_grant, e.action, CAST(e.changes AS text), e.comment, e.request_id, encode(e.hash, 'hex'),
       s.fiscal_year, s.sheet_no
  FROM audit_event e
  LEFT JOIN sheet s ON CAST(s.id AS text) = e.entity_id
 WHERE e.entity_type = 'sheet' AND e.entity_id = CAST(:sheet_id AS text)
   AND e.occurred_at >= coalesce(CAST(:since AS timestamptz), CAST('-infinity' AS timestamptz))
   AND e.occurred_at < coalesce(CAST(:until AS timestamptz), CAST('infinity' AS timestamptz))
 ORDER BY e.chain_position
