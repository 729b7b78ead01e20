#!/usr/bin/env bash
# bench/import-bench.sh [RUNS] — time `shinchoku import` against a `psql \copy` floor.
#
# Cases: the real FY2019 table (config/shinchoku.toml, data/honjo/…-fy2019-progress.tsv) and
# a synthetic table of 10,000 sheets (bench/make_synthetic_table.py, generated into
# bench/out/synthetic-10000 when missing or older than the generator or config/ files it copies).
#
# Each run of each case, in a scratch database of its own:
#   1. CREATE DATABASE as the owner role, `shinchoku migrate` (schema + the case's master data);
#   2. time `shinchoku import FILE --year 2019` (wall clock, process start to exit);
#   3. the floor: a bare table (sheet_no, measure, grade, departments, actions, results,
#      next_steps) created by the owner, time `psql -c "\copy bare FROM 'rows.tsv'"` of the same
#      rows (FY2019: rows.tsv cut from `shinchoku export --year 2019 --format tsv` after run 1's
#      import);
#   4. DROP DATABASE.
# Prints every run, the medians, the ratio import/floor, the machine, and a markdown table for
# bench/README.md (also written to bench/out/last-results.md). Logs: bench/out/logs/.
#
# It starts nothing but the project's PostgreSQL (scripts/pg start) and builds nothing: run
# scripts/build first. Environment: SHINCHOKU_BIN (default build/app/shinchoku),
# BENCH_SYNTHETIC_SHEETS (default 10000), SHINCHOKU_PG_PORT (as scripts/pg).
set -euo pipefail

PROG="bench/import-bench.sh"
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

