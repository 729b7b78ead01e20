#!/usr/bin/env bash
# bench/workflow-bench.sh [RUNS] — the workflow issue's figures, each beside its floor measured in
# the same run (bench/workflow.md says what each is and why):
#
#   1. commands per second through the command service at 1, 4 and 16 threads
#      (build-bench/bench/command_throughput), beside pgbench running the same SQL transaction
#      (bench/pgbench/command.sql) on the same scratch database; at the decomposition thread
#      counts also pgbench running the service's own statements (service_sql.sql) and those
#      statements sent the way SOCI sends them (service_protocol.sql). Goal: service ≥ 70% of
#      command.sql at 16 threads.
#   2. `shinchoku audit verify` over 1,000,000 events beside `\copy` of the same rows to /dev/null
#      (in chain order, and plain), and beside `\copy` of verify's own stream query.
#      Goal: verify ≥ 50% of the COPY rate.
#   3. `shinchoku sheet show --as-of` and `shinchoku audit log --sheet` latency on that database,
#      beside psql running the same queries (one connection, output to /dev/null).
#
# The 1,000,000-event database is built the way a real one grows: `shinchoku migrate` (Honjo's
# config/), `import` of the real FY2019 table, `user add`, `year open 2020`, then bulk SQL: more
# FY2020 sheets with their creation events (BENCH_TRAIL_SHEETS in all), then rounds of edit
# events, one per sheet per round, each round one INSERT … SELECT per worker (the audit trigger
# chains and hashes every row), until the trail holds exactly BENCH_EVENTS events; finally every
# sheet row is set to the replay of its chain, so verify must pass (the script checks it does).
#
# Each run is a median of RUNS (default 3). Scratch databases are dropped at the end, also on
# failure or Ctrl-C. Output: the machine, every run, the medians, a markdown table (also written
# to bench/out/workflow/last-results.md); logs in bench/out/workflow/logs/.
#
# Environment:
#   BENCH_BUILD_DIR (build-bench)  the Release build; configured and built (ninja) unless
#                                  BENCH_NO_BUILD=1
#   BENCH_SECONDS (10)             seconds per throughput measurement
#   BENCH_THREADS (1,4,16)         thread counts of figure 1
#   BENCH_DECOMPOSE_THREADS (16)   thread counts at which the two decomposition scripts run
#                                  ("none": not at all)
#   BENCH_EVENTS (1000000)         events in the audit trail of figures 2 and 3
#   BENCH_TRAIL_SHEETS (10000)     FY2020 sheets in that database (74 real + the rest added)
#   BENCH_LATENCY_REPEAT (10)      invocations per command per run in figure 3
#   BENCH_LATENCY_SHEET (10)       the FY2020 sheet number figure 3 shows and logs
#   BENCH_FIGURES (1,2,3)          which figures to measure (2 and 3 share the trail)
#   BENCH_KEEP_TRAIL (0)           1: keep the trail's database for a closer look (its name is
#                                  printed; drop it by hand)
#   SHINCHOKU_PG_PORT              as scripts/pg
set -euo pipefail

PROG="bench/workflow-bench.sh"
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

