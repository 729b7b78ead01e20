-- Delivered: only rows this worker still holds (a lease that ran out may have been claimed again).
-- In the same statement, the inbox rows' notifications (:inbox, [{"id", "title", "body"}]) and
-- one audit event per row marked (entity reminder, action sent), all set-wise: the events by
-- audit_append_events (migration 008), not one statement and one trigger run per row; the
-- row's fields by reminder_event_fields (migration 011).
WITH marked AS (
  UPDATE reminder_outbox
     SET state = 'sent', sent_at = CAST(:now AS timestamptz), message_id = :message_id, lease_until = NULL, last_error = NULL
   WHERE id = ANY (CAST(:ids AS bigint[])) AND state = 'sending' AND claimed_by = :worker
  RETURNING id, recipient_id, channel, sheet_id, rule, period, attempts
), inbox AS (
  INSERT INTO notification_inbox (user_id, outbox_id, sheet_id, title, body, created_at)
  SELECT m.recipient_id, m.id, m.sheet_id, t.title, t.body, CAST(:now AS timestamptz)
    FROM marked m
    JOIN jsonb_to_recordset(CAST(:inbox AS jsonb)) AS t(id bigint, title text, body text) ON t.id = m.id
  ON CONFLICT (outbox_id) DO NOTHING
), events AS (
  SELECT audit_append_events('reminder', 'sent', 'system', NULL, NULL, NULL,
           array_agg(CAST(m.id AS text) ORDER BY m.id),
           array_agg(jsonb_build_object(
             'state', jsonb_build_object('before', 'sending', 'after', 'sent'),
             'message_id', jsonb_build_object('before', NULL, 'after', CAST(:message_id AS text)))
             || reminder_event_fields(m.recipient_id, m.channel, m.sheet_id, m.rule, m.period, m.attempts) ORDER BY m.id)) AS n
    FROM marked m
)
SELECT m.id FROM marked m CROSS JOIN events ORDER BY m.id
