-- Not a floor but a decomposition (bench/workflow.md, figure 1): the statements the command
-- service itself sends for an edit — persistence/sql/sheet_store/lock_sheet_by_id.sql (the sheet
-- with its measure key, department names and year state, FOR UPDATE OF the sheet and FOR SHARE
-- OF the fiscal year) and save_sheet.sql (every column, and the event, in one statement) — with the values
-- an edit of 取組内容 binds, run by pgbench. Service rate against this script is what the client
-- side (engine, SOCI, libpq round trips) costs; this script against command.sql is what the
-- service's richer SQL costs. Same partition of sheets as command.sql. The columns are named
-- (pgbench's \gset stores each as a variable) but are those of lock_sheet_by_id.sql.
\set id :first_id + :client_id + :clients * random(0, :per_client - 1)
BEGIN;
SELECT s.id AS sheet_id, s.fiscal_year AS fy, s.sheet_no AS no, m.key AS measure, s.grade AS grade, s.state AS state,
       CAST((SELECT array_agg(d.name ORDER BY o.ord)
               FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
               JOIN department d ON d.id = o.id) AS text) AS departments,
       s.actions AS actions, s.results AS results, s.next_steps AS next_steps, s.version AS v,
       CAST(s.retired AS integer) AS retired, CAST(y.state = 'open' AS integer) AS year_open,
       CAST(s.last_actors AS text) AS last_actors
  FROM sheet s
  JOIN measure m ON m.id = s.measure_id
  JOIN fiscal_year y ON y.year = s.fiscal_year
 WHERE s.id = CAST(:id AS bigint)
   FOR UPDATE OF s FOR SHARE OF y
\gset
WITH updated AS (
UPDATE sheet
   SET grade = NULL, actions = '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8), results = '', next_steps = '',
       state = 'draft', version = CAST(:v AS integer) + 1, last_actors = CAST('{}' AS jsonb), updated_at = now()
 WHERE id = CAST(:id AS bigint) AND version = CAST(:v AS integer)
 RETURNING id
)
INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
SELECT 'sheet', CAST(u.id AS text), 'edit', 'bench-staff', 'staff@chiiki-fukushi',
        CAST(jsonb_build_object(
          'actions', jsonb_build_object('before', '第' || CAST(:v AS integer) || '版 ' || repeat('地域の見守り活動を進めた。', 8),
                                        'after', '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8)),
          'version', jsonb_build_object('before', CAST(:v AS integer), 'after', CAST(:v AS integer) + 1)) AS jsonb),
        NULL, 'pgbench-' || CAST(:client_id AS text)
  FROM updated u;
COMMIT;
