#!/usr/bin/env bash
# The report and the dashboard at N desks (issue 15), on the repository's
# generated data (examples/make_bench_data.rs):
#   1. `vigie report --format html` against `vigie status --json` on the
#      same store, in one hyperfine run (target: within 3x);
#   2. `vigie serve`'s dashboard `/` under 64 concurrent clients (ab,
#      keep-alive off as the listener closes each connection): p99 (target
#      <= 50 ms) and the service's peak RSS (target < 128 MiB).
# Prints a markdown table for docs/PERFORMANCE.md.
#
# Usage: bench/dashboard.sh [N]     (default 10000)
# Needs hyperfine and ab (Debian: hyperfine, apache2-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
REQUESTS=${REQUESTS:-5000}
for tool in hyperfine ab; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install hyperfine apache2-utils)" >&2; exit 2; }
done
cargo build -q --release --bin vigie --example make_bench_data
VIGIE=$PWD/target/release/vigie
GEN=$PWD/target/release/examples/make_bench_data
WORK=$(mktemp -d)
SERVE_PID=
cleanup() { [ -z "$SERVE_PID" ] || kill "$SERVE_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
unset VIGIE_CONFIG VIGIE_DATA_DIR
# The certificates are generated as if 290 days ago, so that today (the
# service reads the real clock) they end between 10 and 710 days from now:
# about a tenth of the desks are within the alert thresholds, as in a real
# team's estate, and the dashboard lists them.
GEN_NOW=$(date -u -d '290 days ago' +%Y-%m-%dT%H:%M:%SZ)
"$GEN" "$WORK/gen" "$N" "$GEN_NOW" 2>/dev/null
D="$WORK/data"
"$VIGIE" -q --data-dir "$D" desk import "$WORK/gen/desks.csv" >/dev/null
"$VIGIE" -q --data-dir "$D" cert ingest "$WORK/gen/certs" >/dev/null
# Today's alerts go out (with no SMTP configured, to the data directory's
# outbox folder): the report's "last alert" column and the alert log are
# filled as a team's are.
"$VIGIE" -q --data-dir "$D" alerts run >/dev/null || true
ALERTS=$("$VIGIE" -q --data-dir "$D" alerts list --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
echo "store: $N desks, $ALERTS alert records"

hyperfine --style none --warmup 1 --runs 10 --export-json "$WORK/h.json" \
  "$VIGIE -q --data-dir $D status --json > /dev/null" \
  "$VIGIE -q --data-dir $D report --format html > /dev/null" >/dev/null
python3 - "$WORK/h.json" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
s, h = r[0]["median"], r[1]["median"]
print(f"| {int(sys.argv[2]):,} desks | status --json {s*1000:.0f} ms | report --format html {h*1000:.0f} ms | ratio {h/s:.2f} (target <= 3) |")
PY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/vigie.toml" <<TOML
[service]
listen = "127.0.0.1:$PORT"
alerts = "0 0 9 1 1 *"
push = "0 0 9 1 1 *"
digest = "0 0 9 1 1 *"
backup = "0 0 9 1 1 *"
TOML
"$VIGIE" --config "$WORK/vigie.toml" --data-dir "$D" serve 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 200); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  sleep 0.1
done
# The first request builds the report; the run measures what follows
# (rebuilds every 5 s happen in the background during it).
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=60).read()"
SIZE=$(python3 -c "import urllib.request; print(len(urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=60).read()))")
# Peak RSS so far: start-up (with its catch-up jobs) and the first build.
RSS0=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status")
ab -q -r -n "$REQUESTS" -c 64 "http://127.0.0.1:$PORT/" > "$WORK/ab.txt"
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status")
P50=$(awk '/^ *50%/ {print $2}' "$WORK/ab.txt")
P99=$(awk '/^ *99%/ {print $2}' "$WORK/ab.txt")
FAILED=$(awk '/^Failed requests/ {print $3}' "$WORK/ab.txt")
RPS=$(awk '/^Requests per second/ {print $4}' "$WORK/ab.txt")
echo "| dashboard / ($SIZE bytes), $REQUESTS requests, 64 concurrent | p50 ${P50} ms | p99 ${P99} ms (target <= 50) | ${RPS} req/s, ${FAILED} failed | peak RSS $((RSS / 1024)) MiB (target < 128; $((RSS0 / 1024)) MiB before the load) |"
grep -E "catch|running|job" "$WORK/serve.log" | head -5 >&2 || true
