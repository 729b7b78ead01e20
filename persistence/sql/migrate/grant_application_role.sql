-- The application role gets what the server needs and no more: no DDL (it owns nothing),
-- rows of the data tables, read-only access to the schema version.
-- {application_role} is replaced by the quoted role name read from the application URL.
GRANT USAGE ON SCHEMA public TO {application_role};
REVOKE CREATE ON SCHEMA public FROM {application_role};
GRANT SELECT ON schema_migrations TO {application_role};
GRANT SELECT ON department, plan, plan_grade, strategy, policy, focus, measure,
                measure_department, measure_milestone, measure_sheet_no TO {application_role};
GRANT SELECT, INSERT, UPDATE ON fiscal_year, sheet TO {application_role};
GRANT INSERT, UPDATE ON department TO {application_role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {application_role};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {application_role};
-- The audit trail is append-only for the application: no UPDATE, DELETE or TRUNCATE. It inserts
-- an event's own fields only: chain_position, prev_hash and hash are the chain trigger's (which
-- fires for every row without a hash) or audit_append_events's (migration 008), never the writer's.
GRANT SELECT ON audit_event TO {application_role};
REVOKE INSERT ON audit_event FROM {application_role};
GRANT INSERT (entity_type, entity_id, occurred_at, actor, actor_grant, action, changes, comment, request_id)
  ON audit_event TO {application_role};
GRANT SELECT ON audit_chain_head TO {application_role};
GRANT SELECT, INSERT ON table_import TO {application_role};
-- Users: the application adds, changes and disables users (never deletes them: the audit
-- trail names them), and adds and removes grants.
GRANT SELECT, INSERT, UPDATE ON app_user TO {application_role};
GRANT SELECT, INSERT, DELETE ON user_grant TO {application_role};
-- HTTP sessions and the login throttle: the server makes, extends and ends sessions, and
-- sweeps expired ones and old failures.
GRANT SELECT, INSERT, UPDATE, DELETE ON http_session, login_failure TO {application_role};
-- Reminders: the scheduler adds outbox rows, the dispatcher claims and updates them (never
-- deletes: sent and dead rows are the record); the inbox gets rows and their read time.
GRANT SELECT, INSERT, UPDATE ON reminder_outbox TO {application_role};
GRANT SELECT, INSERT, UPDATE ON notification_inbox TO {application_role};
