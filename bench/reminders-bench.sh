#!/usr/bin/env bash
# bench/reminders-bench.sh [RUNS] — the reminders issue's figures (issue 6), medians of RUNS (3):
#
#   a. time to decide the due reminders over BENCH_SHEETS (100,000) open sheets: `remind run-once`
#      as cron runs it, its "decide_ms" (read the sheets and users, apply the rules, record the new
#      outbox rows in one transaction): the first decision of the day (every row new), the next
#      ones (every row already recorded: what each tick of a server costs all day), and a dry run;
#   b. the dispatch rate to a local SMTP server (aiosmtpd, tests/notifications/smtp_sink.py, which
#      writes every message to a file): BENCH_DIGESTS (2,000) digests of 3 items each, one SMTP
#      conversation each, as `remind run-once` delivers them ("dispatch.ms"); beside the same
#      number of messages of the same size sent by Python's smtplib to the same server (the floor
#      of the SMTP server and the loopback); and the rate of the big digests of figure a.
#
# The database is a scratch one on the project's PostgreSQL (scripts/pg): `shinchoku migrate`
# (Honjo's config/), `import` of the real FY2019 table, `user add`, `year open 2020`, then set-wise
# SQL: FY2021 opened too, both years filled up to BENCH_SHEETS/2 sheets each (a measure with one,
# two or three departments), every open sheet given a grade, a state and the time it entered it
# from a hash of its id (25% graded C 検討中, 10% ungraded after a C year: pending; draft 50%,
# submitted 30%, approved 20%; 0–44 days in the state), users for the departments (two staff and an
# approver each, three departments without staff: their items go to the coordinators as gaps),
# three coordinators, every user with an email address. Reminders by email only.
#
# Output: the machine, every run, medians, a markdown table (bench/out/reminders/last-results.md);
# logs in bench/out/reminders/logs/. The scratch database is dropped at the end (also on failure).
#
# Environment:
#   BENCH_BUILD_DIR (build-bench)  the Release build (SHINCHOKU_BENCH=ON); configured and built
#                                  (ninja shinchoku) unless BENCH_NO_BUILD=1
#   BENCH_SHEETS (100000)          open sheets (FY2020 and FY2021, half each)
#   BENCH_DIGESTS (2000)           small digests of figure b (at most 2000: one run-once's rounds)
#   BENCH_FIGURES (a,b)            which figures to measure (b alone: after one run-once that sends
#                                  whatever the sheets make due, so that only b's digests are left)
#   SHINCHOKU_PG_PORT              as scripts/pg
set -euo pipefail

PROG="bench/reminders-bench.sh"
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

RUNS="${1:-3}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $PROG [RUNS]   (RUNS >= 1, default 3)" >&2; exit 2; }
[ $# -le 1 ] || { echo "usage: $PROG [RUNS]" >&2; exit 2; }

TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OUT="$TOP/bench/out/reminders"
LOGS="$OUT/logs"
BUILD="${BENCH_BUILD_DIR:-$TOP/build-bench}"
SHEETS="${BENCH_SHEETS:-100000}"
DIGESTS="${BENCH_DIGESTS:-2000}"
for v in SHEETS DIGESTS; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v='${!v}' is not a positive number"; done
[ "$DIGESTS" -le 2000 ] || die "BENCH_DIGESTS=$DIGESTS: one run-once delivers at most 2000 digests"
PER_YEAR=$(( (SHEETS + 1) / 2 ))
FIGURES="${BENCH_FIGURES:-a,b}"
[[ "$FIGURES" =~ ^[ab](,[ab])*$ ]] || die "BENCH_FIGURES='$FIGURES' is not a list of a, b"
has_fig() { [[ ",$FIGURES," == *",$1,"* ]]; }
# Wednesday 11 June 2025, 10:00 JST: a business day, inside the sending window.
NOW="2025-06-11T10:00:00+09:00"

if [ -x /usr/lib/postgresql/15/bin/psql ]; then PSQL=/usr/lib/postgresql/15/bin/psql
elif command -v psql >/dev/null 2>&1; then PSQL="$(command -v psql)"
else die "psql not found; run scripts/install-deps"; fi
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "python3-aiosmtpd is missing (scripts/install-deps)"

mkdir -p "$OUT" "$LOGS" "$OUT/bin"
T_START="$(date +%s)"

# ---------------------------------------------------------------- build
fail_log() { say "$1 failed; last lines of $2:"; tail -n 30 "$2" >&2; exit 1; }
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ] || ! grep -qx 'SHINCHOKU_BENCH:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null \
     || ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    say "configuring $BUILD (Release, SHINCHOKU_BENCH=ON)"
    cmake -S "$TOP" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHINCHOKU_BENCH=ON -DSHINCHOKU_TESTS=OFF \
      -DSHINCHOKU_WERROR=OFF >"$LOGS/configure.log" 2>&1 || fail_log "cmake" "$LOGS/configure.log"
  fi
  say "building shinchoku in $BUILD (ninja, $(nproc) jobs)"
  ninja -C "$BUILD" -j"$(nproc)" shinchoku >"$LOGS/build.log" 2>&1 || fail_log "ninja" "$LOGS/build.log"
