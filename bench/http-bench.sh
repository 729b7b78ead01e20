#!/usr/bin/env bash
# bench/http-bench.sh [RUNS] — the HTTP issue's figures (bench/http.md says what and why):
#
#   1. GET /api/v1/sheets/{id} with wrk at 1, 16 and 64 connections: requests/s, p50, p99,
#      beside pgbench running the query that reads a sheet (bench/pgbench/get_sheet.sql) with
#      as many clients, in the same run.
#   2. POST /api/v1/sheets/{id}/transitions the same way (bench/wrk/transitions.lua: one sheet
#      per connection, submit and return in turn, every request a real transition), beside
#      pgbench running the same transaction (bench/pgbench/transition.sql).
#      Goal: at 16 connections at least 60% of pgbench's rate.
#   3. 256 idle keep-alive connections held open: the server's resident memory (VmRSS) before
#      and while they are held. Goal: under 64 MiB.
#
# Everything on a scratch database of the project's PostgreSQL (scripts/pg): migrate, import of
# the real FY2019 table, FY2020 opened (74 drafts, made complete so they can be submitted), a
# coordinator. The server is the Release build (build-bench/, built unless BENCH_NO_BUILD=1)
# with database.pool_size = BENCH_POOL (16) and server.worker_threads = BENCH_WORKERS (32).
# Each figure is the median of RUNS (default 3). wrk is installed from Debian when missing.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (1,16,64), BENCH_POOL (16),
# BENCH_WORKERS (32), BENCH_ROUTES (get_sheet,transitions), BENCH_BUILD_DIR (build-bench),
# BENCH_NO_BUILD, SHINCHOKU_PG_PORT.
set -euo pipefail

PROG="bench/http-bench.sh"
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

RUNS="${1:-3}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $PROG [RUNS]" >&2; exit 2; }
TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OUT="$TOP/bench/out/http"
LOGS="$OUT/logs"
BUILD="${BENCH_BUILD_DIR:-$TOP/build-bench}"
SECS="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-1,16,64}"
POOL="${BENCH_POOL:-16}"
WORKERS="${BENCH_WORKERS:-32}"
mkdir -p "$LOGS"

