#!/usr/bin/env bash
# vigie next to the tools managers use today, on the same files, in one run
# (issue 8). Installs what it needs when it can (hyperfine, ssl-cert-check,
# GNU time, Python cryptography and aiosmtpd) and otherwise says what is
# missing and skips that column. Generates the data with the repository's
# generator (examples/make_bench_data.rs, built on certgen), builds release,
# measures, prints medians and ratios, and writes them to docs/PERFORMANCE.md
# (section "Comparison") with the machine and date.
#
# Usage: bench/compare.sh            (N=10000 files/desks, BIG=100000)
#        N=2000 BIG=20000 bench/compare.sh   (a quicker run; figures differ)
#
# The openssl and ssl-cert-check loops start processes per file: they run on
# a sample (OSSL_SAMPLE, SCC_SAMPLE files) and their time is scaled to N,
# which the table says.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-10000}
BIG=${BIG:-100000}
OSSL_SAMPLE=${OSSL_SAMPLE:-300}
SCC_SAMPLE=${SCC_SAMPLE:-50}
SMTP_N=${SMTP_N:-1000}
NOW=2027-03-01T09:00:00Z
# 1,100 days on, every bench certificate has expired: one alert per desk.
LATER=2030-03-05T09:00:00Z
START=$(date +%s)

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
missing=()

