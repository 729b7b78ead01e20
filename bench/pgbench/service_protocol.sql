-- Not a floor but a decomposition (bench/workflow.md, figure 1): service_sql.sql sent the way the
-- service's SOCI session sends it. SOCI 4.0 runs a statement it prepares (the lock and the
-- update) as three round trips — Parse of a named statement, Bind/Execute, then a separate
-- `DEALLOCATE` — and a one-time statement (the event's INSERT) as one; with BEGIN and COMMIT
-- that is 9 round trips per command where command.sql has 5. Here each prepared statement is
-- PREPARE / EXECUTE / DEALLOCATE, so the server parses, plans and forgets the same work.
-- Service rate against this script is what the C++ side (engine, JSON, SOCI rows) costs.
-- Same partition of sheets as command.sql. Simple query protocol only (pgbench -M simple).
\set id :first_id + :client_id + :clients * random(0, :per_client - 1)
BEGIN;
PREPARE lock_sheet AS
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
 WHERE CASE WHEN CAST($1 AS bigint) > 0 THEN s.id = CAST($1 AS bigint)
            ELSE s.fiscal_year = CAST($2 AS integer) AND s.sheet_no = CAST($3 AS integer) END
   FOR UPDATE OF s FOR SHARE OF y;
EXECUTE lock_sheet(:id, 0, 0)
\gset
DEALLOCATE lock_sheet;
PREPARE update_sheet AS
UPDATE sheet
   SET grade = $1, actions = $2, results = $3, next_steps = $4,
       state = $5, version = $6, last_actors = CAST($7 AS jsonb), updated_at = now()
 WHERE id = $8 AND version = $9;
EXECUTE update_sheet(NULL, '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8), '', '', 'draft', :v + 1, '{}', :id, :v);
DEALLOCATE update_sheet;
INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
VALUES ('sheet', CAST(:id AS text), 'edit', 'bench-staff', 'staff@chiiki-fukushi',
        CAST(jsonb_build_object(
          'actions', jsonb_build_object('before', '第' || CAST(:v AS integer) || '版 ' || repeat('地域の見守り活動を進めた。', 8),
                                        'after', '第' || (CAST(:v AS integer) + 1) || '版 ' || repeat('地域の見守り活動を進めた。', 8)),
          'version', jsonb_build_object('before', CAST(:v AS integer), 'after', CAST(:v AS integer) + 1)) AS jsonb),
        NULL, 'pgbench-' || CAST(:client_id AS text));
COMMIT;