fi
BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)"
[ "$BUILD_TYPE" = Release ] || say "warning: $BUILD is a '${BUILD_TYPE:-default}' build, not Release"
[ -x "$BUILD/app/shinchoku" ] || die "no $BUILD/app/shinchoku: build it (or unset BENCH_NO_BUILD)"
# One snapshot of the binary for every measurement: a rebuild meanwhile does not mix versions.
cp "$BUILD/app/shinchoku" "$OUT/bin/shinchoku.tmp" && mv -f "$OUT/bin/shinchoku.tmp" "$OUT/bin/shinchoku"
BIN="$OUT/bin/shinchoku"
SRC_REV="$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  SRC_REV="binaries of $(date -r "$BUILD/app/shinchoku" '+%Y-%m-%d %H:%M %Z') (the tree is now at $SRC_REV)"
fi

# ---------------------------------------------------------------- database
"$TOP/scripts/pg" start >&2
eval "$("$TOP/scripts/pg" env)"
OWNER_URL="$SHINCHOKU_DATABASE_OWNER_URL"
APP_URL="$SHINCHOKU_DATABASE_URL"
url_re='^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^/?]+)$'
[[ "$OWNER_URL" =~ $url_re ]] || die "unexpected owner URL shape (want postgresql://user:password@host:port/db)"
OWNER_USER="${BASH_REMATCH[2]}"; OWNER_PW="${BASH_REMATCH[3]}"; PG_HOST="${BASH_REMATCH[4]}"; PG_PORT="${BASH_REMATCH[5]}"
db_url() { printf '%s/%s' "${1%/*}" "$2"; }
owner_psql() { local db="$1"; shift
  PGPASSWORD="$OWNER_PW" PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$OWNER_USER" -d "$db" "$@"; }

SCRATCH="bench_reminders_$$"
SINK_PID=""
cleanup() {
  local _
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; fi
  if [ -n "$SCRATCH" ]; then
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      if owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>>"$LOGS/drop.log"; then SCRATCH=""; break; fi
      sleep 1
    done
    [ -z "$SCRATCH" ] || say "warning: could not drop $SCRATCH (see $LOGS/drop.log); drop it by hand"
  fi
  rm -rf "$OUT/mail"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.0f", (b - a) / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.0f", v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms + 0 == 0) print "-"; else printf "%.0f", n / (ms / 1000) }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
