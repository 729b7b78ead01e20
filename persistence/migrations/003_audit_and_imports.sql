-- The audit trail (DESIGN.md §4) and the record of table imports.

-- One row per change. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every
-- role, and the application role is granted only SELECT and INSERT.
-- prev_hash and hash carry the tamper-evident chain; the workflow issue completes them.
CREATE TABLE audit_event (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL CHECK (actor <> ''),   -- user login, cli:<os user>, or system
  actor_grant  text,                                -- the grant used, e.g. approver@chiiki-fukushi
  entity_type  text NOT NULL CHECK (entity_type <> ''),
  entity_id    text NOT NULL,
  action       text NOT NULL CHECK (action <> ''),
  -- {"field": {"before": …, "after": …}, …}
  changes      jsonb NOT NULL DEFAULT '{}',
  comment      text,
  request_id   text,
  prev_hash    bytea,
  hash         bytea
);
CREATE INDEX audit_event_entity_idx ON audit_event (entity_type, entity_id, id);
CREATE INDEX audit_event_actor_idx ON audit_event (actor, occurred_at);
CREATE INDEX audit_event_time_idx ON audit_event (occurred_at);

CREATE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- Each run of `shinchoku import` that wrote something: who, when, which file, what it held.
CREATE TABLE table_import (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fiscal_year    integer NOT NULL REFERENCES fiscal_year (year),
  imported_at    timestamptz NOT NULL DEFAULT now(),
  actor          text NOT NULL CHECK (actor <> ''),
  file_name      text NOT NULL,
  file_sha256    text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  sheets         integer NOT NULL CHECK (sheets >= 0),
  grade_counts   jsonb NOT NULL,
  skipped_lines  integer NOT NULL CHECK (skipped_lines >= 0),
  warnings       integer NOT NULL CHECK (warnings >= 0)
);
