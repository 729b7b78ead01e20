-- Everything `audit verify` reads, as one stream through a server-side cursor (run with libpq:
-- no bind parameters), grouped by entity and in chain order within it:
--   kind 0: each event, its raw columns as the canonical form spells them (AUDIT.md);
--   kind 1: the chain's row in audit_chain_head;
--   kind 2: for entity_type 'sheet', the sheet row rendered as the object its events replay to.
-- Heads and sheet rows come in the same sort as the events, so a head without events, a sheet
-- without events and a sheet chain without a row all show up where they belong, and memory on
-- the client does not grow with the number of events. The order is the database's collation;
-- the verifier only needs each entity's records to be contiguous and its events in position
-- order. Within an entity the rows are sorted by sort_key: an event's position, the head's
-- length, the sheet's number; where a head or a sheet row falls among the events does not matter
-- to the verifier. So each branch can deliver that order by itself (the events straight from
-- the unique index on (entity_type, entity_id, chain_position)) and PostgreSQL merges the three
-- without re-sorting a million wide rows (an order by kind first made it sort every entity's
-- rows again: 3 s of 13 s on 1,000,000 events). begin_snapshot.sql sets cursor_tuple_fraction
-- to 1, since verify reads the whole cursor; with the default (0.1) the planner prefers that
-- re-sort for its faster start.
-- A sheet's retired flag (added by a later migration) is taken when the row has it, so this
-- query runs on every schema version.
DECLARE audit_verify_stream NO SCROLL CURSOR FOR
SELECT x.kind, x.entity_type, x.entity_id, x.position, x.id, x.occurred_at, x.actor, x.actor_grant, x.action,
       x.body, x.comment, x.request_id, x.prev_hash, x.hash
  FROM (
    SELECT 0 AS kind, e.entity_type, e.entity_id, e.chain_position AS position, e.chain_position AS sort_key, e.id,
           to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
           e.actor, e.actor_grant, e.action, CAST(e.changes AS text) AS body, e.comment, e.request_id,
           encode(e.prev_hash, 'hex') AS prev_hash, encode(e.hash, 'hex') AS hash
      FROM audit_event e
    UNION ALL
    SELECT 1, h.entity_type, h.entity_id, h.length, h.length, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           encode(h.head_hash, 'hex')
      FROM audit_chain_head h
    UNION ALL
    SELECT 2, 'sheet', CAST(s.id AS text), NULL, s.sheet_no, NULL, NULL, NULL, NULL, NULL,
           CAST(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                   s.actions, s.results, s.next_steps, s.state, s.version)
           || CASE WHEN jsonb_exists(to_jsonb(s), 'retired')
                   THEN jsonb_build_object('retired', to_jsonb(s) -> 'retired')
                   ELSE CAST('{}' AS jsonb) END AS text),
           NULL, NULL, NULL, NULL
      FROM sheet s
  ) AS x
 ORDER BY x.entity_type, x.entity_id, x.sort_key