RUNS="${1:-3}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $PROG [RUNS]   (RUNS >= 1, default 3)" >&2; exit 2; }
[ $# -le 1 ] || { echo "usage: $PROG [RUNS]" >&2; exit 2; }

TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BENCH="$TOP/bench"
OUT="$BENCH/out/workflow"
LOGS="$OUT/logs"
BUILD="${BENCH_BUILD_DIR:-$TOP/build-bench}"
SECS="${BENCH_SECONDS:-10}"
THREADS="${BENCH_THREADS:-1,4,16}"
DECOMPOSE="${BENCH_DECOMPOSE_THREADS:-16}"
EVENTS="${BENCH_EVENTS:-1000000}"
TRAIL_SHEETS="${BENCH_TRAIL_SHEETS:-10000}"
REPEAT="${BENCH_LATENCY_REPEAT:-10}"
LAT_SHEET="${BENCH_LATENCY_SHEET:-10}"
YEAR=2020
for v in SECS EVENTS TRAIL_SHEETS REPEAT LAT_SHEET; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v='${!v}' is not a positive number"
done
[[ "$THREADS" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "BENCH_THREADS='$THREADS' is not a list like 1,4,16"
[[ "$DECOMPOSE" = none || "$DECOMPOSE" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "BENCH_DECOMPOSE_THREADS='$DECOMPOSE' is not a list like 16, nor none"
FIGURES="${BENCH_FIGURES:-1,2,3}"
[[ "$FIGURES" =~ ^[123](,[123])*$ ]] || die "BENCH_FIGURES='$FIGURES' is not a list of 1, 2, 3"
has_fig() { [[ ",$FIGURES," == *",$1,"* ]]; }

if [ -x /usr/lib/postgresql/15/bin/psql ]; then PSQL=/usr/lib/postgresql/15/bin/psql
elif command -v psql >/dev/null 2>&1; then PSQL="$(command -v psql)"
else die "psql not found; run scripts/install-deps"; fi
if [ -x /usr/lib/postgresql/15/bin/pgbench ]; then PGBENCH=/usr/lib/postgresql/15/bin/pgbench
elif command -v pgbench >/dev/null 2>&1; then PGBENCH="$(command -v pgbench)"
else die "pgbench not found (Debian: postgresql-contrib / postgresql-15)"; fi

mkdir -p "$OUT" "$LOGS" "$OUT/bin" "$OUT/sql"
T_START="$(date +%s)"

# ---------------------------------------------------------------- build
fail_log() { say "$1 failed; last lines of $2:"; tail -n 30 "$2" >&2; exit 1; }
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ] || ! grep -qx 'SHINCHOKU_BENCH:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null \
     || ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    say "configuring $BUILD (Release, SHINCHOKU_BENCH=ON)"
    # SHINCHOKU_WERROR=OFF: at -O3 GCC 12 reports a false -Wrestrict inside std::string
    # (persistence/src/audit_log.cpp), which -Werror would turn into a failed build.
    cmake -S "$TOP" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHINCHOKU_BENCH=ON -DSHINCHOKU_TESTS=OFF \
      -DSHINCHOKU_WERROR=OFF >"$LOGS/configure.log" 2>&1 || fail_log "cmake" "$LOGS/configure.log"
  fi
  say "building shinchoku and command_throughput in $BUILD (ninja, $(nproc) jobs)"
  ninja -C "$BUILD" -j"$(nproc)" shinchoku command_throughput >"$LOGS/build.log" 2>&1 || fail_log "ninja" "$LOGS/build.log"
fi
BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)"
[ "$BUILD_TYPE" = Release ] || say "warning: $BUILD is a '${BUILD_TYPE:-default}' build, not Release"
for b in app/shinchoku bench/command_throughput; do
  [ -x "$BUILD/$b" ] || die "no $BUILD/$b: build it (or unset BENCH_NO_BUILD)"
done
# Every measurement uses one snapshot of the binaries: a rebuild meanwhile does not mix versions.
cp "$BUILD/app/shinchoku" "$OUT/bin/shinchoku.tmp" && mv -f "$OUT/bin/shinchoku.tmp" "$OUT/bin/shinchoku"
cp "$BUILD/bench/command_throughput" "$OUT/bin/command_throughput.tmp" && mv -f "$OUT/bin/command_throughput.tmp" "$OUT/bin/command_throughput"
BIN="$OUT/bin/shinchoku"
CT="$OUT/bin/command_throughput"
SRC_REV="$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no 2>/dev/null | grep -v ' bench/' || true)" ]; then
  SRC_REV="$SRC_REV + uncommitted changes outside bench/"
fi
if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  SRC_REV="binaries of $(date -r "$BUILD/app/shinchoku" '+%Y-%m-%d %H:%M %Z') (not rebuilt; the tree is now at $SRC_REV)"
fi

# ---------------------------------------------------------------- database
"$TOP/scripts/pg" start >&2
eval "$("$TOP/scripts/pg" env)"
OWNER_URL="$SHINCHOKU_DATABASE_OWNER_URL"
APP_URL="$SHINCHOKU_DATABASE_URL"
url_re='^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^/?]+)$'
[[ "$OWNER_URL" =~ $url_re ]] || die "unexpected owner URL shape (want postgresql://user:password@host:port/db)"
OWNER_USER="${BASH_REMATCH[2]}"; OWNER_PW="${BASH_REMATCH[3]}"; PG_HOST="${BASH_REMATCH[4]}"; PG_PORT="${BASH_REMATCH[5]}"
[[ "$APP_URL" =~ $url_re ]] || die "unexpected app URL shape"
APP_USER="${BASH_REMATCH[2]}"; APP_PW="${BASH_REMATCH[3]}"
db_url() { printf '%s/%s' "${1%/*}" "$2"; }  # the URL with its database replaced

# psql without a password on its command line; -X: no ~/.psqlrc.
owner_psql() { local db="$1"; shift
  PGPASSWORD="$OWNER_PW" PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$OWNER_USER" -d "$db" "$@"; }
app_psql() { local db="$1"; shift
  PGPASSWORD="$APP_PW" PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$APP_USER" -d "$db" "$@"; }

SCRATCH=""
BG_PIDS=()
cleanup() {
  local p _
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$SCRATCH" ] && [ "${BENCH_KEEP_TRAIL:-0}" = 1 ]; then
    say "kept the trail database $SCRATCH (BENCH_KEEP_TRAIL=1): drop it by hand when done"
    SCRATCH=""
  fi
  if [ -n "$SCRATCH" ]; then
    # Plain DROP (not WITH (FORCE)): it also stops an autovacuum worker in the database.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      if owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>>"$LOGS/drop.log"; then SCRATCH=""; break; fi
      sleep 1
    done
    [ -z "$SCRATCH" ] || say "warning: could not drop $SCRATCH (see $LOGS/drop.log); drop it by hand"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.1f", v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.0f%%", 100 * a / b }'; }
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n / (ms / 1000) }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
join_by() { local IFS="$1"; shift; echo "$*"; }

# ---------------------------------------------------------------- machine
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
CORES="$(nproc)"
MEM="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
PG_VERSION="$(owner_psql postgres -At -c 'SHOW server_version')"
PG_SETTINGS="$(owner_psql postgres -At -F= -c "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method', 'jit', 'max_connections') ORDER BY name" | paste -sd' ')"
APP_VERSION="$("$BIN" version 2>/dev/null | head -n1 || echo '?')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED="$(date '+%Y-%m-%d %H:%M %Z')"
if awk -v l="${LOAD_BEFORE%% *}" -v c="$CORES" 'BEGIN { exit !(l > c / 2) }'; then
  say "warning: load average $LOAD_BEFORE on $CORES cores: something else is running, the figures will be noisy"
fi
echo "machine: $CORES cores ($CPU_MODEL), $MEM RAM, $(uname -sr)"
echo "PostgreSQL $PG_VERSION (scripts/pg, 127.0.0.1:$PG_PORT): $PG_SETTINGS"
echo "binaries: $BUILD ($BUILD_TYPE) of $SRC_REV; $APP_VERSION; pgbench: $PGBENCH"
echo "date: $STARTED; runs: $RUNS; load average before: $LOAD_BEFORE"
echo

# ================================================================ 1. command throughput
if has_fig 1; then
  echo "== 1. commands per second: command service vs pgbench (${SECS} s each, threads $THREADS)"
  ct_args=(--threads "$THREADS" --seconds "$SECS" --runs "$RUNS" --pgbench "$PGBENCH"
           --script "command=$BENCH/pgbench/command.sql")
  if [ "$DECOMPOSE" != none ]; then
    ct_args+=(--script "service_sql=$BENCH/pgbench/service_sql.sql" --script-threads "service_sql=$DECOMPOSE"
              --script "service_protocol=$BENCH/pgbench/service_protocol.sql" --script-threads "service_protocol=$DECOMPOSE")
  fi
  LOAD_1="$(cut -d' ' -f1 /proc/loadavg)"
  "$CT" "${ct_args[@]}" >"$LOGS/throughput.out" 2>"$LOGS/throughput.err" || fail_log "command_throughput" "$LOGS/throughput.err"
  grep '^RESULT\|^VERIFY' "$LOGS/throughput.out"
  grep -q '^VERIFY ok' "$LOGS/throughput.out" || die "the throughput database did not verify (see $LOGS/throughput.out)"
  LOAD_1="$LOAD_1 → $(cut -d' ' -f1 /proc/loadavg)"
  rates_of() { # kind threads → the runs' rates, space-separated
    awk -v k="$1" -v t="$2" '$1 == "RESULT" { split($3, a, "="); split($4, b, "="); split($5, c, "=");
                                              if (b[2] == k && a[2] == t) printf "%s ", c[2] }' "$LOGS/throughput.out"; }
  echo
fi

# ================================================================ 2./3. the audit trail
# -- the SQL that grows the trail (psql variables: year, sheets, k, needed, parts, part)
cat >"$OUT/sql/add_sheets.sql" <<'SQL'
-- More sheets of the year, up to :sheets in all, each with its creation event written as every
-- creation is (sheet_audit_fields/audit_created when the schema has them, the same object
-- spelled out otherwise). A sheet is a measure with one or two departments (the unique key is
-- measure, year, department set), picked in a fixed pseudo-random order.
SELECT to_regproc('sheet_audit_fields') IS NOT NULL AS has_fields \gset
WITH cand AS (
  SELECT m.plan_id, m.id AS measure_id, s.ids
    FROM measure m
    CROSS JOIN LATERAL (
      SELECT ARRAY[d.id] AS ids FROM department d
      UNION ALL
      SELECT ARRAY[d1.id, d2.id] FROM department d1 JOIN department d2 ON d1.id < d2.id
    ) s
   WHERE NOT EXISTS (SELECT 1 FROM sheet x WHERE x.measure_id = m.id AND x.fiscal_year = :year
                                             AND x.department_ids = sorted_set_of(s.ids))
), picked AS (
  SELECT c.*, row_number() OVER (ORDER BY md5(c.measure_id || ':' || c.ids::text)) AS n
    FROM cand c
   ORDER BY md5(c.measure_id || ':' || c.ids::text)
   LIMIT greatest(0, :sheets - (SELECT count(*) FROM sheet WHERE fiscal_year = :year))
), inserted AS (
  INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order, state)
  SELECT plan_id, measure_id, :year, (SELECT coalesce(max(sheet_no), 0) FROM sheet WHERE fiscal_year = :year) + n,
         sorted_set_of(ids), ids, 'draft'
    FROM picked
  RETURNING id, sheet_no, fiscal_year, measure_id, department_order, grade, actions, results, next_steps, state, version
)
INSERT INTO audit_event (actor, actor_grant, entity_type, entity_id, action, changes, comment, request_id)
SELECT 'bench-coord', 'coordinator', 'sheet', CAST(s.id AS text), 'create',
\if :has_fields
       audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                        s.actions, s.results, s.next_steps, s.state, s.version)),
