-- A failed delivery: back to pending for a later attempt, or dead after :max_attempts.
UPDATE reminder_outbox
   SET state = CASE WHEN attempts >= :max_attempts THEN 'dead' ELSE 'pending' END,
       next_attempt_at = CAST(:next_attempt_at AS timestamptz), lease_until = NULL, last_error = :error
 WHERE id = ANY (CAST(:ids AS bigint[])) AND state = 'sending' AND claimed_by = :worker
RETURNING id, state, recipient_id, channel, sheet_id, rule, period, attempts
