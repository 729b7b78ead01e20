-- The due reminders of one decision, as a JSON array, in one statement. A row whose key exists
-- is skipped (restarts and other servers decide the same rows). A recipient whose digest of the
-- day on the channel has already gone out (or is going) gets the row in the next business day's
-- digest, so that nobody receives two digests in one day.
INSERT INTO reminder_outbox (recipient_id, channel, sheet_id, rule, period, digest_day, sheet_state,
                             business_days_pending, reminder_number, stands_in_for, next_attempt_at, created_at)
SELECT r.recipient_id, r.channel, r.sheet_id, r.rule, r.period,
       CASE WHEN started.done THEN CAST(:next_day AS date) ELSE CAST(:today AS date) END,
       r.sheet_state, r.business_days_pending, r.reminder_number, r.stands_in_for,
       CASE WHEN started.done THEN CAST(:next_window AS timestamptz) ELSE CAST(:now AS timestamptz) END,
       CAST(:now AS timestamptz)
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(recipient_id bigint, channel text, sheet_id bigint, rule text,
                                                     period text, sheet_state text, business_days_pending integer,
                                                     reminder_number integer, stands_in_for text)
  CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM reminder_outbox o
                                      WHERE o.recipient_id = r.recipient_id AND o.channel = r.channel
                                        AND o.digest_day = CAST(:today AS date) AND o.state IN ('sending', 'sent'))) AS started(done)
ON CONFLICT (recipient_id, channel, sheet_id, rule, period) DO NOTHING