# --- What the comparison needs -------------------------------------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=
apt_get() {
  command -v apt-get >/dev/null || return 1
  [ -n "$apt_updated" ] || { as_root apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
command -v hyperfine >/dev/null || apt_get hyperfine || true
command -v ssl-cert-check >/dev/null || apt_get ssl-cert-check || true
[ -x /usr/bin/time ] || apt_get time || true
command -v openssl >/dev/null || apt_get openssl || true
py_has() { python3 -c "import $1" 2>/dev/null; }
if command -v python3 >/dev/null; then
  py_has cryptography || python3 -m pip install -q cryptography >/dev/null 2>&1 || apt_get python3-cryptography || true
  py_has aiosmtpd || python3 -m pip install -q aiosmtpd >/dev/null 2>&1 || apt_get python3-aiosmtpd || true
fi
have() { command -v "$1" >/dev/null; }
have hyperfine || missing+=("hyperfine (medians taken by this script's own loop)")
have openssl || missing+=("openssl (column skipped)")
have ssl-cert-check || missing+=("ssl-cert-check (column skipped)")
[ -x /usr/bin/time ] || missing+=("GNU time (peak RSS skipped)")
{ have python3 && py_has cryptography; } || missing+=("Python cryptography (column skipped)")
{ have python3 && py_has aiosmtpd; } || missing+=("Python aiosmtpd (SMTP delivery skipped)")
for m in "${missing[@]}"; do say "missing: $m"; done

say "building release"
t0=$(date +%s.%N)
# NO_BUILD=1: use the release binaries already built (another cargo is busy).
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin vigie --example make_bench_data
BUILD_SECS=$(printf '%.1f s' "$(echo "$(date +%s.%N) - $t0" | bc)")
[ -z "${NO_BUILD:-}" ] || BUILD_SECS="skipped (NO_BUILD=1)"
VIGIE=$ROOT/target/release/vigie
WORK=$(mktemp -d)
SMTP_PID=
cleanup() { [ -z "$SMTP_PID" ] || kill "$SMTP_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
unset VIGIE_CONFIG VIGIE_DATA_DIR

# --- Measuring ------------------------------------------------------------
declare -A MED
# measure NAME RUNS PREPARE COMMAND: median wall time of COMMAND (a shell
# string), PREPARE run before each run and not timed ("" for none).
measure() {
  local name=$1 runs=$2 prepare=$3 cmd=$4
  if have hyperfine; then
    # -i: `check` exits 1 or 2 by design; the other commands are checked below.
    local args=(--style none --runs "$runs" --export-json "$WORK/h.json" -i)
    [ "$runs" -gt 2 ] && args+=(--warmup 1)
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" "$cmd" >/dev/null 2>&1
    MED[$name]=$(python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json")
  else
    local times=()
    for _ in $(seq "$runs"); do
      [ -z "$prepare" ] || bash -c "$prepare"
      local a; a=$(date +%s.%N)
      bash -c "$cmd" >/dev/null 2>&1 || true
      times+=("$(echo "$(date +%s.%N) - $a" | bc)")
    done
    MED[$name]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.4f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  fi
  say "$name: ${MED[$name]} s (median of $runs)"
}
# rss_mib COMMAND: peak resident set of COMMAND, MiB.
rss_mib() {
  [ -x /usr/bin/time ] || { echo "n/a"; return; }
  /usr/bin/time -v bash -c "exec $1" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.1f", $2/1024}'
}
ratio() { echo "scale=1; $1 / $2" | bc; }
per_sec() { echo "scale=0; $1 / $2" | bc; }

# --- Data -----------------------------------------------------------------
say "generating $N and $BIG desks and certificates (certgen)"
t0=$(date +%s.%N)
target/release/examples/make_bench_data "$WORK/small" "$N" 2>/dev/null
target/release/examples/make_bench_data "$WORK/big" "$BIG" 2>/dev/null
target/release/examples/make_bench_data "$WORK/smtp" "$SMTP_N" 2>/dev/null
GEN_SECS=$(echo "$(date +%s.%N) - $t0" | bc)
CERTS=$WORK/small/certs
ls "$CERTS" > "$WORK/list"
head -n "$OSSL_SAMPLE" "$WORK/list" > "$WORK/ossl-list"
head -n "$SCC_SAMPLE" "$WORK/list" | sed 's/$/ FILE/' > "$WORK/scc-list"
# A store of N desks, kept as the starting point of every ingest run.
$VIGIE -q --data-dir "$WORK/base" desk import "$WORK/small/desks.csv" >/dev/null

# --- 1. inspect -----------------------------------------------------------
say "1. inspect over $N files"
measure inspect 5 "" "cd $CERTS && $VIGIE cert inspect --json * >/dev/null"
OSSL_FAIL=n/a
if have openssl; then
  cat > "$WORK/ossl.sh" <<'SH'
cd "$1"; fail=0
while read -r f; do
  case "$f" in *[0-9].cer) form=DER ;; *) form=PEM ;; esac
  openssl x509 -noout -subject -enddate -fingerprint -sha256 -inform "$form" -in "$f" >/dev/null 2>&1 || fail=$((fail + 1))
done < "$2"
echo "$fail" > "$3"
SH
  measure openssl_sample 1 "" "bash $WORK/ossl.sh $CERTS $WORK/ossl-list $WORK/ossl-fail"
  OSSL_FAIL=$(cat "$WORK/ossl-fail")
  MED[openssl]=$(echo "scale=4; ${MED[openssl_sample]} * $N / $OSSL_SAMPLE" | bc)
fi
if have ssl-cert-check; then
  measure scc_sample 1 "" "cd $CERTS && ssl-cert-check -f $WORK/scc-list > $WORK/scc-out"
  MED[scc]=$(echo "scale=4; ${MED[scc_sample]} * $N / $SCC_SAMPLE" | bc)
fi
if have python3 && py_has cryptography; then
  measure python 3 "" "cd $CERTS && python3 $ROOT/bench/inspect_cryptography.py @$WORK/list >/dev/null"
fi
RSS_INSPECT=$(cd "$CERTS" && rss_mib "$VIGIE cert inspect --json *")
# 100,000 paths overflow the default argument space (stack/4): widen it.
RSS_INSPECT_BIG=$(ulimit -s unlimited 2>/dev/null || ulimit -s 262144; cd "$WORK/big/certs" && rss_mib "$VIGIE cert inspect --json *")
t0=$(date +%s.%N)
(ulimit -s unlimited 2>/dev/null || ulimit -s 262144; cd "$WORK/big/certs" && $VIGIE cert inspect --json * >/dev/null)
INSPECT_BIG_SECS=$(echo "$(date +%s.%N) - $t0" | bc)

# --- 2. ingest ------------------------------------------------------------
say "2. ingest of $N files into a store of $N desks"
measure ingest 3 "rm -rf $WORK/d10k && cp -a $WORK/base $WORK/d10k" \
  "$VIGIE -q --data-dir $WORK/d10k --now $NOW cert ingest $CERTS >/dev/null"
OK10K=$($VIGIE --data-dir "$WORK/d10k" --now "$NOW" status --json | grep -c '"state": "ok"' || true)

# --- 3. planning and status at BIG desks ----------------------------------
say "3. a store of $BIG desks, each with a certificate (desk import + cert ingest)"
t0=$(date +%s.%N)
$VIGIE -q --data-dir "$WORK/dbig" desk import "$WORK/big/desks.csv" >/dev/null
$VIGIE -q --data-dir "$WORK/dbig" --now "$NOW" cert ingest "$WORK/big/certs" >/dev/null
BIG_SETUP_SECS=$(echo "$(date +%s.%N) - $t0" | bc)
# Half-way through the certificates' lives, so that some thresholds are due.
MID=2027-12-01T09:00:00Z
measure status_big 3 "" "$VIGIE --data-dir $WORK/dbig --now $MID status --json >/dev/null"
RSS_STATUS_BIG=$(rss_mib "$VIGIE --data-dir $WORK/dbig --now $MID status --json")
HAVE_ALERTS=
if $VIGIE alerts run --help >/dev/null 2>&1; then
  HAVE_ALERTS=1
  measure alerts_big 3 "" "$VIGIE --data-dir $WORK/dbig --now $MID alerts run --dry-run >/dev/null"
  RSS_ALERTS_BIG=$(rss_mib "$VIGIE --data-dir $WORK/dbig --now $MID alerts run --dry-run")
else
  missing+=("vigie alerts run (not in this build: planning and SMTP skipped)")
fi

# --- 4. SMTP delivery -----------------------------------------------------
SMTP_SENT=n/a
if [ -n "$HAVE_ALERTS" ] && have python3 && py_has aiosmtpd; then
  say "4. delivery of $SMTP_N alerts to a loopback SMTP server (aiosmtpd sink)"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink >/dev/null 2>&1 &
  SMTP_PID=$!
  cat > "$WORK/smtp.toml" <<TOML
[manager]
name = "Gestion territoriale"
email = "gestion@example.org"
team = ["equipe@example.org"]

[smtp]
host = "127.0.0.1"
port = $PORT
tls = "none"
from = "vigie@example.org"
TOML
  $VIGIE -q --data-dir "$WORK/smtp-base" desk import "$WORK/smtp/desks.csv" >/dev/null
  $VIGIE -q --data-dir "$WORK/smtp-base" --now "$NOW" cert ingest "$WORK/smtp/certs" >/dev/null
  sleep 1
  # One run: at the figures seen so far a run takes close to a minute.
  measure smtp 1 "rm -rf $WORK/dsmtp && cp -a $WORK/smtp-base $WORK/dsmtp" \
    "$VIGIE -q --config $WORK/smtp.toml --data-dir $WORK/dsmtp --now $LATER alerts run >/dev/null"
  SMTP_SENT=$($VIGIE --data-dir "$WORK/dsmtp" alerts list --json | grep -c '"state": "sent"' || true)
fi

# --- 5. every command on a store of N desks -------------------------------
say "5. command latency on a store of $N desks"
D=$WORK/d10k
DESK=$(head -2 "$WORK/small/desks.csv" | tail -1 | cut -d';' -f1)
CMDS=(
  "status|status"
  "status_json|status --json"
  "desk_list|desk list"
  "desk_show|desk show $DESK"
  "cert_history|cert history $DESK"
  "push_status|push status"
  "log|log"
  "check|check"
)
[ -n "$HAVE_ALERTS" ] && CMDS+=("alerts_list|alerts list")
for c in "${CMDS[@]}"; do
  measure "cli_${c%%|*}" 10 "" "$VIGIE --data-dir $D --now $NOW ${c#*|} >/dev/null"
done

# --- Report ---------------------------------------------------------------
TOTAL=$(( $(date +%s) - START ))
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
load=$(cut -d' ' -f1-3 /proc/loadavg)
row() { printf '| %s | %s | %s | %s |\n' "$@"; }
orna() { [ -n "${MED[$1]:-}" ] && echo "${MED[$1]}" || echo "skipped"; }
rat() { [ -n "${MED[$1]:-}" ] && echo "$(ratio "${MED[$1]}" "${MED[$2]}")×" || echo ""; }
ms() { echo "scale=0; ${MED[$1]} * 1000 / 1" | bc; }
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo "met"; else echo "**not met**"; fi; }
{
echo "## Comparison"
echo
echo "Measured by \`bench/compare.sh\` on $(date -u +%Y-%m-%d) (N=$N, BIG=$BIG): $(nproc) cores, $cpu, $mem,"
echo "Linux $(uname -r), load average at the end $load (the machine was shared with"
echo "other builds). Release build $BUILD_SECS, data generation $(printf '%.1f' "$GEN_SECS") s,"
echo "whole script $TOTAL s. Medians by $(have hyperfine && hyperfine --version || echo "the script's own loop")."
echo "Data: examples/make_bench_data.rs (certgen): one file per desk, P-256 and RSA-2048"
echo "leaves rotating through DER, PEM LF, PEM CRLF, PEM with \"Bag Attributes\", PEM with"
echo "its chain, Base64 without armour, PKCS#7 DER and PKCS#7 PEM."
if [ ${#missing[@]} -gt 0 ]; then
  echo
  echo "Missing on this machine, skipped: $(IFS=';'; echo "${missing[*]}")."
fi
echo
echo "### 1. Reading $N certificate files (subject, end date, SHA-256 fingerprint)"
echo
echo "| tool | seconds (median) | files/s | vigie is faster by |"
echo "| --- | ---: | ---: | ---: |"
row "\`vigie cert inspect --json\` (one process, every field)" "${MED[inspect]}" "$(per_sec "$N" "${MED[inspect]}")" ""
[ -n "${MED[openssl]:-}" ] && row "\`openssl x509 -noout -subject -enddate -fingerprint -sha256\` once per file (timed on $OSSL_SAMPLE files: ${MED[openssl_sample]} s, scaled; $OSSL_FAIL of $OSSL_SAMPLE unreadable by it: PKCS#7, Base64)" "${MED[openssl]}" "$(per_sec "$N" "${MED[openssl]}")" "$(rat openssl inspect)"
[ -n "${MED[scc]:-}" ] && row "\`ssl-cert-check -f LIST\` (timed on $SCC_SAMPLE files: ${MED[scc_sample]} s, scaled; it reads PEM and PKCS#12 only)" "${MED[scc]}" "$(per_sec "$N" "${MED[scc]}")" "$(rat scc inspect)"
[ -n "${MED[python]:-}" ] && row "Python \`cryptography\` loop (bench/inspect_cryptography.py, one process)" "${MED[python]}" "$(per_sec "$N" "${MED[python]}")" "$(rat python inspect)"
echo
echo "Peak RSS of \`vigie cert inspect --json\`: $RSS_INSPECT MiB at $N files, $RSS_INSPECT_BIG MiB at $BIG files ($INSPECT_BIG_SECS s)."
echo
echo "### 2. Ingest"
echo
echo "\`vigie cert ingest\` of $N files into a store of $N desks (each run from a copy of the"
echo "store after \`desk import\`; durable at exit): ${MED[ingest]} s, **$(per_sec "$N" "${MED[ingest]}") certificates/s**; $OK10K desks ok after."
echo
echo "### 3. Planning and status with $BIG desks"
echo
echo "Store built by the real binary: \`desk import\` of $BIG desks then \`cert ingest\` of $BIG files, $BIG_SETUP_SECS s."
echo
echo "| command (process start to exit) | seconds (median) | peak RSS MiB |"
echo "| --- | ---: | ---: |"
echo "| \`vigie status --json\` | ${MED[status_big]} | $RSS_STATUS_BIG |"
[ -n "$HAVE_ALERTS" ] && echo "| \`vigie alerts run --dry-run\` | ${MED[alerts_big]} | $RSS_ALERTS_BIG |"
echo
echo "### 4. SMTP"
echo
if [ -n "${MED[smtp]:-}" ]; then
  echo "\`vigie alerts run\` delivering $SMTP_N alerts (one per desk, all expired) to an aiosmtpd sink on"
  echo "loopback: ${MED[smtp]} s, **$(per_sec "$SMTP_N" "${MED[smtp]}") messages/s** ($SMTP_SENT recorded as sent)."
else
  echo "Skipped (see missing above)."
fi
echo
echo "### 5. Every command on a store of $N desks (target < 100 ms)"
echo
echo "| command | ms (median of 10) |"
echo "| --- | ---: |"
for c in "${CMDS[@]}"; do echo "| \`vigie ${c#*|}\` | $(ms "cli_${c%%|*}") |"; done
echo
echo "### Targets"
echo
echo "| target | figure | |"
echo "| --- | --- | --- |"
[ -n "${MED[openssl]:-}" ] && echo "| inspect ≥ 100× the openssl loop | $(rat openssl inspect) | $(verdict "${MED[openssl]} >= 100 * ${MED[inspect]}") |"
[ -n "${MED[python]:-}" ] && echo "| inspect ≥ 2× Python cryptography | $(rat python inspect) | $(verdict "${MED[python]} >= 2 * ${MED[inspect]}") |"
echo "| inspect peak RSS < 64 MiB at $N and $BIG files | $RSS_INSPECT / $RSS_INSPECT_BIG MiB | $(verdict "$RSS_INSPECT < 64 && $RSS_INSPECT_BIG < 64") |"
echo "| ingest ≥ 10,000 certificates/s | $(per_sec "$N" "${MED[ingest]}")/s | $(verdict "$N >= 10000 * ${MED[ingest]}") |"
echo "| status < 1 s, < 256 MiB at $BIG desks | ${MED[status_big]} s, $RSS_STATUS_BIG MiB | $(verdict "${MED[status_big]} < 1 && $RSS_STATUS_BIG < 256") |"
[ -n "$HAVE_ALERTS" ] && echo "| planning < 1 s, < 256 MiB at $BIG desks | ${MED[alerts_big]} s, $RSS_ALERTS_BIG MiB | $(verdict "${MED[alerts_big]} < 1 && $RSS_ALERTS_BIG < 256") |"
[ -n "${MED[smtp]:-}" ] && echo "| SMTP ≥ 300 messages/s | $(per_sec "$SMTP_N" "${MED[smtp]}")/s | $(verdict "$SMTP_N >= 300 * ${MED[smtp]}") |"
slowest=0; for c in "${CMDS[@]}"; do v=$(ms "cli_${c%%|*}"); [ "$v" -gt "$slowest" ] && slowest=$v; done
echo "| every command < 100 ms at $N desks | slowest $slowest ms | $(verdict "$slowest < 100") |"
} > "$WORK/section.md"

doc=docs/PERFORMANCE.md
[ -f "$doc" ] || printf '# Performance\n' > "$doc"
python3 - "$doc" "$WORK/section.md" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Comparison\n.*?(?=^## |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section + "\n", text)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$WORK/section.md"