\else
       jsonb_build_object(
         'fiscal_year', jsonb_build_object('before', NULL, 'after', s.fiscal_year),
         'sheet_no',    jsonb_build_object('before', NULL, 'after', s.sheet_no),
         'measure',     jsonb_build_object('before', NULL, 'after', m.key),
         'departments', jsonb_build_object('before', NULL, 'after',
                          (SELECT jsonb_agg(d.name ORDER BY o.ord)
                             FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
                             JOIN department d ON d.id = o.id)),
         'grade',       jsonb_build_object('before', NULL, 'after', NULL),
         'actions',     jsonb_build_object('before', NULL, 'after', ''),
         'results',     jsonb_build_object('before', NULL, 'after', ''),
         'next_steps',  jsonb_build_object('before', NULL, 'after', ''),
         'state',       jsonb_build_object('before', NULL, 'after', s.state),
         'version',     jsonb_build_object('before', NULL, 'after', s.version)),
\endif
       'added by a coordinator', 'bench-add-sheets'
  FROM inserted s JOIN measure m ON m.id = s.measure_id
 ORDER BY s.sheet_no;
SQL
cat >"$OUT/sql/edit_round.sql" <<'SQL'
-- Round :k of edits: one edit event per sheet of the year (this worker's share, :part of
-- :parts), as the command service writes an edit of 取組内容 (about 400 bytes of Japanese text
-- before and after, and the version), until :needed edit events exist in all.
INSERT INTO audit_event (actor, actor_grant, entity_type, entity_id, action, changes, request_id)
SELECT 'bench-staff', 'staff@' || d.code, 'sheet', CAST(r.id AS text), 'edit',
       jsonb_build_object(
         'actions', jsonb_build_object(
            'before', CASE WHEN :k = 1 THEN ''
                           ELSE '第' || (:k - 1) || '版 シート' || r.sheet_no || '：' || repeat('地域の見守り活動を進めた。', 8) END,
            'after', '第' || :k || '版 シート' || r.sheet_no || '：' || repeat('地域の見守り活動を進めた。', 8)),
         'version', jsonb_build_object('before', :k, 'after', :k + 1)),
       'bench-edit-' || :k
  FROM (SELECT s.id, s.sheet_no, s.department_order[1] AS dept, row_number() OVER (ORDER BY s.id) AS rank
          FROM sheet s WHERE s.fiscal_year = :year) r
  JOIN department d ON d.id = r.dept
 WHERE r.rank % :parts = :part
   AND (CAST(:k AS bigint) - 1) * (SELECT count(*) FROM sheet WHERE fiscal_year = :year) + r.rank <= :needed
 ORDER BY r.id;
