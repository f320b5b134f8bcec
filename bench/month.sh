#!/usr/bin/env bash
# A month and a half of a team's daily runs, the way cron drives vigie
# (issue 14: "a new team's first day, a month of daily runs"), checked from
# outside with Python's `email` on what was written to the outbox.
#
#   day 0   vigie init, desk import of N desks, cert ingest --initial
#   daily   alerts run, push run (09:00 local); digest on Mondays
#   RENEW   ten desks renew: five by `cert ingest`, five by e-mail
#           (`mail ingest` of a message from the desk's address)
#
# What must hold at the end, whatever the code does inside:
#   - every command exited 0;
#   - at most one message per (desk, certificate, threshold), and every
#     reminder written to the outbox is recorded as sent, and the reverse;
#   - a desk's reminders go down the thresholds, the first one being the most
#     urgent one crossed (catch-up), then one per threshold crossed;
#   - no reminder about a certificate after its desk renewed;
#   - every accepted certificate pushed (`push status`: done);
#   - one digest per Monday.
#
# Usage: bench/month.sh                  (N=300 desks, DAYS=41 runs)
#        N=1000 DAYS=90 bench/month.sh
#        KEEP=1 bench/month.sh           (keeps the work folder and says where)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-300}
DAYS=${DAYS:-41}
# The bench certificates are issued on 2027-03-01 and end 300 to 1000 days
# later; the window opens when the first ones are 36 days from their end.
FIRST_DAY=${FIRST_DAY:-2027-11-20}
RENEW_DAY=${RENEW_DAY:-2027-12-10}

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
WORK=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
  trap 'echo "work folder kept: $WORK" >&2' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi

say "building vigie and the generator (release)"
cargo build --release --quiet --bin vigie --example make_bench_data
VIGIE=$PWD/target/release/vigie
GEN=$PWD/target/release/examples/make_bench_data
"$GEN" "$WORK/first" "$N" 2027-03-01T09:00:00Z 2>/dev/null
"$GEN" "$WORK/renewed" 10 "${RENEW_DAY}T09:00:00Z" 2>/dev/null

export VIGIE_DATA_DIR=$WORK/data
# The runs below use --now for their date; they are the real runs of this
# simulated team, not what-if questions (DESIGN §13).
export VIGIE_NOW_SENDS=1
# The team knows its desks' CA, whose key changed between the first
# certificates and the renewals (docs/operations.md, "Going live").
mkdir -p "$WORK/anchors"
cp "$WORK/first/anchors/intermediate.pem" "$WORK/anchors/first.pem"
cp "$WORK/renewed/anchors/intermediate.pem" "$WORK/anchors/renewed.pem"
printf '[intake]\nknown_issuers_dir = "%s"\n' "$WORK/anchors" >"$WORK/vigie.toml"
export VIGIE_CONFIG=$WORK/vigie.toml
log=$WORK/runs.tsv
: >"$log"
run() { # run DATE ARGS...: one vigie command at 09:00 local on DATE
  local day=$1
  shift
  local code=0
  "$VIGIE" --now "${day}T09:00:00+01:00" "$@" >>"$WORK/stdout" 2>>"$WORK/stderr" || code=$?
  printf '%s\t%s\t%s\n' "$day" "$*" "$code" >>"$log"
}

day0=$(date -d "$FIRST_DAY - 1 day" +%F)
say "day 0 ($day0): $N desks, their certificates loaded with --initial"
run "$day0" init
run "$day0" desk import "$WORK/first/desks.csv"
run "$day0" cert ingest --initial "$WORK/first/certs"

# Five renewals by e-mail: a message from the desk's address with the new
# certificate attached, as a desk's mail client sends it.
mkdir -p "$WORK/mail"
python3 - "$WORK/renewed" "$WORK/mail" <<'PY'
import csv, email.message, email.utils, os, sys
src, out = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(os.path.join(src, "desks.csv"), encoding="utf-8"), delimiter=";"))[1:]
certs = sorted(os.listdir(os.path.join(src, "certs")))
for i in range(5, 10):
    desk, name, addr, _ = rows[i]
    m = email.message.EmailMessage()
    m["From"] = f"{name} <{addr}>"
    m["To"] = "gestionnaire@example.org"
    m["Subject"] = f"Renouvellement du certificat du guichet {desk}"
    m["Message-ID"] = email.utils.make_msgid(domain="example.org")
    m["Date"] = email.utils.formatdate()
    m.set_content("Bonjour,\nvoici notre nouveau certificat.\nCordialement")
    data = open(os.path.join(src, "certs", certs[i]), "rb").read()
    m.add_attachment(data, maintype="application", subtype="pkix-cert", filename=certs[i])
    open(os.path.join(out, f"{i}.eml"), "wb").write(bytes(m))
PY

say "$DAYS daily runs from $FIRST_DAY"
for ((d = 0; d < DAYS; d++)); do
  day=$(date -d "$FIRST_DAY + $d day" +%F)
  if [ "$day" = "$RENEW_DAY" ]; then
    for f in $(ls "$WORK/renewed/certs" | sort | head -5); do
      run "$day" cert ingest "$WORK/renewed/certs/$f"
    done
    run "$day" mail ingest "$WORK/mail"
  fi
  run "$day" alerts run
  run "$day" push run
  if [ "$(date -d "$day" +%u)" = 1 ]; then
    run "$day" alerts digest
  fi
