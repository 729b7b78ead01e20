-- What one actor did, in time order (audit_event_actor_idx serves it).
SELECT e.id, e.entity_type, e.entity_id, e.chain_position,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.actor, e.actor_grant, e.action, CAST(e.changes AS text), e.comment, e.request_id, encode(e.hash, 'hex'),
       s.fiscal_year, s.sheet_no
  FROM audit_event e
  LEFT JOIN sheet s ON e.entity_type = 'sheet' AND CAST(s.id AS text) = e.entity_id
 WHERE e.actor = :actor
   AND e.occurred_at >= coalesce(CAST(:since AS timestamptz), CAST('-infinity' AS timestamptz))
   AND e.occurred_at < coalesce(CAST(:until AS timestamptz), CAST('infinity' AS timestamptz))
 ORDER BY e.occurred_at, e.id
