-- The floor for POST /api/v1/sheets/{id}/transitions (bench/http-bench.sh): the same transaction
-- in its barest form — lock the sheet, move its state (draft <-> submitted, as the wrk script
-- does), insert its audit event (the trigger extends and hashes the chain). One sheet per client.
--   pgbench -n -M prepared -c C -j 2 -T 10 -D first_id=ID -f bench/pgbench/transition.sql
\set id :first_id + :client_id
BEGIN;
SELECT version AS v, CAST(state = 'draft' AS integer) AS d FROM sheet WHERE id = CAST(:id AS bigint) FOR UPDATE \gset
UPDATE sheet SET state = CASE WHEN CAST(:d AS integer) = 1 THEN 'submitted' ELSE 'draft' END,
                 version = CAST(:v AS integer) + 1, updated_at = now()
 WHERE id = CAST(:id AS bigint) AND version = CAST(:v AS integer);
INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
VALUES ('sheet', CAST(:id AS text), CASE WHEN CAST(:d AS integer) = 1 THEN 'submit' ELSE 'return' END, 'bench-coord', 'coordinator',
        jsonb_build_object('state', jsonb_build_object('before', CASE WHEN CAST(:d AS integer) = 1 THEN 'draft' ELSE 'submitted' END,
                                                       'after', CASE WHEN CAST(:d AS integer) = 1 THEN 'submitted' ELSE 'draft' END),
                           'version', jsonb_build_object('before', CAST(:v AS integer), 'after', CAST(:v AS integer) + 1)),
        CASE WHEN CAST(:d AS integer) = 1 THEN NULL ELSE 'bench' END, 'pgbench-' || CAST(:client_id AS text));
COMMIT;
