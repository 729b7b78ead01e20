-- A failed delivery: back to pending for a later attempt, or dead after :max_attempts. The rows
-- that die get their audit event (entity reminder, action given_up, the error as its comment)
-- in the same statement, set-wise (audit_append_events, migration 008), the row's fields by
-- reminder_event_fields (migration 011).
WITH failed AS (
  UPDATE reminder_outbox
     SET state = CASE WHEN attempts >= :max_attempts THEN 'dead' ELSE 'pending' END,
         next_attempt_at = CAST(:next_attempt_at AS timestamptz), lease_until = NULL, last_error = :error
   WHERE id = ANY (CAST(:ids AS bigint[])) AND state = 'sending' AND claimed_by = :worker
  RETURNING id, state, recipient_id, channel, sheet_id, rule, period, attempts
), events AS (
  SELECT audit_append_events('reminder', 'given_up', 'system', NULL, CAST(:error AS text), NULL,
           array_agg(CAST(f.id AS text) ORDER BY f.id),
           array_agg(jsonb_build_object('state', jsonb_build_object('before', 'sending', 'after', 'dead'))
             || reminder_event_fields(f.recipient_id, f.channel, f.sheet_id, f.rule, f.period, f.attempts) ORDER BY f.id)) AS n
    FROM failed f
   WHERE f.state = 'dead'
)
SELECT f.id, f.state FROM failed f CROSS JOIN events ORDER BY f.id
