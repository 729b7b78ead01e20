-- Stopping: what this worker holds and has not sent goes back, its attempt not counted.
UPDATE reminder_outbox
   SET state = 'pending', lease_until = NULL, attempts = greatest(attempts - 1, 0)
 WHERE state = 'sending' AND claimed_by = :worker
