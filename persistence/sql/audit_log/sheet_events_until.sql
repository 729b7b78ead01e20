-- A sheet's events up to and including a moment, in chain order, for replay.
SELECT CAST(e.changes AS text)
  FROM audit_event e
 WHERE e.entity_type = 'sheet' AND e.entity_id = CAST(:sheet_id AS text)
   AND e.occurred_at <= CAST(:at AS timestamptz)
 ORDER BY e.chain_position
