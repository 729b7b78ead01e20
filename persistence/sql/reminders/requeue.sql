-- `remind retry`: a dead (or waiting) row, or every dead row, is due again with fresh attempts.
UPDATE reminder_outbox
   SET state = 'pending', attempts = 0, next_attempt_at = CAST(:now AS timestamptz), last_error = NULL
 WHERE (state = 'dead' AND :all_dead <> 0) OR (id = :id AND state IN ('dead', 'pending'))
RETURNING id
