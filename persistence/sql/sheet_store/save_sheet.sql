-- A command's writes in one statement and one round trip: the sheet's new fields, guarded by
-- the version the command decided on, and its audit event (the trigger audit_event_chain
-- extends the sheet's chain as for any other insert). No event when the guard fails: the
-- caller reads the number of inserted rows (0 or 1) and refuses on 0. A libpq prepared
-- statement kept for the session's lifetime by PgSheetStore.
--   $1 grade (NULL for none), $2 actions, $3 results, $4 next_steps, $5 state, $6 version,
--   $7 last_actors (JSON), $8 sheet id, $9 expected version,
--   $10 action, $11 actor, $12 actor_grant, $13 changes (JSON), $14 comment, $15 request_id
WITH updated AS (
  UPDATE sheet
     SET grade = CAST($1 AS text), actions = CAST($2 AS text), results = CAST($3 AS text),
         next_steps = CAST($4 AS text), state = CAST($5 AS text), version = CAST($6 AS integer),
         last_actors = CAST($7 AS jsonb), updated_at = now()
   WHERE id = CAST($8 AS bigint) AND version = CAST($9 AS integer)
  RETURNING id
)
INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
SELECT 'sheet', CAST(u.id AS text), CAST($10 AS text), CAST($11 AS text), CAST($12 AS text), CAST($13 AS jsonb),
       CAST($14 AS text), CAST($15 AS text)
  FROM updated u
