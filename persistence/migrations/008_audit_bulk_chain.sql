-- Bulk imports extend the audit chains set-wise (bench/README.md, import benchmark): the
-- per-row trigger cost 1.5 s of a 10,000-sheet import. The hash definition does not change
-- (AUDIT.md, canonical form version 1); only how it is computed.

-- The canonical byte form of an event (version 1) from its fields spelled as text: the same
-- bytes as 003's audit_event_canonical built, as one expression that the planner inlines into
-- the query or PL/pgSQL expression calling it (003's form, an aggregate over a VALUES list, ran
-- a query of its own per event). `name:length:value\n`, or `name:-\n` for NULL.
CREATE FUNCTION audit_canonical_v1(p_entity_type text, p_entity_id text, p_chain_position text, p_occurred_at text,
                                   p_actor text, p_actor_grant text, p_action text, p_changes text,
                                   p_comment text, p_request_id text, p_prev_hash text)
RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to('shinchoku-audit-v1' || E'\n'
    || coalesce('entity_type:' || octet_length(p_entity_type) || ':' || p_entity_type, 'entity_type:-') || E'\n'
    || coalesce('entity_id:' || octet_length(p_entity_id) || ':' || p_entity_id, 'entity_id:-') || E'\n'
    || coalesce('chain_position:' || octet_length(p_chain_position) || ':' || p_chain_position, 'chain_position:-') || E'\n'
    || coalesce('occurred_at:' || octet_length(p_occurred_at) || ':' || p_occurred_at, 'occurred_at:-') || E'\n'
    || coalesce('actor:' || octet_length(p_actor) || ':' || p_actor, 'actor:-') || E'\n'
    || coalesce('actor_grant:' || octet_length(p_actor_grant) || ':' || p_actor_grant, 'actor_grant:-') || E'\n'
    || coalesce('action:' || octet_length(p_action) || ':' || p_action, 'action:-') || E'\n'
    || coalesce('changes:' || octet_length(p_changes) || ':' || p_changes, 'changes:-') || E'\n'
    || coalesce('comment:' || octet_length(p_comment) || ':' || p_comment, 'comment:-') || E'\n'
    || coalesce('request_id:' || octet_length(p_request_id) || ':' || p_request_id, 'request_id:-') || E'\n'
    || coalesce('prev_hash:' || octet_length(p_prev_hash) || ':' || p_prev_hash, 'prev_hash:-') || E'\n',
    'UTF8')
$$;

-- 003's function, same bytes, now through the expression above (STABLE: to_char and
-- convert_to are, and a function is inlined only when it claims no more than its body).
CREATE OR REPLACE FUNCTION audit_event_canonical(e audit_event) RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT audit_canonical_v1(e.entity_type, e.entity_id, CAST(e.chain_position AS text),
                            to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                            e.actor, e.actor_grant, e.action, CAST(e.changes AS text), e.comment, e.request_id,
                            encode(e.prev_hash, 'hex'))
$$;

-- The trigger now fires only for rows that arrive without a hash, which is every row the
-- application role writes: it may insert only the event's own fields (column privileges in
-- sql/migrate/grant_application_role.sql), never chain_position, prev_hash or hash. A row that
-- arrives with its hash comes from audit_append_events below, which runs as the owner and
-- computes them itself; the owner can disable triggers anyway.
DROP TRIGGER audit_event_chain ON audit_event;
CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
  FOR EACH ROW WHEN (NEW.hash IS NULL) EXECUTE FUNCTION audit_event_chain();

