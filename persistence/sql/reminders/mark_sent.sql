-- Delivered: only rows this worker still holds (a lease that ran out may have been claimed again).
UPDATE reminder_outbox
   SET state = 'sent', sent_at = CAST(:now AS timestamptz), message_id = :message_id, lease_until = NULL, last_error = NULL
 WHERE id = ANY (CAST(:ids AS bigint[])) AND state = 'sending' AND claimed_by = :worker
RETURNING id, recipient_id, channel, sheet_id, rule, period, attempts