RUNS="${1:-5}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $PROG [RUNS]   (RUNS >= 1, default 5)" >&2; exit 2; }
[ $# -le 1 ] || { echo "usage: $PROG [RUNS]" >&2; exit 2; }

TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BENCH="$TOP/bench"
OUT="$BENCH/out"
LOGS="$OUT/logs"
BIN="${SHINCHOKU_BIN:-$TOP/build/app/shinchoku}"
N_SYNTH="${BENCH_SYNTHETIC_SHEETS:-10000}"
[[ "$N_SYNTH" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SYNTHETIC_SHEETS='$N_SYNTH' is not a positive number"
YEAR=2019

[ -x "$BIN" ] || die "no binary at $BIN: build it first with scripts/build"
if [ -x /usr/lib/postgresql/15/bin/psql ]; then PSQL=/usr/lib/postgresql/15/bin/psql
elif command -v psql >/dev/null 2>&1; then PSQL="$(command -v psql)"
else die "psql not found; run scripts/install-deps"; fi
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found (the synthetic table's generator needs it)"

mkdir -p "$OUT" "$LOGS"
# Every run uses one snapshot of the binary, so a rebuild during the benchmark does not mix versions.
BIN_TIME="$(date -r "$BIN" '+%Y-%m-%d %H:%M:%S %Z')"
SRC_BIN="$BIN"
cp "$BIN" "$OUT/shinchoku.bench.tmp" && mv -f "$OUT/shinchoku.bench.tmp" "$OUT/shinchoku.bench"
BIN="$OUT/shinchoku.bench"
BIN_SHA="$(sha256sum "$BIN" | cut -c1-12)"

# ---------------------------------------------------------------- database
"$TOP/scripts/pg" start >&2
eval "$("$TOP/scripts/pg" env)"
OWNER_URL="$SHINCHOKU_DATABASE_OWNER_URL"
APP_URL="$SHINCHOKU_DATABASE_URL"
# postgresql://user:password@host:port/db — the owner's parts, for psql without a password in argv
url_re='^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^/?]+)$'
[[ "$OWNER_URL" =~ $url_re ]] || die "unexpected owner URL shape (want postgresql://user:password@host:port/db)"
OWNER_USER="${BASH_REMATCH[2]}"; OWNER_PW="${BASH_REMATCH[3]}"
PG_HOST="${BASH_REMATCH[4]}"; PG_PORT="${BASH_REMATCH[5]}"
[[ "$APP_URL" =~ $url_re ]] || die "unexpected app URL shape"

db_url() { printf '%s/%s' "${1%/*}" "$2"; }  # URL with its path (database) replaced

owner_psql() { # DB, psql args…
  local db="$1"; shift
  PGPASSWORD="$OWNER_PW" PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$OWNER_USER" -d "$db" "$@"
}

SCRATCH=""
drop_scratch() {
  # Plain DROP: it stops an autovacuum worker in the database itself; WITH (FORCE) would fail
  # on that worker for a role without pg_signal_backend.
  local _
  if [ -n "$SCRATCH" ]; then
    for _ in 1 2 3 4 5; do
      if owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>>"$LOGS/drop.log"; then SCRATCH=""; return 0; fi
      sleep 1
    done
    say "warning: could not drop the scratch database $SCRATCH (see $LOGS/drop.log); drop it by hand"
    SCRATCH=""
  fi
}
trap drop_scratch EXIT
trap 'drop_scratch; exit 130' INT TERM

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.1f", v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
fail_log() { say "$1 failed; last lines of $2:"; tail -n 20 "$2" >&2; exit 1; }

# ---------------------------------------------------------------- cases
SYNTH_DIR="$OUT/synthetic-$N_SYNTH"
GEN="$BENCH/make_synthetic_table.py"
# (Re)generate when missing or older than the generator or the real files it copies.
stale=0
for f in table.tsv rows.tsv structure.toml shinchoku.toml; do [ -f "$SYNTH_DIR/$f" ] || stale=1; done
for f in "$GEN" "$TOP/config/shinchoku.toml" "$TOP/config/honjo/plan.toml" "$TOP/config/honjo/departments.toml"; do
  if [ "$stale" = 0 ] && [ "$f" -nt "$SYNTH_DIR/shinchoku.toml" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  say "generating the synthetic table ($N_SYNTH sheets) into $SYNTH_DIR"
  /usr/bin/python3 "$GEN" "$N_SYNTH" "$SYNTH_DIR" >&2
fi

FY2019_DIR="$OUT/fy2019"
mkdir -p "$FY2019_DIR"
CASE_NAMES=("fy2019" "synthetic-$N_SYNTH")
CASE_LABELS=("FY2019 (real table)" "synthetic, $N_SYNTH sheets")
CASE_CONFIGS=("$TOP/config/shinchoku.toml" "$SYNTH_DIR/shinchoku.toml")
CASE_FILES=("$TOP/data/honjo/honjo-welfare-plan-fy2019-progress.tsv" "$SYNTH_DIR/table.tsv")
CASE_ROWS=("$FY2019_DIR/rows.tsv" "$SYNTH_DIR/rows.tsv")
CASE_EXPORT_ROWS=(1 0)  # make rows.tsv from the export after the first import

# ---------------------------------------------------------------- machine
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
CORES="$(nproc)"
MEM="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
PG_VERSION="$(owner_psql postgres -At -c 'SHOW server_version')"
APP_VERSION="$("$BIN" version 2>/dev/null || echo '?')"
# What the binary was built from: its build folder's CMakeCache.txt names the build type and
# the source folder; the source's revision from git (or a .git-revision file beside an export).
BUILD_TYPE="?"; SRC_REV="?"
cache="$(dirname "$SRC_BIN")/../CMakeCache.txt"
if [ -f "$cache" ]; then
  BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache")"
  src="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")"
  if [ -n "$src" ] && git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 && [ "$(git -C "$src" rev-parse --show-toplevel)" = "$src" ]; then
    SRC_REV="$(git -C "$src" rev-parse --short HEAD)"
    if [ -n "$(git -C "$src" status --porcelain 2>/dev/null | grep -v '^?? bench/' || true)" ]; then SRC_REV="$SRC_REV + uncommitted changes"; fi
  elif [ -n "$src" ] && [ -f "$src/.git-revision" ]; then
    SRC_REV="$(cut -c1-7 "$src/.git-revision")"
  fi
fi
case "$BUILD_TYPE" in
  Release|RelWithDebInfo) ;;
  *) say "warning: $SRC_BIN is a '${BUILD_TYPE:-default}' build, not optimised: scripts/build makes RelWithDebInfo" ;;
esac
STARTED="$(date '+%Y-%m-%d %H:%M %Z')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${LOAD_BEFORE%% *}" -v c="$CORES" 'BEGIN { exit !(l > c / 2) }'; then
  say "warning: load average $LOAD_BEFORE on $CORES cores: something else is running, the figures will be noisy"
fi

echo "machine: $CORES cores ($CPU_MODEL), $MEM RAM, $(uname -sr)"
echo "PostgreSQL $PG_VERSION (scripts/pg, 127.0.0.1:$PG_PORT); $APP_VERSION"
echo "binary: $SRC_BIN ($BUILD_TYPE build of $SRC_REV, built $BIN_TIME, sha256 $BIN_SHA…)"
echo "date: $STARTED; runs: $RUNS; load average before: $LOAD_BEFORE"
echo

declare -a SUMMARY=()
declare -a PER_RUN=()
for c in "${!CASE_NAMES[@]}"; do
  name="${CASE_NAMES[$c]}"; config="${CASE_CONFIGS[$c]}"; file="${CASE_FILES[$c]}"; rows="${CASE_ROWS[$c]}"
  [ -f "$file" ] || die "missing $file"
  [ -f "$config" ] || die "missing $config"
  echo "== ${CASE_LABELS[$c]}: $file"
  imports=(); copies=(); ratios=(); sheets=""
  for run in $(seq 1 "$RUNS"); do
    SCRATCH="bench_${name//-/_}_$$_$run"
    owner_url="$(db_url "$OWNER_URL" "$SCRATCH")"
    app_url="$(db_url "$APP_URL" "$SCRATCH")"
    log="$LOGS/$name-run$run"
    owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" -c "CREATE DATABASE $SCRATCH TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
    owner_psql "$SCRATCH" -c "ALTER SCHEMA public OWNER TO CURRENT_USER" >/dev/null
    t0="$(now_ns)"
    SHINCHOKU_CONFIG="$config" SHINCHOKU_DATABASE_URL="$app_url" SHINCHOKU_DATABASE_OWNER_URL="$owner_url" \
      "$BIN" migrate >"$log.migrate.log" 2>&1 || fail_log "shinchoku migrate" "$log.migrate.log"
    t_migrate="$(ms_since "$t0")"

    t0="$(now_ns)"
    SHINCHOKU_CONFIG="$config" SHINCHOKU_DATABASE_URL="$app_url" SHINCHOKU_DATABASE_OWNER_URL="$owner_url" \
      "$BIN" import "$file" --year "$YEAR" >"$log.import.log" 2>&1 || fail_log "shinchoku import" "$log.import.log"
    t_import="$(ms_since "$t0")"
    got="$(sed -n 's/^sheets: \([0-9]*\) .*/\1/p' "$log.import.log")"
    if ! grep -q '^imported: ' "$log.import.log" || [ -z "$got" ]; then
      fail_log "shinchoku import (no 'imported:' or 'sheets:' line)" "$log.import.log"
    fi
    [ -z "$sheets" ] || [ "$got" = "$sheets" ] || die "run $run imported $got sheets, run 1 imported $sheets"
    sheets="$got"

    if [ "${CASE_EXPORT_ROWS[$c]}" = 1 ] && [ "$run" = 1 ]; then
      # Published columns → bare rows: sheet (13), measure cell (4), grade (12), departments (14), texts (15–17).
      SHINCHOKU_CONFIG="$config" SHINCHOKU_DATABASE_URL="$app_url" \
        "$BIN" export --year "$YEAR" --format tsv -o "$rows.export" 2>"$log.export.log" || fail_log "shinchoku export" "$log.export.log"
      tail -n +2 "$rows.export" | awk -F'\t' -v OFS='\t' '{ print $13, $4, $12, $14, $15, $16, $17 }' >"$rows"
      rm -f "$rows.export"
    fi
    [ "$(wc -l <"$rows")" -eq "$sheets" ] || die "$rows has $(wc -l <"$rows") rows, the import $sheets sheets"

    owner_psql "$SCRATCH" -c "CREATE TABLE bare (sheet_no int, measure text, grade text, departments text, actions text, results text, next_steps text)" >/dev/null
    t0="$(now_ns)"
    owner_psql "$SCRATCH" -c "\\copy bare FROM '$rows'" >"$log.copy.log" 2>&1 || fail_log "psql \\copy" "$log.copy.log"
    t_copy="$(ms_since "$t0")"
    n_copy="$(owner_psql "$SCRATCH" -At -c "SELECT count(*) FROM bare")"
    [ "$n_copy" = "$sheets" ] || die "\\copy loaded $n_copy rows, the import $sheets sheets"

    drop_scratch
    imports+=("$t_import"); copies+=("$t_copy"); ratios+=("$(ratio "$t_import" "$t_copy")")
    printf '  run %d: import %9.1f ms   \\copy %7.1f ms   ratio %5.1f   (migrate before it: %.0f ms, not compared)\n' \
      "$run" "$t_import" "$t_copy" "$(ratio "$t_import" "$t_copy")" "$t_migrate"
    PER_RUN+=("| ${CASE_LABELS[$c]} | $run | $t_import | $t_copy | $(ratio "$t_import" "$t_copy") |")
  done
  m_import="$(median "${imports[@]}")"; m_copy="$(median "${copies[@]}")"; r="$(ratio "$m_import" "$m_copy")"
  m_ratio="$(median "${ratios[@]}")"  # runs are paired (same database, same moment): steadier under load
  verdict="$(awk -v r="$r" 'BEGIN { print (r <= 3.0) ? "yes" : "no" }')"
  printf '  median: import %.1f ms, \\copy %.1f ms, import/floor %s× (goal ≤ 3×: %s; median of the per-run ratios %s×); %s sheets\n\n' \
    "$m_import" "$m_copy" "$r" "$verdict" "$m_ratio" "$sheets"
  SUMMARY+=("| ${CASE_LABELS[$c]} | $sheets | $m_import | $m_copy | $r× | $m_ratio× | $verdict |")
done

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "Measured $STARTED with \`bench/import-bench.sh $RUNS\`: $CORES cores ($CPU_MODEL), $MEM RAM,"
  echo "PostgreSQL $PG_VERSION; $APP_VERSION, $BUILD_TYPE build of commit $SRC_REV (sha256 $BIN_SHA…)."
  echo "Load average before/after: $LOAD_BEFORE / $LOAD_AFTER."
  echo
  echo "| case | sheets | import, median of $RUNS (ms) | \`\\copy\` floor, median of $RUNS (ms) | import/floor (medians) | median of per-run ratios | within 3× |"
  echo "|---|---:|---:|---:|---:|---:|:---:|"
  printf '%s\n' "${SUMMARY[@]}"
  echo
  echo "| case | run | import (ms) | \`\\copy\` (ms) | ratio |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${PER_RUN[@]}"
} | tee "$OUT/last-results.md"
