-- What every audit event of a reminder records about the row (sent, given up): who it was for,
-- by which channel, about which sheet, under which rule and period, after how many attempts.
-- One definition for reminders/mark_sent.sql and reminders/mark_failed.sql, as `changes`
-- entries whose `before` is NULL (the row is set once). jsonb keeps one key order, so events
-- written with this function are the bytes the inline version wrote.
CREATE FUNCTION reminder_event_fields(recipient_id bigint, channel text, sheet_id bigint, rule text, period text, attempts integer)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
           'recipient_id', jsonb_build_object('before', NULL, 'after', recipient_id),
           'channel', jsonb_build_object('before', NULL, 'after', channel),
           'sheet_id', jsonb_build_object('before', NULL, 'after', sheet_id),
           'rule', jsonb_build_object('before', NULL, 'after', rule),
           'period', jsonb_build_object('before', NULL, 'after', period),
           'attempts', jsonb_build_object('before', NULL, 'after', attempts))
$$;