SQL
cat >"$OUT/sql/settle_rows.sql" <<'SQL'
-- Every sheet row of the year equal to the replay of its chain: version = the chain's length
-- (the creation is position 1, every edit adds one), 取組内容 = the last edit's text.
UPDATE sheet s
   SET actions = CASE WHEN h.length > 1
                      THEN '第' || (h.length - 1) || '版 シート' || s.sheet_no || '：' || repeat('地域の見守り活動を進めた。', 8)
                      ELSE '' END,
       version = h.length
  FROM audit_chain_head h
 WHERE s.fiscal_year = :year AND h.entity_type = 'sheet' AND h.entity_id = CAST(s.id AS text);
SQL

if has_fig 2 || has_fig 3; then
  echo "== 2. audit verify over $EVENTS events; 3. sheet show --as-of and audit log --sheet"
  SCRATCH="bench_workflow_$$"
  TRAIL_OWNER_URL="$(db_url "$OWNER_URL" "$SCRATCH")"
  TRAIL_APP_URL="$(db_url "$APP_URL" "$SCRATCH")"
  cli() { SHINCHOKU_CONFIG="$TOP/config/shinchoku.toml" SHINCHOKU_DATABASE_URL="$TRAIL_APP_URL" \
          SHINCHOKU_DATABASE_OWNER_URL="$TRAIL_OWNER_URL" "$BIN" "$@"; }
  say "building the trail in $SCRATCH"
  t0="$(now_ns)"
  owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" -c "CREATE DATABASE $SCRATCH TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
  owner_psql "$SCRATCH" -c "ALTER SCHEMA public OWNER TO CURRENT_USER" >/dev/null
  cli migrate >"$LOGS/trail-migrate.log" 2>&1 || fail_log "shinchoku migrate" "$LOGS/trail-migrate.log"
  cli import "$TOP/data/honjo/honjo-welfare-plan-fy2019-progress.tsv" --year 2019 >"$LOGS/trail-import.log" 2>&1 \
    || fail_log "shinchoku import" "$LOGS/trail-import.log"
  echo 'a benchmark coordinator passphrase' | cli user add bench-coord --role coordinator --password-stdin >"$LOGS/trail-user.log" 2>&1 \
    || fail_log "shinchoku user add" "$LOGS/trail-user.log"
  cli year open "$YEAR" --actor bench-coord >"$LOGS/trail-year.log" 2>&1 || fail_log "shinchoku year open" "$LOGS/trail-year.log"
  T_SETUP="$(ms_since "$t0")"

  t0="$(now_ns)"
  owner_psql "$SCRATCH" -v year="$YEAR" -v sheets="$TRAIL_SHEETS" -f "$OUT/sql/add_sheets.sql" >"$LOGS/trail-sheets.log" 2>&1 \
    || fail_log "adding sheets" "$LOGS/trail-sheets.log"
  T_SHEETS="$(ms_since "$t0")"
  N_SHEETS="$(owner_psql "$SCRATCH" -At -c "SELECT count(*) FROM sheet WHERE fiscal_year = $YEAR")"
  N_BEFORE="$(owner_psql "$SCRATCH" -At -c "SELECT count(*) FROM audit_event")"
  NEEDED=$((EVENTS - N_BEFORE))
  [ "$NEEDED" -ge 0 ] || die "the trail already holds $N_BEFORE events, more than BENCH_EVENTS=$EVENTS"
  ROUNDS=$(((NEEDED + N_SHEETS - 1) / N_SHEETS))
  MID_ROUND=$(((ROUNDS + 1) / 2))
  PARTS="$CORES"
  say "$N_SHEETS sheets in $YEAR, $N_BEFORE events; adding $NEEDED edit events in $ROUNDS rounds, $PARTS workers"
  AS_OF=""
  t0="$(now_ns)"
  for k in $(seq 1 "$ROUNDS"); do
    BG_PIDS=()
    for p in $(seq 0 $((PARTS - 1))); do
      owner_psql "$SCRATCH" -v year="$YEAR" -v k="$k" -v needed="$NEEDED" -v parts="$PARTS" -v part="$p" \
        -f "$OUT/sql/edit_round.sql" >>"$LOGS/trail-edits.log" 2>&1 &
      BG_PIDS+=($!)
    done
    for p in "${BG_PIDS[@]}"; do wait "$p" || fail_log "edit round $k" "$LOGS/trail-edits.log"; done
    BG_PIDS=()
    if [ "$k" = "$MID_ROUND" ]; then
      # figure 3's --as-of: a moment between two rounds, halfway through every chain
      AS_OF="$(owner_psql "$SCRATCH" -At -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")"
    fi
  done
  T_EDITS="$(ms_since "$t0")"
  t0="$(now_ns)"
  owner_psql "$SCRATCH" -v year="$YEAR" -f "$OUT/sql/settle_rows.sql" >"$LOGS/trail-settle.log" 2>&1 || fail_log "settling the rows" "$LOGS/trail-settle.log"
  T_SETTLE="$(ms_since "$t0")"
  t0="$(now_ns)"
  owner_psql "$SCRATCH" -c "VACUUM (ANALYZE) audit_event, audit_chain_head, sheet" >/dev/null
  T_VACUUM="$(ms_since "$t0")"
  N_EVENTS="$(owner_psql "$SCRATCH" -At -c "SELECT count(*) FROM audit_event")"
  N_CHAINS="$(owner_psql "$SCRATCH" -At -c "SELECT count(*) FROM audit_chain_head")"
  TRAIL_SIZE="$(owner_psql "$SCRATCH" -At -c "SELECT pg_size_pretty(pg_total_relation_size('audit_event'))")"
  [ "$N_EVENTS" = "$EVENTS" ] || die "the trail holds $N_EVENTS events, not $EVENTS"
  echo "trail: $N_EVENTS events in $N_CHAINS chains, $N_SHEETS sheets in $YEAR, audit_event $TRAIL_SIZE with its indexes"
  echo "built in $(secs "$T_SETUP") s (migrate, import, user, year open) + $(secs "$T_SHEETS") s ($((N_SHEETS - 74)) sheets)" \
       "+ $(secs "$T_EDITS") s ($NEEDED edit events through the chain trigger: $(per_s "$NEEDED" "$T_EDITS") events/s," \
       "$PARTS workers) + $(secs "$T_SETTLE") s (rows = replay) + $(secs "$T_VACUUM") s (VACUUM ANALYZE)"