json_num() { /usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(len(d) if isinstance(d, list) else d)' "$1" "$2"; }

# ---------------------------------------------------------------- machine
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
CORES="$(nproc)"
MEM="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
PG_VERSION="$(owner_psql postgres -At -c 'SHOW server_version')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED="$(date '+%Y-%m-%d %H:%M %Z')"
echo "machine: $CORES cores ($CPU_MODEL), $MEM RAM; PostgreSQL $PG_VERSION"
echo "binary: $BUILD ($BUILD_TYPE) of $SRC_REV; date: $STARTED; runs: $RUNS; load average before: $LOAD_BEFORE"
echo

# ---------------------------------------------------------------- the SMTP server
rm -rf "$OUT/mail"; mkdir -p "$OUT/mail"
/usr/bin/python3 "$TOP/tests/notifications/smtp_sink.py" "$OUT/mail" >"$OUT/sink.port" 2>"$LOGS/sink.log" &
SINK_PID=$!
for _ in $(seq 1 100); do [ -s "$OUT/sink.port" ] && break; sleep 0.1; done
SMTP_PORT="$(head -n1 "$OUT/sink.port")"
[[ "$SMTP_PORT" =~ ^[0-9]+$ ]] || die "the SMTP sink did not start (see $LOGS/sink.log)"

CONFIG="$OUT/shinchoku.toml"
cat >"$CONFIG" <<EOF
[database]
url = ""
[plan]
code = "honjo-chiiki-fukushi"
departments = "$TOP/config/honjo/departments.toml"
plan = "$TOP/config/honjo/plan.toml"
structure = "$TOP/config/honjo/structure.toml"
[workflow]
definition = "$TOP/config/workflows/default.toml"
[log]
level = "warn"
[reminders]
holidays = "$TOP/config/holidays/exceptions.tsv"
channels = "email"
[reminders.smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
from = "shinchoku@city.honjo.example"
starttls = "none"
timeout_seconds = 30
EOF

S_OWNER_URL="$(db_url "$OWNER_URL" "$SCRATCH")"
S_APP_URL="$(db_url "$APP_URL" "$SCRATCH")"
cli() { SHINCHOKU_CONFIG="$CONFIG" SHINCHOKU_DATABASE_URL="$S_APP_URL" SHINCHOKU_DATABASE_OWNER_URL="$S_OWNER_URL" "$BIN" "$@"; }
sql() { owner_psql "$SCRATCH" "$@"; }

say "building $SHEETS open sheets in $SCRATCH"
t0="$(now_ns)"
owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" -c "CREATE DATABASE $SCRATCH TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
sql -c "ALTER SCHEMA public OWNER TO CURRENT_USER" >/dev/null
cli migrate >"$LOGS/migrate.log" 2>&1 || fail_log "shinchoku migrate" "$LOGS/migrate.log"
cli import "$TOP/data/honjo/honjo-welfare-plan-fy2019-progress.tsv" --year 2019 >"$LOGS/import.log" 2>&1 || fail_log "import" "$LOGS/import.log"
echo 'a benchmark coordinator passphrase' | cli user add bench-coord --role coordinator --email bench-coord@city.honjo.example \
  --password-stdin >"$LOGS/user.log" 2>&1 || fail_log "user add" "$LOGS/user.log"
cli year open 2020 --actor bench-coord >"$LOGS/year.log" 2>&1 || fail_log "year open" "$LOGS/year.log"

sql -v per_year="$PER_YEAR" -v now="'$NOW'" >"$LOGS/setup.log" 2>&1 <<'SQL' || fail_log "the setup SQL" "$LOGS/setup.log"
INSERT INTO fiscal_year (year, plan_id, state) SELECT 2021, plan_id, 'open' FROM fiscal_year WHERE year = 2020;
-- Sheets up to :per_year in each open year: a measure with one, two or three departments (the
-- unique key is measure, year, department set), in a fixed pseudo-random order.
CREATE TEMP TABLE combo AS
  SELECT ARRAY[d.id] AS ids FROM department d
  UNION ALL SELECT ARRAY[d1.id, d2.id] FROM department d1 JOIN department d2 ON d1.id < d2.id
  UNION ALL SELECT ARRAY[d1.id, d2.id, d3.id] FROM department d1 JOIN department d2 ON d1.id < d2.id JOIN department d3 ON d2.id < d3.id;
-- Each year's next sheet number and count, once (inside the INSERT a correlated count would scan
-- the rows being inserted, again for every row).
CREATE TEMP TABLE yr AS
  SELECT y.year, coalesce(max(s.sheet_no), 0) AS base, count(s.id) AS have
    FROM (VALUES (2020), (2021)) AS y(year) LEFT JOIN sheet s ON s.fiscal_year = y.year GROUP BY y.year;
CREATE TEMP TABLE cand AS
  SELECT m.plan_id, m.id AS measure_id, y.year, c.ids, y.base,
         row_number() OVER (PARTITION BY y.year ORDER BY md5(m.id || ':' || c.ids::text || ':' || y.year)) AS n, y.have
    FROM measure m CROSS JOIN combo c CROSS JOIN yr y
   WHERE NOT EXISTS (SELECT 1 FROM sheet x WHERE x.measure_id = m.id AND x.fiscal_year = y.year
                                             AND x.department_ids = sorted_set_of(c.ids));
INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order, state, state_since)
SELECT plan_id, measure_id, year, base + n, sorted_set_of(ids), ids, 'draft', now()
  FROM cand WHERE n <= :per_year - have;