-- One event each for many entities, in one statement instead of one trigger run per event: the
-- creation events of an import. Same chain rules as the trigger: each entity's head is locked,
-- its event takes the next position and the head's hash as prev_hash, the hash is SHA-256 of the
-- canonical form, the head moves. Events get ids in the arrays' order. At most one event per
-- entity per call (the hash of a second would depend on the first's). Returns the number of
-- events written. SECURITY DEFINER: the application role may call it but not write hashes.
CREATE FUNCTION audit_append_events(p_entity_type text, p_action text, p_actor text, p_actor_grant text,
                                    p_comment text, p_request_id text, p_entity_ids text[], p_changes jsonb[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  IF coalesce(cardinality(p_entity_ids), 0) <> coalesce(cardinality(p_changes), 0) THEN
    RAISE EXCEPTION 'audit_append_events: % entities but % changes', cardinality(p_entity_ids), cardinality(p_changes);
  END IF;
  IF coalesce(cardinality(p_entity_ids), 0) = 0 THEN
    RETURN 0;
  END IF;
  IF (SELECT count(DISTINCT x) FROM unnest(p_entity_ids) AS x) <> cardinality(p_entity_ids) THEN
    RAISE EXCEPTION 'audit_append_events: an entity appears twice (one event per entity and call)';
  END IF;
  -- The heads that exist, locked in a fixed order as the trigger locks each.
  PERFORM 1 FROM audit_chain_head h
   WHERE h.entity_type = p_entity_type AND h.entity_id = ANY (p_entity_ids)
   ORDER BY h.entity_id FOR UPDATE;
  -- OFFSET 0 keeps `input` a subquery of its own, so that each event's changes are spelled as
  -- text once (the inlined canonical form names each value twice: its length, then itself).
  WITH input AS (
    SELECT i.entity_id, i.changes, i.ord, coalesce(h.length, 0) + 1 AS chain_position, h.head_hash AS prev_hash,
           date_trunc('microseconds', now()) AS occurred_at, CAST(i.changes AS text) AS changes_text
      FROM unnest(p_entity_ids, p_changes) WITH ORDINALITY AS i(entity_id, changes, ord)
      LEFT JOIN audit_chain_head h ON h.entity_type = p_entity_type AND h.entity_id = i.entity_id
    OFFSET 0
  ), hashed AS (
    SELECT i.*, sha256(audit_canonical_v1(p_entity_type, i.entity_id, CAST(i.chain_position AS text),
                                          to_char(i.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                          p_actor, p_actor_grant, p_action, i.changes_text, p_comment,
                                          p_request_id, encode(i.prev_hash, 'hex'))) AS hash
      FROM input i
  ), inserted AS (
    INSERT INTO audit_event (entity_type, entity_id, chain_position, occurred_at, actor, actor_grant, action, changes,
                             comment, request_id, prev_hash, hash)
    SELECT p_entity_type, entity_id, chain_position, occurred_at, p_actor, p_actor_grant, p_action, changes,
           p_comment, p_request_id, prev_hash, hash
      FROM hashed
     ORDER BY ord
    RETURNING entity_id, chain_position, hash
  )
  INSERT INTO audit_chain_head (entity_type, entity_id, length, head_hash)
  SELECT p_entity_type, entity_id, chain_position, hash FROM inserted
  ON CONFLICT (entity_type, entity_id) DO UPDATE SET length = EXCLUDED.length, head_hash = EXCLUDED.head_hash;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- A sheet's creation event's changes, {"field": {"before": null, "after": value}, …}, from
-- values the caller already has (the measure's key, the department names in order), as one
-- expression the planner inlines. It must equal audit_created(sheet_audit_fields(…)) for the
-- same sheet, key for key (tests/persistence checks it on every sheet of a database): that pair
-- stays the definition, this is its fast form for bulk imports, where the pair's two lookups
-- and its jsonb_each per sheet cost 1.5 s for 10,000 sheets.
CREATE FUNCTION sheet_created_changes(p_fiscal_year integer, p_sheet_no integer, p_measure text, p_departments jsonb,
                                      p_grade text, p_actions text, p_results text, p_next_steps text,
                                      p_state text, p_version integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
           'fiscal_year', jsonb_build_object('before', NULL, 'after', p_fiscal_year),
           'sheet_no', jsonb_build_object('before', NULL, 'after', p_sheet_no),
           'measure', jsonb_build_object('before', NULL, 'after', p_measure),
           'departments', jsonb_build_object('before', NULL, 'after', coalesce(p_departments, '[]'::jsonb)),
           'grade', jsonb_build_object('before', NULL, 'after', p_grade),
           'actions', jsonb_build_object('before', NULL, 'after', p_actions),
           'results', jsonb_build_object('before', NULL, 'after', p_results),
           'next_steps', jsonb_build_object('before', NULL, 'after', p_next_steps),
           'state', jsonb_build_object('before', NULL, 'after', p_state),
           'version', jsonb_build_object('before', NULL, 'after', p_version))
$$;

-- 002's check that a sheet's executing departments exist ran once per row (PL/pgSQL, 0.3 s of
-- a 10,000-sheet import). For INSERT it now runs once per statement over the inserted rows
-- (same error, same SQLSTATE); an UPDATE OF department_ids keeps the row trigger (transition
-- tables cannot be combined with a column list, and commands never change the departments).
CREATE FUNCTION sheet_departments_exist_all() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.sheet_no, d INTO bad
    FROM new_sheets n, unnest(n.department_ids) AS d
   WHERE NOT EXISTS (SELECT 1 FROM department WHERE id = d)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'sheet %: department % does not exist', bad.sheet_no, bad.d
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER sheet_departments_exist ON sheet;
CREATE TRIGGER sheet_departments_exist BEFORE UPDATE OF department_ids ON sheet
  FOR EACH ROW EXECUTE FUNCTION sheet_departments_exist();
CREATE TRIGGER sheet_departments_exist_insert AFTER INSERT ON sheet
  REFERENCING NEW TABLE AS new_sheets
  FOR EACH STATEMENT EXECUTE FUNCTION sheet_departments_exist_all();
