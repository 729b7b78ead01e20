-- `remind status`: pending (never tried), retrying (failed, waiting for another attempt),
-- sending (claimed), sent, dead.
SELECT count(*) FILTER (WHERE state = 'pending' AND attempts = 0),
       count(*) FILTER (WHERE state = 'pending' AND attempts > 0),
       count(*) FILTER (WHERE state = 'sending'),
       count(*) FILTER (WHERE state = 'sent'),
       count(*) FILTER (WHERE state = 'dead')
  FROM reminder_outbox