fi

if has_fig 2; then
  # -- figure 2: verify vs COPY
  ORDERED_COPY="\\copy (SELECT * FROM audit_event ORDER BY entity_type, entity_id, chain_position) TO '/dev/null'"
  PLAIN_COPY="\\copy audit_event TO '/dev/null'"
  # verify's own stream query, from the file the binary embeds (the SELECT after DECLARE … FOR),
  # on one line for \copy
  STREAM_SQL="$(sed -e 's/--.*$//' "$TOP/persistence/sql/audit_verify/declare_stream.sql" | tr '\n' ' ' \
                | sed -n 's/.*CURSOR[[:space:]]\{1,\}FOR[[:space:]]\{1,\}//p' | sed 's/[[:space:];]*$//')"
  [ -n "$STREAM_SQL" ] || die "cannot find the stream query in persistence/sql/audit_verify/declare_stream.sql"
  STREAM_COPY="\\copy ($STREAM_SQL) TO '/dev/null'"
  app_psql "$SCRATCH" -c "$PLAIN_COPY" >/dev/null  # warm-up, not counted: the trail in the OS cache
  LOAD_2="$(cut -d' ' -f1 /proc/loadavg)"
  V_MS=(); CO_MS=(); CP_MS=(); CS_MS=()
  for run in $(seq 1 "$RUNS"); do
    t0="$(now_ns)"
    cli audit verify --format json >"$LOGS/verify-run$run.json" 2>"$LOGS/verify-run$run.err" || fail_log "audit verify (run $run)" "$LOGS/verify-run$run.err"
    V_MS+=("$(ms_since "$t0")")
    grep -q '"ok":true' "$LOGS/verify-run$run.json" || die "audit verify did not pass: $(cat "$LOGS/verify-run$run.json")"
    grep -q "\"checked\":$N_EVENTS," "$LOGS/verify-run$run.json" || die "audit verify checked other than $N_EVENTS events: $(cat "$LOGS/verify-run$run.json")"
    t0="$(now_ns)"; app_psql "$SCRATCH" -c "$ORDERED_COPY" >/dev/null; CO_MS+=("$(ms_since "$t0")")
    t0="$(now_ns)"; app_psql "$SCRATCH" -c "$PLAIN_COPY" >/dev/null; CP_MS+=("$(ms_since "$t0")")
    t0="$(now_ns)"; app_psql "$SCRATCH" -c "$STREAM_COPY" >/dev/null; CS_MS+=("$(ms_since "$t0")")
    echo "run $run: verify ${V_MS[-1]} ms, ordered COPY ${CO_MS[-1]} ms, plain COPY ${CP_MS[-1]} ms, stream-query COPY ${CS_MS[-1]} ms"
  done
  LOAD_2="$LOAD_2 → $(cut -d' ' -f1 /proc/loadavg)"
  V_MED="$(median "${V_MS[@]}")"; CO_MED="$(median "${CO_MS[@]}")"; CP_MED="$(median "${CP_MS[@]}")"; CS_MED="$(median "${CS_MS[@]}")"
