#!/usr/bin/env bash
# Intake benchmark: N certificate files of mixed shapes ingested into a store
# of N desks by a release build, next to `openssl x509 -noout -enddate` run
# once per file. Writes the figures to docs/PERFORMANCE.md (section "Intake").
#
# Usage: bench/intake.sh [N]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
NOW=2027-03-01T09:00:00Z
cargo build --release --quiet --bin vigie --example make_bench_data
VIGIE=target/release/vigie
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export VIGIE_DATA_DIR="$WORK/data"
unset VIGIE_CONFIG

secs() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

t0=$(secs); target/release/examples/make_bench_data "$WORK" "$N" 2>/dev/null; t1=$(secs)
gen=$(elapsed "$t0" "$t1")
t0=$(secs); $VIGIE -q desk import "$WORK/desks.csv" >/dev/null; t1=$(secs)
import=$(elapsed "$t0" "$t1")
t0=$(secs); $VIGIE -q --now "$NOW" cert ingest "$WORK/certs" >/dev/null; t1=$(secs)
ingest=$(elapsed "$t0" "$t1")
accepted=$($VIGIE status --json | grep -c '"state": "ok"' || true)
t0=$(secs); $VIGIE -q --now "$NOW" cert ingest "$WORK/certs" >/dev/null; t1=$(secs)
again=$(elapsed "$t0" "$t1")
t0=$(secs); $VIGIE -q --now "$NOW" cert inspect --json "$WORK"/certs/* >/dev/null; t1=$(secs)
inspect=$(elapsed "$t0" "$t1")

ossl_fail=0
t0=$(secs)
for f in "$WORK"/certs/*; do
  case "$f" in *[0-9].cer) form=DER ;; *) form=PEM ;; esac
  openssl x509 -noout -enddate -inform "$form" -in "$f" >/dev/null 2>&1 || ossl_fail=$((ossl_fail + 1))
done
t1=$(secs)
ossl=$(elapsed "$t0" "$t1")

rate() { echo "scale=0; $N / $1" | bc; }
section=$(cat <<MD
## Intake

Measured by \`bench/intake.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), release build.
$N certificate files (P-256 and RSA-2048, rotating through DER, PEM LF, PEM CRLF, PEM with
"Bag Attributes", PEM with chain, Base64 without armour, PKCS#7 DER and PEM)
into a store of $N desks (CSV import), each file attributed by the desk id in
its subject.

| step | seconds | files/s |
| --- | ---: | ---: |
| generate the data (certgen) | $gen | |
| \`vigie desk import\` of $N desks | $import | |
| \`vigie cert ingest\` (first time: $accepted desks now ok) | $ingest | $(rate "$ingest") |
| \`vigie cert ingest\` again (all unchanged) | $again | $(rate "$again") |
| \`vigie cert inspect --json\` of every file | $inspect | $(rate "$inspect") |
| \`openssl x509 -noout -enddate\` once per file ($ossl_fail of $N unreadable by it: PKCS#7 and Base64) | $ossl | $(rate "$ossl") |
MD
)
doc=docs/PERFORMANCE.md
[ -f "$doc" ] || printf '# Performance\n' > "$doc"
python3 - "$doc" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"^## Intake\n.*?(?=^## |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section + "\n", text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"