-- Grade and state from a hash of the id (the state first: changing it sets state_since), then
-- the time each entered its state.
CREATE TEMP TABLE h AS SELECT id, ('x' || substr(md5(id::text), 1, 8))::bit(32)::bigint AS v
  FROM sheet WHERE fiscal_year IN (2020, 2021);
UPDATE sheet s SET grade = CASE WHEN h.v % 100 < 25 THEN 'C' WHEN h.v % 100 < 35 THEN NULL
                                ELSE (ARRAY['A', 'B', 'D'])[1 + h.v % 3] END,
                   previous_grade = CASE WHEN h.v % 100 BETWEEN 25 AND 34 THEN 'C' ELSE 'A' END,
                   state = CASE WHEN h.v / 100 % 10 < 5 THEN 'draft' WHEN h.v / 100 % 10 < 8 THEN 'submitted' ELSE 'approved' END
  FROM h WHERE h.id = s.id;
UPDATE sheet s SET state_since = CAST(:now AS timestamptz) - make_interval(days => (h.v / 1000 % 45)::int)
  FROM h WHERE h.id = s.id;
-- Users: two staff and an approver for every city department (the last three by id have no
-- staff: their drafts fall to the coordinators), three coordinators; everyone has an email.
CREATE TEMP TABLE slot AS
  SELECT d.id AS department_id, r.role, r.n, d.code
    FROM (SELECT id, code, row_number() OVER (ORDER BY id DESC) <= 3 AS no_staff FROM department WHERE kind = 'city') d
    CROSS JOIN (VALUES ('staff', 1), ('staff', 2), ('approver', 1)) AS r(role, n)
   WHERE NOT (d.no_staff AND r.role = 'staff');
INSERT INTO app_user (login, display_name, email, password_hash)
SELECT login, 'ベンチ ' || login, login || '@city.honjo.example', (SELECT password_hash FROM app_user WHERE login = 'bench-coord')
  FROM (SELECT format('b-%s-%s-%s', role, code, n) AS login FROM slot
        UNION ALL SELECT 'b-coordinator-' || g FROM generate_series(1, 2) g) u;
INSERT INTO user_grant (user_id, role, department_id)
SELECT u.id, s.role, s.department_id FROM slot s JOIN app_user u ON u.login = format('b-%s-%s-%s', s.role, s.code, s.n);
INSERT INTO user_grant (user_id, role, department_id)
SELECT id, 'coordinator', NULL FROM app_user WHERE login LIKE 'b-coordinator-%';
-- Figure b's recipients: users without grants (no rule ever picks them), one digest each.
INSERT INTO app_user (login, display_name, email, password_hash)
SELECT 'b-mail-' || g, 'ベンチ 受信者' || g, 'b-mail-' || g || '@city.honjo.example', (SELECT password_hash FROM app_user WHERE login = 'bench-coord')
  FROM generate_series(1, 2000) g;
SQL
sql -c "VACUUM ANALYZE" >/dev/null
T_SETUP="$(ms_since "$t0")"
read -r N_OPEN N_PENDING N_USERS <<<"$(sql -At -F' ' -c "SELECT (SELECT count(*) FROM sheet s JOIN fiscal_year y ON y.year = s.fiscal_year AND y.state = 'open'),
  (SELECT count(*) FROM sheet s JOIN fiscal_year y ON y.year = s.fiscal_year AND y.state = 'open' WHERE s.grade = 'C' OR (s.grade IS NULL AND s.previous_grade = 'C')),
  (SELECT count(*) FROM app_user WHERE login NOT LIKE 'b-mail-%')")"
echo "database: $N_OPEN open sheets, $N_PENDING of them pending C-grade items, $N_USERS users (set up in $(secs "$T_SETUP") s)"
[ "$N_OPEN" -ge "$SHEETS" ] || die "only $N_OPEN open sheets (wanted $SHEETS)"

