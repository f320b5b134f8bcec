#!/usr/bin/env bash
# Two builds of vigie side by side on the same data, command by command, so
# that a refactoring can be checked against the noise of a shared machine:
# hyperfine runs A and B alternately in one invocation, so both see the same
# load. Prints a table of medians and B/A ratios (markdown).
#
# Usage: bench/ab.sh VIGIE_A VIGIE_B MAKE_BENCH_DATA [N] [BIG]
#   (N desks for ingest and the per-command latencies, default 10,000;
#    BIG desks for status and planning, default 100,000)
# Needs hyperfine (Debian package) and, for SMTP, Python's aiosmtpd.
set -euo pipefail
A=$1 B=$2 GEN=$3 N=${4:-10000} BIG=${5:-100000}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
WORK=$(mktemp -d)
SMTP_PID=
cleanup() { [ -z "$SMTP_PID" ] || kill "$SMTP_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
unset VIGIE_CONFIG VIGIE_DATA_DIR
NOW=2027-03-01T09:00:00Z
MID=2027-12-01T09:00:00Z
LATER=2030-03-05T09:00:00Z
"$GEN" "$WORK/small" "$N" 2>/dev/null
"$GEN" "$WORK/big" "$BIG" 2>/dev/null
for v in a b; do
  bin=$A; [ $v = b ] && bin=$B
  "$bin" -q --data-dir "$WORK/base-$v" desk import "$WORK/small/desks.csv" >/dev/null
  "$bin" -q --data-dir "$WORK/small-$v" desk import "$WORK/small/desks.csv" >/dev/null
  "$bin" -q --data-dir "$WORK/small-$v" --now "$NOW" cert ingest "$WORK/small/certs" >/dev/null
  "$bin" -q --data-dir "$WORK/big-$v" desk import "$WORK/big/desks.csv" >/dev/null
  "$bin" -q --data-dir "$WORK/big-$v" --now "$NOW" cert ingest "$WORK/big/certs" >/dev/null
done
DESK=$(head -2 "$WORK/small/desks.csv" | tail -1 | cut -d';' -f1)
echo "| command | A median s | B median s | B/A |"
echo "| --- | ---: | ---: | ---: |"
# ab NAME RUNS PREPARE_A PREPARE_B CMD_A CMD_B
ab() {
  local name=$1 runs=$2 pa=$3 pb=$4 ca=$5 cb=$6
  local args=(--style none --runs "$runs" -i --export-json "$WORK/h.json")
  [ "$runs" -gt 2 ] && args+=(--warmup 1)
  if [ -n "$pa" ]; then
    hyperfine "${args[@]}" --prepare "$pa" "$ca" --prepare "$pb" "$cb" >/dev/null 2>&1
  else
    hyperfine "${args[@]}" "$ca" "$cb" >/dev/null 2>&1
  fi
  python3 - "$WORK/h.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"], r[1]["median"]
print(f"| {sys.argv[2]} | {a:.4f} | {b:.4f} | {b / a:.2f} |")
PY
}
ab "cert inspect --json, $N files" 5 "" "" \
  "cd $WORK/small/certs && $A cert inspect --json * >/dev/null" \
  "cd $WORK/small/certs && $B cert inspect --json * >/dev/null"
ab "cert ingest, $N files" 3 \
  "rm -rf $WORK/i-a && cp -a $WORK/base-a $WORK/i-a" "rm -rf $WORK/i-b && cp -a $WORK/base-b $WORK/i-b" \
  "$A -q --data-dir $WORK/i-a --now $NOW cert ingest $WORK/small/certs >/dev/null" \
  "$B -q --data-dir $WORK/i-b --now $NOW cert ingest $WORK/small/certs >/dev/null"
ab "status --json, $BIG desks" 5 "" "" \
  "$A --data-dir $WORK/big-a --now $MID status --json >/dev/null" \
  "$B --data-dir $WORK/big-b --now $MID status --json >/dev/null"
ab "alerts run --dry-run, $BIG desks" 5 "" "" \
  "$A --data-dir $WORK/big-a --now $MID alerts run --dry-run >/dev/null" \
  "$B --data-dir $WORK/big-b --now $MID alerts run --dry-run >/dev/null"
for c in "status" "status --json" "desk list" "desk show $DESK" "cert history $DESK" \
         "push status" "log" "check" "alerts list"; do
  ab "$c, $N desks" 10 "" "" \
    "$A --data-dir $WORK/small-a --now $NOW $c >/dev/null" \
    "$B --data-dir $WORK/small-b --now $NOW $c >/dev/null"
done
if python3 -c 'import aiosmtpd' 2>/dev/null; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink >/dev/null 2>&1 &
  SMTP_PID=$!
  printf '[smtp]\nhost = "127.0.0.1"\nport = %s\ntls = "none"\nfrom = "vigie@example.org"\n' "$PORT" > "$WORK/smtp.toml"
  "$GEN" "$WORK/smtp" 1000 2>/dev/null
  for v in a b; do
    bin=$A; [ $v = b ] && bin=$B
    "$bin" -q --data-dir "$WORK/smtp-$v" desk import "$WORK/smtp/desks.csv" >/dev/null
    "$bin" -q --data-dir "$WORK/smtp-$v" --now "$NOW" cert ingest "$WORK/smtp/certs" >/dev/null
  done
  sleep 1
  ab "alerts run over SMTP (aiosmtpd), 1000 desks" 2 \
    "rm -rf $WORK/s-a && cp -a $WORK/smtp-a $WORK/s-a" "rm -rf $WORK/s-b && cp -a $WORK/smtp-b $WORK/s-b" \
    "VIGIE_NOW_SENDS=1 $A -q --config $WORK/smtp.toml --data-dir $WORK/s-a --now $LATER alerts run >/dev/null" \
    "VIGIE_NOW_SENDS=1 $B -q --config $WORK/smtp.toml --data-dir $WORK/s-b --now $LATER alerts run >/dev/null"
  sent=$("$B" --data-dir "$WORK/s-b" alerts list --json | grep -c '"state": "sent"' || true)
  echo
  echo "B sent $sent messages over SMTP in its last run."
fi