fi

if has_fig 3; then
  # -- figure 3: latency
  SHEET_ID="$(app_psql "$SCRATCH" -At -c "SELECT id FROM sheet WHERE fiscal_year = $YEAR AND sheet_no = $LAT_SHEET")"
  [ -n "$SHEET_ID" ] || die "no sheet $LAT_SHEET in $YEAR"
  CHAIN_LEN="$(app_psql "$SCRATCH" -At -c "SELECT length FROM audit_chain_head WHERE entity_type = 'sheet' AND entity_id = '$SHEET_ID'")"
  ASOF_LEN="$(app_psql "$SCRATCH" -At -c "SELECT count(*) FROM audit_event WHERE entity_type = 'sheet' AND entity_id = '$SHEET_ID' AND occurred_at <= '$AS_OF'")"
  SQLDIR="$TOP/persistence/sql"
  show_cli() { cli sheet show --year "$YEAR" --sheet "$LAT_SHEET" --as-of "$AS_OF"; }
  log_cli() { cli audit log --year "$YEAR" --sheet "$LAT_SHEET"; }
  # The same queries through psql: the sheet (select_sheet.sql) and its events up to the moment
  # (sheet_events_until.sql); the sheet's id (audit_log/find_sheet.sql) and its chain (sheet_events.sql).
  show_floor() { app_psql "$SCRATCH" -v id=0 -v year="$YEAR" -v sheet_no="$LAT_SHEET" -v sheet_id="$SHEET_ID" -v at="'$AS_OF'" \
                   -f "$SQLDIR/sheet_store/select_sheet.sql" -f "$SQLDIR/audit_log/sheet_events_until.sql"; }
  log_floor() { app_psql "$SCRATCH" -v year="$YEAR" -v sheet_no="$LAT_SHEET" -v sheet_id="$SHEET_ID" -v since=NULL -v until=NULL \
                  -f "$SQLDIR/audit_log/find_sheet.sql" -f "$SQLDIR/audit_log/sheet_events.sql"; }
  show_cli >"$LOGS/sheet-show.out" 2>"$LOGS/sheet-show.err" || fail_log "sheet show --as-of" "$LOGS/sheet-show.err"
  log_cli >"$LOGS/audit-log.out" 2>"$LOGS/audit-log.err" || fail_log "audit log --sheet" "$LOGS/audit-log.err"
  show_floor >"$LOGS/sheet-show-floor.out" 2>&1 || fail_log "the sheet show floor" "$LOGS/sheet-show-floor.out"
  log_floor >"$LOGS/audit-log-floor.out" 2>&1 || fail_log "the audit log floor" "$LOGS/audit-log-floor.out"
  [ "$(wc -l <"$LOGS/audit-log.out")" -ge "$CHAIN_LEN" ] || die "audit log printed fewer lines than the chain's $CHAIN_LEN events"
  LAT_NAMES=(show_cli show_floor log_cli log_floor)
  declare -A LAT_RUNS=()
  LOAD_3="$(cut -d' ' -f1 /proc/loadavg)"
  for run in $(seq 1 "$RUNS"); do
    declare -A samples=()
    for i in $(seq 1 "$REPEAT"); do
      for f in "${LAT_NAMES[@]}"; do  # interleaved, so drifting load touches all four alike
        t0="$(now_ns)"; "$f" >/dev/null 2>&1 || die "$f failed"; samples[$f]+="$(ms_since "$t0") "
      done
    done
    for f in "${LAT_NAMES[@]}"; do
      # shellcheck disable=SC2086
      LAT_RUNS[$f]+="$(median ${samples[$f]}) "
    done
    unset samples
  done
  LOAD_3="$LOAD_3 → $(cut -d' ' -f1 /proc/loadavg)"
  lat_med() { local -a v; read -r -a v <<<"${LAT_RUNS[$1]}"; median "${v[@]}"; }
  lat_runs() { local -a v; read -r -a v <<<"${LAT_RUNS[$1]}"; join_by ' ' "${v[@]}"; }
