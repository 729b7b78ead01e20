-- For a dry run: which of the given rows (by their position) are not in the outbox yet.
SELECT r.pos
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(pos integer, recipient_id bigint, channel text, sheet_id bigint,
                                                     rule text, period text)
 WHERE NOT EXISTS (SELECT 1 FROM reminder_outbox o
                    WHERE o.recipient_id = r.recipient_id AND o.channel = r.channel AND o.sheet_id = r.sheet_id
                      AND o.rule = r.rule AND o.period = r.period)
 ORDER BY r.pos