command -v wrk >/dev/null 2>&1 || { say "installing wrk (Debian)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
PSQL=/usr/lib/postgresql/15/bin/psql
PGBENCH=/usr/lib/postgresql/15/bin/pgbench
[ -x "$PGBENCH" ] || die "pgbench not found (postgresql-15)"

# ---------------------------------------------------------------- build
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$TOP" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHINCHOKU_TESTS=OFF -DSHINCHOKU_WERROR=OFF >"$LOGS/cmake.log"
  fi
  ninja -C "$BUILD" shinchoku >"$LOGS/build.log" || die "build failed (see $LOGS/build.log)"
fi
BIN="$OUT/shinchoku"
cp "$BUILD/app/shinchoku" "$BIN"
SRC_REV="$(git -C "$TOP" rev-parse --short HEAD)"

# ---------------------------------------------------------------- database
"$TOP/scripts/pg" start >&2
eval "$("$TOP/scripts/pg" env)"
url_re='^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^/?]+)$'
[[ "$SHINCHOKU_DATABASE_OWNER_URL" =~ $url_re ]] || die "unexpected owner URL shape"
OWNER_USER="${BASH_REMATCH[2]}"; OWNER_PW="${BASH_REMATCH[3]}"; PG_HOST="${BASH_REMATCH[4]}"; PG_PORT="${BASH_REMATCH[5]}"
[[ "$SHINCHOKU_DATABASE_URL" =~ $url_re ]] || die "unexpected app URL shape"
APP_USER="${BASH_REMATCH[2]}"; APP_PW="${BASH_REMATCH[3]}"
SCRATCH="shinchoku_http_bench_$$"
owner_psql() { local db="$1"; shift
  PGPASSWORD="$OWNER_PW" "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$OWNER_USER" -d "$db" "$@"; }

SERVER_PID=""
cleanup() {
  [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  for _ in 1 2 3 4 5; do owner_psql postgres -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>&1 && break; sleep 1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

owner_psql postgres -c "CREATE DATABASE $SCRATCH TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
export SHINCHOKU_DATABASE_URL="${SHINCHOKU_DATABASE_URL%/*}/$SCRATCH"
export SHINCHOKU_DATABASE_OWNER_URL="${SHINCHOKU_DATABASE_OWNER_URL%/*}/$SCRATCH"
CONFIG="$OUT/bench.toml"
sed -e "s/^pool_size = .*/pool_size = $POOL/" -e "s/^worker_threads = .*/worker_threads = $WORKERS/" \
    -e 's/^level = .*/level = "warn"/' -e "s|= \"honjo/|= \"$TOP/config/honjo/|" \
    -e "s|= \"workflows/|= \"$TOP/config/workflows/|" -e "s|= \"holidays/|= \"$TOP/config/holidays/|" \
    "$TOP/config/shinchoku.toml" > "$CONFIG"
export SHINCHOKU_CONFIG="$CONFIG"
say "setting up $SCRATCH"
{
  "$BIN" migrate
  "$BIN" import "$TOP/data/honjo/honjo-welfare-plan-fy2019-progress.tsv" --year 2019
  printf 'bench-coord-password\n' | "$BIN" user add bench-coord --role coordinator --password-stdin
  "$BIN" year open 2020 --actor bench-coord
} >"$LOGS/setup.log" 2>&1 || die "setup failed (see $LOGS/setup.log)"
app_sql() { PGPASSWORD="$APP_PW" "$PSQL" -X -qAt -h "$PG_HOST" -p "$PG_PORT" -U "$APP_USER" -d "$SCRATCH" -c "$1"; }
FIRST_2019="$(app_sql "SELECT min(id) FROM sheet WHERE fiscal_year = 2019")"
FIRST_2020="$(app_sql "SELECT min(id) FROM sheet WHERE fiscal_year = 2020")"
COUNT_2019="$(app_sql "SELECT count(*) FROM sheet WHERE fiscal_year = 2019")"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --listen "127.0.0.1:$PORT" >"$LOGS/serve.out" 2>"$LOGS/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
TOKEN="$(curl -sf -H 'Content-Type: application/json' -d '{"login":"bench-coord","password":"bench-coord-password"}' \
         "$BASE/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
# Complete the FY2020 drafts so that submit is allowed.
for id in $(app_sql "SELECT id FROM sheet WHERE fiscal_year = 2020 ORDER BY id"); do
  curl -sf -X PATCH -H "Authorization: Bearer $TOKEN" -H 'If-Match: "1"' -H 'Content-Type: application/json' \
       -d '{"grade":"A","actions":"地域の見守り活動を進めた。","results":"参加者が増えた。","next_steps":"継続する。"}' \
       "$BASE/api/v1/sheets/$id" >/dev/null || die "could not complete sheet $id"
done
export TOKEN

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# wrk's latency as milliseconds
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 } print v }'; }

run_wrk() {  # script conns log -> "rps p50 p99"
  local script="$1" c="$2" log="$3" threads
  threads=$([ "$script" = transitions ] && echo "$c" || echo $(( c < 2 ? c : 2 )))
  FIRST_ID=$([ "$script" = transitions ] && echo "$FIRST_2020" || echo "$FIRST_2019") COUNT="$COUNT_2019" \
    wrk -t "$threads" -c "$c" -d "${SECS}s" --latency -s "$TOP/bench/wrk/$script.lua" "$BASE" >"$log" 2>&1
  local rps p50 p99
  rps="$(awk '/^Requests\/sec:/ { print $2 }' "$log")"
  p50="$(awk '$1 == "50%" { print $2 }' "$log" | to_ms)"
  p99="$(awk '$1 == "99%" { print $2 }' "$log" | to_ms)"
  echo "$rps $p50 $p99"
}
run_pgbench() {  # file conns log -> tps
  local file="$1" c="$2" log="$3"
  PGPASSWORD="$APP_PW" "$PGBENCH" -n -M prepared -c "$c" -j $(( c < 2 ? c : 2 )) -T "$SECS" -D first_id="$4" -D count="$COUNT_2019" \
    -h "$PG_HOST" -p "$PG_PORT" -U "$APP_USER" -f "$TOP/bench/pgbench/$file.sql" "$SCRATCH" >"$log" 2>&1
  awk '/^tps = / { print $3 }' "$log" | head -1
}

RESULTS="$OUT/last-results.md"
{
  echo "HTTP figures, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $SRC_REV, Release, $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pool_size $POOL, worker_threads $WORKERS, $SECS s per measurement, median of $RUNS"
  echo
  echo "| route | connections | req/s | p50 ms | p99 ms | pgbench tps (same SQL) | ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} >"$RESULTS"

IFS=, read -r -a conn_list <<<"$CONNS"
IFS=, read -r -a route_list <<<"${BENCH_ROUTES:-get_sheet,transitions}"
for route in "${route_list[@]}"; do
  floor=$([ "$route" = transitions ] && echo transition || echo get_sheet)
  first=$([ "$route" = transitions ] && echo "$FIRST_2020" || echo "$FIRST_2019")
  for c in "${conn_list[@]}"; do
    rps_all=(); p50_all=(); p99_all=(); tps_all=(); ratio_all=()
    for r in $(seq 1 "$RUNS"); do
      read -r rps p50 p99 < <(run_wrk "$route" "$c" "$LOGS/wrk-$route-$c-$r.log")
      tps="$(run_pgbench "$floor" "$c" "$LOGS/pgbench-$floor-$c-$r.log" "$first")"
      ratio="$(awk -v a="$rps" -v b="$tps" 'BEGIN { printf "%.2f", a / b }')"
      say "$route c=$c run $r: $rps req/s (p50 $p50 ms, p99 $p99 ms), pgbench $tps tps, ratio $ratio"
      rps_all+=("$rps"); p50_all+=("$p50"); p99_all+=("$p99"); tps_all+=("$tps"); ratio_all+=("$ratio")
    done
    m() { printf '%s\n' "$@" | median; }
    printf '| %s | %s | %.0f | %.2f | %.2f | %.0f | %.0f%% |\n' "$route" "$c" "$(m "${rps_all[@]}")" "$(m "${p50_all[@]}")" \
      "$(m "${p99_all[@]}")" "$(m "${tps_all[@]}")" "$(awk -v x="$(m "${ratio_all[@]}")" 'BEGIN { print x * 100 }')" >>"$RESULTS"
  done
done

# ---------------------------------------------------------------- idle connections
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
before="$(rss_kib)"
python3 - "$PORT" >"$LOGS/idle.log" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(256):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
    data = b""
    while not data.endswith(b"}"):
        data += s.recv(4096)
    socks.append(s)
print(len(socks), "held", flush=True)
time.sleep(6)
PY
HOLD=$!
for _ in $(seq 1 100); do grep -q held "$LOGS/idle.log" 2>/dev/null && break; sleep 0.2; done
grep -q "256 held" "$LOGS/idle.log" || die "could not hold 256 connections (see $LOGS/idle.log)"
during="$(rss_kib)"
wait $HOLD || true
{
  echo
  echo "| idle keep-alive connections | server VmRSS before | while held | goal |"
  echo "|---:|---:|---:|---|"
  printf '| 256 | %.1f MiB | %.1f MiB | < 64 MiB |\n' "$(awk -v k="$before" 'BEGIN { print k / 1024 }')" "$(awk -v k="$during" 'BEGIN { print k / 1024 }')"
} >>"$RESULTS"
cat "$RESULTS"
