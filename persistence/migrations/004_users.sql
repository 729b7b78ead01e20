-- Users and their grants (DESIGN.md §2). A user holds one or more grants (role, department):
-- staff and approvers act for a department, the other roles (coordinator, auditor, admin …)
-- for none. Role names come from the workflow definition in config/, not from the schema, so
-- the database checks only their shape; which roles exist and which need a department is
-- decided by the application. Every change is audited as entity_type 'user' (persistence/src/users.cpp).
-- Sessions of the HTTP API come with their own migration.

CREATE TABLE app_user (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- lowercase ASCII letters, digits, '.', '_' and '-', starting with a letter or digit
  login          text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  display_name   text NOT NULL CHECK (display_name <> ''),
  -- a basic shape check; whether mail arrives is the reminders' business
  email          text CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  active         boolean NOT NULL DEFAULT true,
  -- an argon2id string from libsodium (crypto_pwhash_str_alg), never a password
  password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_grant (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint NOT NULL REFERENCES app_user,
  role           text NOT NULL CHECK (role ~ '^[a-z_]+$'),
  -- NULL for the roles that act for no department
  department_id  integer REFERENCES department,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- NULLS NOT DISTINCT: a user holds 'coordinator' (no department) once, not once per insert
  UNIQUE NULLS NOT DISTINCT (user_id, role, department_id)
);
CREATE INDEX user_grant_department_idx ON user_grant (department_id);

-- Pseudo-departments (各施設所管課) and outside bodies (社会福祉協議会) are not organisational
-- units of the city: nobody acts for them. The application refuses them with a reason; this
-- trigger keeps the rule for every writer.
CREATE FUNCTION user_grant_city_department() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  dep department;
BEGIN
  IF NEW.department_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO dep FROM department WHERE id = NEW.department_id;
  IF FOUND AND dep.kind <> 'city' THEN
    RAISE EXCEPTION 'department % (%) is of kind %: users cannot be granted it', dep.code, dep.name, dep.kind
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER user_grant_city_department BEFORE INSERT OR UPDATE OF department_id ON user_grant
  FOR EACH ROW EXECUTE FUNCTION user_grant_city_department();
