INSERT INTO notification_inbox (user_id, outbox_id, sheet_id, title, body, created_at)
SELECT recipient_id, id, sheet_id, :title, :body, CAST(:now AS timestamptz)
  FROM reminder_outbox WHERE id = :id
ON CONFLICT (outbox_id) DO NOTHING