# ================================================================ a. deciding over the open sheets
if has_fig a; then
echo "== a. deciding over $N_OPEN open sheets (run-once --now $NOW)"
FIRST_MS=(); AGAIN_MS=(); DRY_MS=(); BIG_MS=()
for run in $(seq 1 "$RUNS"); do
  sql -c "TRUNCATE reminder_outbox, notification_inbox" >/dev/null
  rm -rf "$OUT/mail"/*
  cli remind run-once --now "$NOW" --format json >"$LOGS/first-$run.json" 2>"$LOGS/first-$run.err" || fail_log "run-once (run $run)" "$LOGS/first-$run.err"
  FIRST_MS+=("$(json_num "$LOGS/first-$run.json" decide_ms)")
  ROWS="$(json_num "$LOGS/first-$run.json" recorded_rows)"
  BIG_DIGESTS="$(json_num "$LOGS/first-$run.json" dispatch.sent)"
  BIG_MS+=("$(json_num "$LOGS/first-$run.json" dispatch.ms)")
  cli remind run-once --now "$NOW" --format json >"$LOGS/again-$run.json" 2>"$LOGS/again-$run.err" || fail_log "run-once again (run $run)" "$LOGS/again-$run.err"
  AGAIN_MS+=("$(json_num "$LOGS/again-$run.json" decide_ms)")
  [ "$(json_num "$LOGS/again-$run.json" recorded_rows)" = 0 ] || die "the second run-once recorded rows again"
  cli remind run-once --dry-run --now "$NOW" --format json >"$LOGS/dry-$run.json" 2>"$LOGS/dry-$run.err" || fail_log "dry run (run $run)" "$LOGS/dry-$run.err"
  DRY_MS+=("$(json_num "$LOGS/dry-$run.json" decide_ms)")
  echo "run $run: first decision ${FIRST_MS[-1]} ms ($ROWS rows recorded), again ${AGAIN_MS[-1]} ms, dry run ${DRY_MS[-1]} ms;" \
       "its $BIG_DIGESTS digests sent in ${BIG_MS[-1]} ms"
done
DUE="$(json_num "$LOGS/dry-1.json" due)"
[ "$DUE" = 0 ] || say "note: the dry run after two runs still lists $DUE due reminders"
DUE_FIRST="$(json_num "$LOGS/first-1.json" due)"
SENT_ROWS="$(sql -At -c "SELECT count(*) FROM reminder_outbox WHERE state = 'sent'")"
[ "$SENT_ROWS" = "$ROWS" ] || die "$SENT_ROWS of $ROWS rows sent after figure a"
BIG_BYTES="$(du -cb "$OUT/mail"/*.eml | tail -n1 | cut -f1)"
fi

# ================================================================ b. dispatch rate
if has_fig b; then
echo "== b. dispatching $DIGESTS digests of 3 items to the SMTP server on loopback"
# Whatever the sheets make due is recorded and sent first (after figure a: nothing), so that each
# run below delivers only its own digests.
cli remind run-once --now "$NOW" --format json >"$LOGS/warm-up.json" 2>"$LOGS/warm-up.err" || fail_log "run-once warm-up" "$LOGS/warm-up.err"
DISPATCH_MS=(); FLOOR_MS=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$OUT/mail"/*
  # The rows as a decision records them: pending, due now, three per recipient (one digest each).
  sql -v now="'$NOW'" -v digests="$DIGESTS" >/dev/null <<'SQL'
DELETE FROM reminder_outbox WHERE period LIKE 'bench#%';
INSERT INTO reminder_outbox (recipient_id, channel, sheet_id, rule, period, digest_day, sheet_state, business_days_pending,
                             reminder_number, next_attempt_at, created_at)
SELECT u.id, 'email', s.id, 'first', 'bench#' || k, CAST(CAST(:now AS timestamptz) AT TIME ZONE 'Asia/Tokyo' AS date), s.state, 7, 1,
       CAST(:now AS timestamptz), CAST(:now AS timestamptz)
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM app_user WHERE login LIKE 'b-mail-%') u
  CROSS JOIN generate_series(1, 3) k
  JOIN (SELECT id, state, row_number() OVER (ORDER BY id) AS r FROM sheet WHERE fiscal_year = 2021) s
    ON s.r = 1 + (u.n * 3 + k) % (SELECT count(*) FROM sheet WHERE fiscal_year = 2021)
 WHERE u.n <= :digests;
ANALYZE reminder_outbox;
SQL
  cli remind run-once --now "$NOW" --format json >"$LOGS/dispatch-$run.json" 2>"$LOGS/dispatch-$run.err" || fail_log "run-once dispatch (run $run)" "$LOGS/dispatch-$run.err"
  [ "$(json_num "$LOGS/dispatch-$run.json" dispatch.sent)" = "$DIGESTS" ] || die "run $run sent $(json_num "$LOGS/dispatch-$run.json" dispatch.sent) digests, not $DIGESTS"
  DISPATCH_MS+=("$(json_num "$LOGS/dispatch-$run.json" dispatch.ms)")
  # The floor: the same number of messages of the same size, one SMTP conversation each, by smtplib.
  cp "$(find "$OUT/mail" -name '*.eml' -print -quit)" "$OUT/sample.eml"
  SAMPLE="$OUT/sample.eml"
  rm -rf "$OUT/mail"/*
  FLOOR_MS+=("$(/usr/bin/python3 - "$SMTP_PORT" "$DIGESTS" "$SAMPLE" <<'PY'
import smtplib, sys, time
port, n, sample = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
t = time.monotonic()
for i in range(n):
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.sendmail("shinchoku@city.honjo.example", ["b-mail-%d@city.honjo.example" % i], sample)
print(round((time.monotonic() - t) * 1000))
PY
)")
  echo "run $run: run-once delivered $DIGESTS digests in ${DISPATCH_MS[-1]} ms ($(per_s "$DIGESTS" "${DISPATCH_MS[-1]}")/s);" \
       "smtplib sent as many in ${FLOOR_MS[-1]} ms ($(per_s "$DIGESTS" "${FLOOR_MS[-1]}")/s)"
done
SMALL_BYTES="$(wc -c <"$SAMPLE" 2>/dev/null || echo '?')"
fi

# ================================================================ report
if has_fig a; then F_MED="$(median "${FIRST_MS[@]}")"; A_MED="$(median "${AGAIN_MS[@]}")"; D_MED="$(median "${DRY_MS[@]}")"; B_MED="$(median "${BIG_MS[@]}")"; fi
if has_fig b; then X_MED="$(median "${DISPATCH_MS[@]}")"; P_MED="$(median "${FLOOR_MS[@]}")"; fi
T_TOTAL=$(( $(date +%s) - T_START ))
{
  echo "### Reminders figures ($STARTED)"
  echo
  echo "Machine: $CORES cores ($CPU_MODEL), $MEM RAM; PostgreSQL $PG_VERSION (scripts/pg). Binary: $BUILD_TYPE build of $SRC_REV."
  echo "Runs: $RUNS (median shown, every run in brackets). Load average before: $LOAD_BEFORE; total time ${T_TOTAL} s."
  echo
if has_fig a; then
  echo "**a. Deciding** over $N_OPEN open sheets ($N_PENDING pending C-grade items; $N_USERS users), \`remind run-once --now $NOW\`'s decide_ms:"
  echo
  echo "| decision | ms | |"
  echo "|---|---:|---|"
  echo "| first of the day (every row new) | $F_MED [$(echo "${FIRST_MS[@]}")] | $DUE_FIRST due reminders, $ROWS outbox rows recorded |"
  echo "| again (every row already recorded: each later tick) | $A_MED [$(echo "${AGAIN_MS[@]}")] | 0 rows recorded |"
  echo "| \`--dry-run\` (nothing written) | $D_MED [$(echo "${DRY_MS[@]}")] | |"
  echo
fi
if has_fig b; then
  echo "**b. Dispatch** to aiosmtpd on loopback (one SMTP conversation per digest):"
  echo
  echo "| what | ms | messages/s | outbox rows/s |"
  echo "|---|---:|---:|---:|"
  echo "| $DIGESTS digests of 3 items (~$SMALL_BYTES bytes each), run-once | $X_MED [$(echo "${DISPATCH_MS[@]}")] | $(per_s "$DIGESTS" "$X_MED") | $(per_s $((DIGESTS * 3)) "$X_MED") |"
  echo "| the same by Python smtplib (floor) | $P_MED [$(echo "${FLOOR_MS[@]}")] | $(per_s "$DIGESTS" "$P_MED") | |"
fi
if has_fig a; then
  echo "| figure a's $BIG_DIGESTS digests ($ROWS rows, $((BIG_BYTES / 1024)) KiB in all), run-once | $B_MED [$(echo "${BIG_MS[@]}")] | $(per_s "$BIG_DIGESTS" "$B_MED") | $(per_s "$ROWS" "$B_MED") |"
fi
} >"$OUT/last-results.md"
echo
cat "$OUT/last-results.md"
say "written to ${OUT#"$TOP"/}/last-results.md; logs in ${LOGS#"$TOP"/}/"
