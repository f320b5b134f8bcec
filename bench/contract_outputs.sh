#!/usr/bin/env bash
# The machine-readable outputs of DESIGN §8 on the benchmark data, written to a
# folder so that two builds can be compared byte for byte (issue 17: a
# refactoring must not change them).
#
# Usage: bench/contract_outputs.sh VIGIE MAKE_BENCH_DATA OUT_DIR [N]
#   VIGIE            the vigie binary to run
#   MAKE_BENCH_DATA  the examples/make_bench_data binary; its keys are random,
#                    so both runs must read the same data: generate it once
#                    and pass DATA=OUT_A/data to the second run
#   N                desks and certificates (default 2,000)
#
# Then: diff -r OUT_A OUT_B
set -euo pipefail
VIGIE=$1 GEN=$2 OUT=$3 N=${4:-2000}
mkdir -p "$OUT"
: > "$OUT/exits"
# A fixed store path: the national directory's path appears in the outputs.
WORK=/tmp/vigie-contract-outputs
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
unset VIGIE_CONFIG VIGIE_DATA_DIR
DATA=${DATA:-$OUT/data}
[ -d "$DATA/certs" ] || "$GEN" "$DATA" "$N" 2>/dev/null
NOW=2027-03-01T09:00:00Z
MID=2027-12-01T09:00:00Z
LATER=2030-03-05T09:00:00Z
D=$WORK/d
v() { "$VIGIE" -q --data-dir "$D" "$@"; }
v --now "$NOW" desk import "$DATA/desks.csv" >/dev/null
v --now "$NOW" cert ingest --json "$DATA/certs" > "$OUT/ingest.json" || echo "ingest exit $?" >> "$OUT/exits"
VIGIE_NOW_SENDS=1 v --now "$NOW" push run > "$OUT/push-run.txt" || echo "push exit $?" >> "$OUT/exits"
VIGIE_NOW_SENDS=1 v --now "$MID" alerts run > "$OUT/alerts-mid.txt" || echo "alerts mid exit $?" >> "$OUT/exits"
VIGIE_NOW_SENDS=1 v --now "$LATER" alerts run > "$OUT/alerts-later.txt" || echo "alerts later exit $?" >> "$OUT/exits"
for at in "$NOW" "$MID" "$LATER"; do
  v --now "$at" status --json > "$OUT/status-$at.json"
  v --now "$at" status > "$OUT/status-$at.txt"
done
v alerts list --json > "$OUT/alerts-list.json"
v push status --json > "$OUT/push-status.json"
v log --json > "$OUT/log.json"
v log > "$OUT/log.txt"
v desk list --json > "$OUT/desk-list.json"
first=$(head -2 "$DATA/desks.csv" | tail -1 | cut -d';' -f1 | cut -d',' -f1)
v cert history "$first" --json > "$OUT/history.json"
v --now "$MID" check > "$OUT/check.txt" || echo "check exit $?" >> "$OUT/exits"
echo "done: $(ls "$OUT" | wc -l) files in $OUT"
