-- The audit trail (DESIGN.md §4) and the record of table imports.

-- One row per change (DESIGN.md §4). Append-only: a trigger refuses UPDATE, DELETE and
-- TRUNCATE for every role, and the application role is granted only SELECT and INSERT.
--
-- Tamper evidence: every entity (a sheet, a fiscal year, a department …) has a chain of its
-- own. An event's chain_position numbers it within its entity's chain without gaps (a sequence
-- would skip on rollback and prove nothing), prev_hash is the hash of the event before it, and
-- hash is SHA-256 over the canonical byte form below. Chains per entity, not one global chain,
-- so that writes to unrelated sheets never queue behind one lock: extending a chain locks only
-- that entity's row in audit_chain_head, and a sheet change holds that sheet's row lock anyway.
-- The hash is computed here, in the database, so that no writer can forget it; `shinchoku audit
-- verify` recomputes the same bytes on its own (docs in persistence/AUDIT.md).
CREATE TABLE audit_event (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entity_type     text NOT NULL CHECK (entity_type ~ '^[a-z_]+$'),
  entity_id       text NOT NULL CHECK (entity_id <> ''),
  chain_position  integer NOT NULL CHECK (chain_position > 0),
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  actor           text NOT NULL CHECK (actor <> ''),   -- user login, cli:<os user>, or system
  actor_grant     text,                                -- the grant used, e.g. approver@chiiki-fukushi
  action          text NOT NULL CHECK (action <> ''),
  -- {"field": {"before": …, "after": …}, …}
  changes         jsonb NOT NULL DEFAULT '{}',
  comment         text,
  request_id      text,
  prev_hash       bytea,
  hash            bytea NOT NULL,
  UNIQUE (entity_type, entity_id, chain_position)
);
CREATE INDEX audit_event_actor_idx ON audit_event (actor, occurred_at);
CREATE INDEX audit_event_time_idx ON audit_event (occurred_at);

-- The head of every chain: its length and last hash. Checkpoints sign these.
CREATE TABLE audit_chain_head (
  entity_type  text NOT NULL,
  entity_id    text NOT NULL,
  length       integer NOT NULL CHECK (length > 0),
  head_hash    bytea NOT NULL,
  PRIMARY KEY (entity_type, entity_id)
);

-- The canonical byte form of an event, version 1: a fixed header line, then every field in a
-- fixed order as `name:length:bytes\n` (length in bytes of the UTF-8 value), or `name:-\n` for
-- NULL. Times are UTC with microseconds; changes is jsonb's own text form, whose object keys
-- are always in jsonb's sorted order; prev_hash is lowercase hex.
CREATE FUNCTION audit_event_canonical(e audit_event) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT convert_to('shinchoku-audit-v1' || chr(10), 'UTF8')
      || string_agg(
           CASE WHEN f.value IS NULL THEN convert_to(f.name || ':-' || chr(10), 'UTF8')
                ELSE convert_to(f.name || ':' || octet_length(f.value) || ':' || f.value || chr(10), 'UTF8')
           END, ''::bytea ORDER BY f.ord)
  FROM (VALUES
         (1, 'entity_type', e.entity_type),
         (2, 'entity_id', e.entity_id),
         (3, 'chain_position', e.chain_position::text),
         (4, 'occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
         (5, 'actor', e.actor),
         (6, 'actor_grant', e.actor_grant),
         (7, 'action', e.action),
         (8, 'changes', e.changes::text),
         (9, 'comment', e.comment),
         (10, 'request_id', e.request_id),
         (11, 'prev_hash', encode(e.prev_hash, 'hex'))
       ) AS f(ord, name, value)
$$;

-- Extends the entity's chain: position and prev_hash from its head (locked), then the hash.
-- SECURITY DEFINER: the application role may insert events but not touch the heads directly.
CREATE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head audit_chain_head;
BEGIN
  SELECT * INTO head FROM audit_chain_head
   WHERE entity_type = NEW.entity_type AND entity_id = NEW.entity_id
   FOR UPDATE;
  IF FOUND THEN
    NEW.chain_position := head.length + 1;
    NEW.prev_hash := head.head_hash;
  ELSE
    NEW.chain_position := 1;
    NEW.prev_hash := NULL;
  END IF;
  -- The time as stored: rounded to microseconds like the column itself.
  NEW.occurred_at := date_trunc('microseconds', coalesce(NEW.occurred_at, now()));
  NEW.hash := sha256(audit_event_canonical(NEW));
  INSERT INTO audit_chain_head (entity_type, entity_id, length, head_hash)
  VALUES (NEW.entity_type, NEW.entity_id, NEW.chain_position, NEW.hash)
  ON CONFLICT (entity_type, entity_id) DO UPDATE SET length = EXCLUDED.length, head_hash = EXCLUDED.head_hash;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

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