fi

# ================================================================ report
T_TOTAL=$(( $(date +%s) - T_START ))
{
  echo "### Workflow figures ($STARTED)"
  echo
  echo "Machine: $CORES cores ($CPU_MODEL), $MEM RAM; PostgreSQL $PG_VERSION ($PG_SETTINGS)."
  echo "Binaries: $BUILD_TYPE build of $SRC_REV. Runs: $RUNS (the median is shown, every run in brackets)."
  echo "pgbench: $PGBENCH; every pgbench and psql floor connects as the application role, like the service and the CLI."
  echo "Load average (1 min) before: $LOAD_BEFORE; total time ${T_TOTAL} s."
  echo
if has_fig 1; then
  echo "**1. Commands per second** (${SECS} s each; load $LOAD_1). Goal: service ≥ 70% of pgbench at 16 threads."
  echo
  echo "Commands (or transactions) per second, median [runs 1…$RUNS]. The ratio is taken within each run (service and"
  echo "floor measured seconds apart): the median of the runs' ratios [each run's]; the goal is judged on it."
  echo
  echo "| threads | command service | pgbench command.sql (floor) | service / floor | goal |"
  echo "|---:|---:|---:|---:|---|"
  IFS=',' read -r -a tlist <<<"$THREADS"
  for t in "${tlist[@]}"; do
    read -r -a s_runs <<<"$(rates_of service "$t")"; read -r -a f_runs <<<"$(rates_of pgbench:command "$t")"
    s_med="$(median "${s_runs[@]}")"; f_med="$(median "${f_runs[@]}")"
    ratios=(); run_ratios=""
    for i in "${!s_runs[@]}"; do
      ratios+=("$(awk -v a="${s_runs[$i]}" -v b="${f_runs[$i]:-0}" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')")
      run_ratios+="$(pct "${s_runs[$i]}" "${f_runs[$i]:-0}") "
    done
    r_med="$(median "${ratios[@]}")"
    goal=""
    if [ "$t" = 16 ]; then goal="$(awk -v r="$r_med" 'BEGIN { if (r >= 70) print "met"; else print "missed" }')"; fi
    echo "| $t | $s_med [$(join_by ' ' "${s_runs[@]}")] | $f_med [$(join_by ' ' "${f_runs[@]}")] | $(printf '%.1f%%' "$r_med") [${run_ratios% }] | $goal |"
  done
  if [ "$DECOMPOSE" != none ]; then
    echo
    echo "Decomposition (same run, medians; share of command.sql): pgbench running the service's own statements, and those statements sent as SOCI sends them."
    echo
    echo "| threads | pgbench command.sql | pgbench service_sql.sql | pgbench service_protocol.sql | command service |"
    echo "|---:|---:|---:|---:|---:|"
    IFS=',' read -r -a dlist <<<"$DECOMPOSE"
    for t in "${dlist[@]}"; do
      read -r -a f_runs <<<"$(rates_of pgbench:command "$t")"; read -r -a q_runs <<<"$(rates_of pgbench:service_sql "$t")"
      read -r -a p_runs <<<"$(rates_of pgbench:service_protocol "$t")"; read -r -a s_runs <<<"$(rates_of service "$t")"
      f_med="$(median "${f_runs[@]}")"; q_med="$(median "${q_runs[@]}")"; p_med="$(median "${p_runs[@]}")"; s_med="$(median "${s_runs[@]}")"
      echo "| $t | $f_med (100%) | $q_med ($(pct "$q_med" "$f_med")) | $p_med ($(pct "$p_med" "$f_med")) | $s_med ($(pct "$s_med" "$f_med")) |"
    done
  fi
fi
if has_fig 2; then
  echo
  echo "**2. \`audit verify\` over $N_EVENTS events** ($N_CHAINS chains; load $LOAD_2). Goal: ≥ 50% of the COPY rate."
  echo
  echo "Seconds, median [runs 1…$RUNS]; verify's rate as a share of each, taken within each run: the median of the runs' [each run's]."
  echo
  echo "| | seconds | events/s | verify / this |"
  echo "|---|---:|---:|---:|"
  echo "| \`shinchoku audit verify\` | $(secs "$V_MED") [$(for m in "${V_MS[@]}"; do printf '%s ' "$(secs "$m")"; done | sed 's/ $//')] | $(per_s "$N_EVENTS" "$V_MED") | |"
  run_ratio_median() { # copy times… → the median of copy/verify over the runs, in percent
    local i=0 m r=()
    for m in "$@"; do r+=("$(awk -v c="$m" -v v="${V_MS[$i]}" 'BEGIN { printf "%.1f", 100 * c / v }')"); i=$((i + 1)); done
    median "${r[@]}"
  }
  fig2_row() { # label, median, runs…
    local label="$1" med="$2"; shift 2
    local runs="" shares="" i=0 m
    for m in "$@"; do runs+="$(secs "$m") "; shares+="$(pct "$m" "${V_MS[$i]}") "; i=$((i + 1)); done
    echo "| $label | $(secs "$med") [${runs% }] | $(per_s "$N_EVENTS" "$med") | $(printf '%.1f%%' "$(run_ratio_median "$@")") [${shares% }] |"
  }
  fig2_row "\`\\copy\` in chain order (floor)" "$CO_MED" "${CO_MS[@]}"
  fig2_row "\`\\copy audit_event\` (plain)" "$CP_MED" "${CP_MS[@]}"
  fig2_row "\`\\copy\` of verify's stream query" "$CS_MED" "${CS_MS[@]}"
  echo
  echo "Goal: $(awk -v r="$(run_ratio_median "${CO_MS[@]}")" 'BEGIN { if (r >= 50) print "met"; else print "missed" }') against the ordered COPY," \
       "$(awk -v r="$(run_ratio_median "${CP_MS[@]}")" 'BEGIN { if (r >= 50) print "met"; else print "missed" }') against the plain COPY."
  echo "Trail built in $(secs "$((${T_SETUP%.*} + ${T_SHEETS%.*} + ${T_EDITS%.*} + ${T_SETTLE%.*} + ${T_VACUUM%.*}))") s;" \
       "its $NEEDED edit events through the chain trigger at $(per_s "$NEEDED" "$T_EDITS") events/s ($PARTS workers)."
fi
if has_fig 3; then
  echo
  echo "**3. Latency** with $N_EVENTS events in the table (ms, median of $REPEAT invocations per run; load $LOAD_3)." \
       "Sheet $LAT_SHEET of $YEAR: $CHAIN_LEN events, $ASOF_LEN of them by --as-of $AS_OF."
  echo
  echo "| command | ms | psql, same queries (floor) | command / floor |"
  echo "|---|---:|---:|---:|"
  echo "| \`sheet show --year $YEAR --sheet $LAT_SHEET --as-of T\` | $(lat_med show_cli) [$(lat_runs show_cli)] | $(lat_med show_floor) [$(lat_runs show_floor)] | $(awk -v a="$(lat_med show_cli)" -v b="$(lat_med show_floor)" 'BEGIN { printf "%.1f×", a / b }') |"
  echo "| \`audit log --year $YEAR --sheet $LAT_SHEET\` | $(lat_med log_cli) [$(lat_runs log_cli)] | $(lat_med log_floor) [$(lat_runs log_floor)] | $(awk -v a="$(lat_med log_cli)" -v b="$(lat_med log_floor)" 'BEGIN { printf "%.1f×", a / b }') |"
fi
} >"$OUT/last-results.md"
echo
cat "$OUT/last-results.md"
say "written to ${OUT#"$TOP"/}/last-results.md; logs in ${LOGS#"$TOP"/}/"