done
last=$(date -d "$FIRST_DAY + $((DAYS - 1)) day" +%F)
"$VIGIE" --now "${last}T12:00:00+01:00" alerts list --json >"$WORK/alerts.json"
"$VIGIE" --now "${last}T12:00:00+01:00" push status --json >"$WORK/push.json"
"$VIGIE" --now "${last}T12:00:00+01:00" status --json >"$WORK/status.json"

say "checking"
python3 - "$WORK" "$RENEW_DAY" "$FIRST_DAY" "$DAYS" <<'PY'
import collections, csv, datetime, email, email.policy, json, os, sys
work, renew_day, first_day, days = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
problems = []

runs = [l.rstrip("\n").split("\t") for l in open(os.path.join(work, "runs.tsv"))]
failed = [r for r in runs if r[2] != "0"]
for r in failed:
    problems.append(f"{r[0]} `vigie {r[1]}` exited {r[2]}")

alerts = json.load(open(os.path.join(work, "alerts.json")))
reminders = [a for a in alerts if a["kind"] in ("threshold", "expired")]
not_sent = [a for a in reminders if a["state"] != "sent"]
for a in not_sent:
    problems.append(f"reminder not sent: {a}")
key = collections.Counter(
    (a["desk"], a["sha256"], a["kind"], a["threshold_days"], a["sent_at"][:10] if a["kind"] == "expired" else "")
    for a in reminders)
for k, n in key.items():
    if n > 1:
        problems.append(f"{n} reminders for {k}")

# What the outbox holds, read by an independent parser.
outbox = os.path.join(work, "data", "outbox")
written = collections.Counter()
digests = 0
replies = {}
confirmed = collections.Counter()
for name in os.listdir(outbox):
    if not name.endswith(".eml"):
        continue
    m = email.message_from_binary_file(open(os.path.join(outbox, name), "rb"), policy=email.policy.default)
    subject = str(m["Subject"])
    if m["In-Reply-To"]:
        replies[str(m["In-Reply-To"]).strip()] = str(m["Auto-Submitted"])
    elif "fin de vie" in subject.lower():
        written[m["Message-ID"]] += 1
    elif "nouveau certificat" in subject.lower():
        confirmed[str(m["To"])] += 1
    elif "synth" in subject.lower() or "digest" in subject.lower():
        digests += 1
recorded = {a["message_id"] for a in reminders}
if set(written) != recorded:
    problems.append(f"outbox reminders {len(written)} != recorded {len(recorded)} "
                    f"(only in outbox: {len(set(written) - recorded)}, only recorded: {len(recorded - set(written))})")

# Down the thresholds, the first being the most urgent crossed.
by_cert = collections.defaultdict(list)
for a in sorted(reminders, key=lambda a: a["sent_at"]):
    by_cert[(a["desk"], a["sha256"])].append(a)
for (desk, sha), sent in by_cert.items():
    ts = [a["threshold_days"] for a in sent if a["kind"] == "threshold"]
    if ts != sorted(ts, reverse=True) or len(set(ts)) != len(ts):
        problems.append(f"{desk}: thresholds out of order {ts}")

# Renewed desks: nothing about the old certificate after the renewal day.
status = json.load(open(os.path.join(work, "status.json")))
rows = list(csv.reader(open(os.path.join(work, "renewed", "desks.csv"), encoding="utf-8"), delimiter=";"))[1:]
renewed = {r[0] for r in rows}
current = {s["desk"]: s["sha256"] for s in status}
for desk in renewed:
    after = [a for a in reminders if a["desk"] == desk and a["sent_at"][:10] > renew_day and a["sha256"] != current[desk]]
    if after:
        problems.append(f"{desk} renewed on {renew_day} but was reminded of its old certificate: {after}")
    if next(s for s in status if s["desk"] == desk)["state"] != "ok":
        problems.append(f"{desk} renewed but its state is not ok")

# The renewals sent by e-mail are answered in their thread, as automatic
# replies; every renewal is confirmed to its desk once pushed.
sent_by_mail = set()
for name in os.listdir(os.path.join(work, "mail")):
    m = email.message_from_binary_file(open(os.path.join(work, "mail", name), "rb"), policy=email.policy.default)
    sent_by_mail.add(str(m["Message-ID"]).strip())
if set(replies) != sent_by_mail or any(v != "auto-replied" for v in replies.values()):
    problems.append(f"replies {replies} for the messages {sent_by_mail}")
if sum(confirmed.values()) != len(renewed) or any(n != 1 for n in confirmed.values()):
    problems.append(f"confirmations {dict(confirmed)} for {len(renewed)} renewals")

push = json.load(open(os.path.join(work, "push.json")))
pending = [p for p in push if p["state"] != "done"]
for p in pending:
    problems.append(f"push not done: {p}")
mondays = sum(1 for d in range(days)
              if (datetime.date.fromisoformat(first_day) + datetime.timedelta(days=d)).isoweekday() == 1)
if digests != mondays:
    problems.append(f"{digests} digests for {mondays} Mondays")

states = collections.Counter(s["state"] for s in status)
print(f"{len(runs)} runs; {len(reminders)} reminders to {len(by_cert)} certificates "
      f"({collections.Counter(a['threshold_days'] for a in reminders if a['kind'] == 'threshold')} by threshold, "
      f"{sum(1 for a in reminders if a['kind'] == 'expired')} after expiry); "
      f"{digests} digests; {len(replies)} replies; {sum(confirmed.values())} confirmations; "
      f"{len(push)} pushes; states at the end {dict(states)}")
for p in problems[:40]:
    print("PROBLEM:", p)
sys.exit(1 if problems else 0)
PY
say "a month of runs: no problem found"
