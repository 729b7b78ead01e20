-- The floor for the command service (bench/workflow.md, figure 1): the same SQL transaction in
-- its barest form — lock the sheet's row, update the sheet, insert its audit event (whose
-- trigger reads and locks the chain's head, computes the position and the SHA-256 and moves
-- the head on) — as pgbench runs it:
--   pgbench -n -c T -j T -T 10 -D first_id=ID -D clients=T -D per_client=N -f bench/pgbench/command.sql
-- Client c edits the sheets first_id + c + T*k (k < per_client), the same partition as the
-- service's threads in bench/command_throughput.cpp, so no two clients meet on a sheet.
-- Every sheet's 取組内容 is the text below at its version (command_throughput sets that up), so
-- the event's "before" is the sheet's real previous value, as the service writes it: after
-- these transactions `audit verify` still passes.
\set id :first_id + :client_id + :clients * random(0, :per_client - 1)
BEGIN;
SELECT version AS v FROM sheet WHERE id = CAST(:id AS bigint) FOR UPDATE \gset
UPDATE sheet
   SET actions = '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8),
       version = CAST(:v AS integer) + 1, updated_at = now()
 WHERE id = CAST(:id AS bigint) AND version = CAST(:v AS integer);
INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
VALUES ('sheet', CAST(:id AS text), 'edit', 'bench-staff', 'staff@chiiki-fukushi',
        jsonb_build_object(
          'actions', jsonb_build_object('before', '第' || CAST(:v AS integer) || '版 ' || repeat('地域の見守り活動を進めた。', 8),
                                        'after', '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8)),
          'version', jsonb_build_object('before', CAST(:v AS integer), 'after', CAST(:v AS integer) + 1)),
        NULL, 'pgbench-' || CAST(:client_id AS text));
COMMIT;
