-- Reminders for pending C-grade items (issue 6): when a sheet entered its state, the outbox of
-- reminders owed, and the in-app inbox. 008 is another branch's; the migrator applies a missing
-- older version after a newer one.

-- When the sheet entered its current state: the reminder rules count business days from it.
-- Existing sheets take the time of the last event that changed their state (or their creation).
ALTER TABLE sheet ADD COLUMN state_since timestamptz;
UPDATE sheet s
   SET state_since = coalesce((SELECT max(e.occurred_at) FROM audit_event e
                                WHERE e.entity_type = 'sheet' AND e.entity_id = s.id::text AND e.changes ? 'state'),
                              s.updated_at);
ALTER TABLE sheet ALTER COLUMN state_since SET NOT NULL, ALTER COLUMN state_since SET DEFAULT now();

CREATE FUNCTION sheet_state_since() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IS DISTINCT FROM OLD.state THEN
    NEW.state_since := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sheet_state_since BEFORE UPDATE OF state ON sheet
  FOR EACH ROW EXECUTE FUNCTION sheet_state_since();

-- One row per reminder owed on one channel. The unique key (recipient, channel, sheet, rule,
-- period) is what makes deciding twice — a restart, a second server — write nothing new:
-- rows are inserted with ON CONFLICT DO NOTHING in the transaction that read the sheets.
-- A recipient's rows of one channel and one digest_day go out as one digest message.
-- state: pending (waiting for next_attempt_at) → sending (claimed by claimed_by until
-- lease_until; a process that died loses its claim when the lease ends) → sent | dead (given up
-- after the configured attempts; `shinchoku remind retry` puts it back to pending).
CREATE TABLE reminder_outbox (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient_id           bigint NOT NULL REFERENCES app_user,
  channel                text NOT NULL CHECK (channel IN ('email', 'webhook', 'inbox')),
  sheet_id               bigint NOT NULL REFERENCES sheet,
  rule                   text NOT NULL CHECK (rule IN ('first', 'repeat', 'escalation')),
  period                 text NOT NULL CHECK (period <> ''),
  digest_day             date NOT NULL,              -- JST day of the digest it belongs to
  -- what the message says, as decided
  sheet_state            text NOT NULL,
  business_days_pending  integer NOT NULL CHECK (business_days_pending >= 0),
  reminder_number        integer NOT NULL CHECK (reminder_number > 0),
  stands_in_for          text,                       -- "staff@kaigo-hoken": a coordinator covering a gap
  state                  text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  attempts               integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at        timestamptz NOT NULL,
  lease_until            timestamptz,
  claimed_by             text,
  message_id             text,
  last_error             text,
  created_at             timestamptz NOT NULL,
  sent_at                timestamptz,
  CHECK ((state = 'sending') = (lease_until IS NOT NULL)),
  CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
  UNIQUE (recipient_id, channel, sheet_id, rule, period)
);
CREATE INDEX reminder_outbox_due_idx ON reminder_outbox (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX reminder_outbox_digest_idx ON reminder_outbox (recipient_id, channel, digest_day);

-- The in-app inbox: one notification per inbox reminder delivered, read or not.
CREATE TABLE notification_inbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES app_user,
  outbox_id   bigint NOT NULL UNIQUE REFERENCES reminder_outbox,
  sheet_id    bigint NOT NULL REFERENCES sheet,
  title       text NOT NULL CHECK (title <> ''),
  body        text NOT NULL,
  created_at  timestamptz NOT NULL,
  read_at     timestamptz
);
CREATE INDEX notification_inbox_user_idx ON notification_inbox (user_id, created_at);
