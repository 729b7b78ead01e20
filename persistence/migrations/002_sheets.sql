-- Fiscal years and their sheets. DESIGN.md §1–2.

CREATE TABLE fiscal_year (
  year       integer PRIMARY KEY CHECK (year BETWEEN 1989 AND 2200),  -- the Gregorian year it starts in
  plan_id    integer NOT NULL REFERENCES plan,
  state      text NOT NULL CHECK (state IN ('open', 'closed')),
  opened_at  timestamptz NOT NULL DEFAULT now(),
  closed_at  timestamptz,
  CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
  UNIQUE (year, plan_id)
);

-- A sorted array without repeats: one department set has one spelling, so UNIQUE works on it.
CREATE FUNCTION is_sorted_set(ids integer[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(bool_and(a < b), true)
  FROM (SELECT ids[i] AS a, ids[i + 1] AS b FROM generate_subscripts(ids, 1) AS i WHERE i < cardinality(ids)) pairs
$$;

CREATE FUNCTION sorted_set_of(ids integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{}') FROM unnest(ids) AS d
$$;

CREATE TABLE sheet (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id         integer NOT NULL,
  measure_id      integer NOT NULL,
  fiscal_year     integer NOT NULL,
  sheet_no        integer NOT NULL CHECK (sheet_no > 0),
  -- executing departments (主な実行課), as a sorted set of department ids
  department_ids  integer[] NOT NULL CHECK (cardinality(department_ids) >= 1 AND is_sorted_set(department_ids)),
  -- the departments in the order the sheet names them, for display
  department_order integer[] NOT NULL,
  grade           text,
  actions         text NOT NULL DEFAULT '',
  results         text NOT NULL DEFAULT '',
  next_steps      text NOT NULL DEFAULT '',
  -- states come from the workflow definition in config/, not from the schema
  state           text NOT NULL CHECK (state ~ '^[a-z_]+$'),
  version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (plan_id, measure_id) REFERENCES measure (plan_id, id),
  FOREIGN KEY (fiscal_year, plan_id) REFERENCES fiscal_year (year, plan_id),
  -- the grade is one of the plan's grades, or empty
  FOREIGN KEY (plan_id, grade) REFERENCES plan_grade (plan_id, code),
  CHECK (sorted_set_of(department_order) = department_ids
         AND cardinality(department_order) = cardinality(department_ids)),
  UNIQUE (measure_id, fiscal_year, department_ids),
  UNIQUE (fiscal_year, sheet_no)
);
CREATE INDEX sheet_measure_idx ON sheet (measure_id);

-- Arrays cannot carry foreign keys: a trigger checks that each executing department exists.
CREATE FUNCTION sheet_departments_exist() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  missing integer;
BEGIN
  SELECT d INTO missing FROM unnest(NEW.department_ids) AS d
   WHERE NOT EXISTS (SELECT 1 FROM department WHERE id = d) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'sheet %: department % does not exist', NEW.sheet_no, missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sheet_departments_exist BEFORE INSERT OR UPDATE OF department_ids ON sheet
  FOR EACH ROW EXECUTE FUNCTION sheet_departments_exist();

-- …and a department that sheets name cannot disappear under them.
CREATE FUNCTION department_not_in_use() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM sheet WHERE OLD.id = ANY (department_ids)) THEN
    RAISE EXCEPTION 'department % is executing department of sheets', OLD.code
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER department_not_in_use BEFORE DELETE ON department
  FOR EACH ROW EXECUTE FUNCTION department_not_in_use();
