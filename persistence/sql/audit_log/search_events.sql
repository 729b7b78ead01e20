-- The audit search of the HTTP API: optional actor, entity type, entity id and time range,
-- a page after the cursor's id, in id order (which is the order events were written in).
SELECT e.id, e.entity_type, e.entity_id, e.chain_position,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.actor, e.actor_grant, e.action, CAST(e.changes AS text), e.comment, e.request_id, encode(e.hash, 'hex'),
       s.fiscal_year, s.sheet_no
  FROM audit_event e
  LEFT JOIN sheet s ON e.entity_type = 'sheet' AND CAST(s.id AS text) = e.entity_id
 WHERE e.id > :after_id
   AND (CAST(:actor AS text) IS NULL OR e.actor = :actor)
   AND (CAST(:entity_type AS text) IS NULL OR e.entity_type = :entity_type)
   AND (CAST(:entity_id AS text) IS NULL OR e.entity_id = :entity_id)
   AND e.occurred_at >= coalesce(CAST(:since AS timestamptz), CAST('-infinity' AS timestamptz))
   AND e.occurred_at < coalesce(CAST(:until AS timestamptz), CAST('infinity' AS timestamptz))
 ORDER BY e.id
 LIMIT :limit
