-- The plan's master data: departments, the plan with its grade scale, and its structure
-- (strategy > policy > focus > measure). DESIGN.md §1.

CREATE TABLE department (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
  name        text NOT NULL UNIQUE CHECK (name <> ''),
  aliases     text[] NOT NULL DEFAULT '{}',
  -- a city department, a pseudo-department (各施設所管課) or an outside body (社会福祉協議会)
  kind        text NOT NULL CHECK (kind IN ('city', 'pseudo', 'outside')),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plan (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code <> ''),
  name        text NOT NULL CHECK (name <> ''),
  first_year  integer NOT NULL,
  last_year   integer NOT NULL,
  CHECK (last_year >= first_year)
);

-- Cities grade differently: the scale is rows, not an enum.
CREATE TABLE plan_grade (
  plan_id           integer NOT NULL REFERENCES plan,
  code              text NOT NULL CHECK (code <> ''),
  label             text NOT NULL CHECK (label <> ''),
  results_required  boolean NOT NULL,
  under_study       boolean NOT NULL,
  position          integer NOT NULL,
  PRIMARY KEY (plan_id, code)
);

CREATE TABLE strategy (
  id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id   integer NOT NULL REFERENCES plan,
  key       text NOT NULL,           -- the structure file's id, e.g. 'S1'
  label     text NOT NULL CHECK (label <> ''),
  position  integer NOT NULL,
  UNIQUE (plan_id, key)
);

CREATE TABLE policy (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id      integer NOT NULL REFERENCES plan,
  key          text NOT NULL,
  strategy_id  integer NOT NULL REFERENCES strategy,
  label        text NOT NULL CHECK (label <> ''),
  position     integer NOT NULL,
  UNIQUE (plan_id, key)
);

CREATE TABLE focus (
  id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id    integer NOT NULL REFERENCES plan,
  key        text NOT NULL,
  policy_id  integer NOT NULL REFERENCES policy,
  label      text NOT NULL CHECK (label <> ''),
  position   integer NOT NULL,
  UNIQUE (plan_id, key),
  UNIQUE (id, policy_id)
);

CREATE TABLE measure (
  id                  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id             integer NOT NULL REFERENCES plan,
  key                 text NOT NULL,
  policy_id           integer NOT NULL REFERENCES policy,
  focus_id            integer,
  number              integer CHECK (number > 0),
  title               text NOT NULL,
  plan_page           integer CHECK (plan_page > 0),
  -- the table loses which related department leads (red in the PDF); the first listed stands in
  lead_department_id  integer REFERENCES department,
  relisted_from_id    integer REFERENCES measure,
  -- the reading of the table's schedule cells is a guess: the importer warns about it
  schedule_ambiguous  boolean NOT NULL DEFAULT false,
  -- the table does not show the measure's own cells (title, page, departments, schedule)
  incomplete          boolean NOT NULL DEFAULT false,
  position            integer NOT NULL,
  UNIQUE (plan_id, key),
  UNIQUE (plan_id, id),
  -- a measure's focus lies under the measure's own policy
  FOREIGN KEY (focus_id, policy_id) REFERENCES focus (id, policy_id),
  CHECK (relisted_from_id IS DISTINCT FROM id),
  CHECK (incomplete OR title <> '')
);

CREATE TABLE measure_department (
  measure_id     integer NOT NULL REFERENCES measure,
  department_id  integer NOT NULL REFERENCES department,
  position       integer NOT NULL,
  PRIMARY KEY (measure_id, department_id)
);

-- Milestones per fiscal year of the plan (研究・準備, 設置, 実施 …); no row for an empty cell.
CREATE TABLE measure_milestone (
  measure_id   integer NOT NULL REFERENCES measure,
  fiscal_year  integer NOT NULL,
  milestone    text NOT NULL CHECK (milestone <> ''),
  PRIMARY KEY (measure_id, fiscal_year)
);

-- Which sheet numbers (シート頁) belong to which measure; a number is unique within a plan.
CREATE TABLE measure_sheet_no (
  plan_id     integer NOT NULL,
  sheet_no    integer NOT NULL CHECK (sheet_no > 0),
  measure_id  integer NOT NULL,
  PRIMARY KEY (plan_id, sheet_no),
  FOREIGN KEY (plan_id, measure_id) REFERENCES measure (plan_id, id)
);
