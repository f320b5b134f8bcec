#!/usr/bin/env bash
# Mail intake against file intake, on the same certificates (issue 13):
#   - `mail ingest` of a Maildir of N messages, each a desk's e-mail with its
#     certificate attached (built by Python's `email`, not by vigie's MIME
#     library), against `cert ingest` of the same N files, in the same run;
#     targets: >= 1,000 messages/s and within 2x `cert ingest`;
#   - the peak memory of `mail ingest` of one 25 MiB message (a certificate
#     beside a 24 MiB attachment); target: below 100 MiB RSS.
# Prints the figures; docs/PERFORMANCE.md ("Mail intake") keeps them.
#
# Usage: bench/mail.sh          (N=2000)
#        N=500 RUNS=3 bench/mail.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
RUNS=${RUNS:-5}
NOW=2027-03-01T09:00:00Z
command -v hyperfine >/dev/null || { echo "bench/mail.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/mail.sh needs GNU time (apt-get install time)" >&2; exit 1; }

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say "building vigie and the generator (release)"
cargo build --release --quiet --bin vigie --example make_bench_data
VIGIE=$PWD/target/release/vigie
"$PWD/target/release/examples/make_bench_data" "$WORK/gen" "$N" "$NOW" 2>/dev/null

say "$N messages, one certificate each, as desks' mail clients send them"
python3 - "$WORK/gen" "$WORK/maildir" <<'PY'
import csv, email.message, email.utils, os, sys
src, out = sys.argv[1], sys.argv[2]
for sub in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
rows = list(csv.reader(open(os.path.join(src, "desks.csv"), encoding="utf-8"), delimiter=";"))[1:]
names = sorted(os.listdir(os.path.join(src, "certs")))
for i, (desk, name, addr, _) in enumerate(rows):
    m = email.message.EmailMessage()
    m["From"] = f"{name} <{addr}>"
    m["To"] = "gestionnaire@example.org"
    m["Subject"] = f"Certificat renouvelé du guichet {desk}"
    m["Message-ID"] = f"<bench{i}@example.org>"
    m["Date"] = email.utils.formatdate()
    m.set_content("Bonjour,\n\nveuillez trouver ci-joint notre nouveau certificat.\n\nCordialement,\n" + name)
    data = open(os.path.join(src, "certs", names[i]), "rb").read()
    m.add_attachment(data, maintype="application", subtype="octet-stream", filename=names[i])
    with open(os.path.join(out, "new", f"{i}.bench:2,"), "wb") as f:
        f.write(bytes(m))
PY

export VIGIE_NOW_SENDS=1
unset VIGIE_CONFIG
V="$VIGIE --now $NOW"
VIGIE_DATA_DIR=$WORK/template $V desk import "$WORK/gen/desks.csv" >/dev/null 2>&1
reset='rm -rf '"$WORK"'/data && cp -a '"$WORK"'/template '"$WORK"'/data'

say "cert ingest against mail ingest, $RUNS runs each"
VIGIE_DATA_DIR=$WORK/data hyperfine --style basic --runs "$RUNS" --export-json "$WORK/h.json" \
  --prepare "$reset" \
  -n "cert ingest" "$V cert ingest $WORK/gen/certs" \
  -n "mail ingest" "$V mail ingest $WORK/maildir" \
  -n "mail ingest --no-reply" "$V mail ingest --no-reply $WORK/maildir" >&2

# The last mail run's outcome, so that a fast run that took nothing in does
# not pass for a fast one.
rm -rf "$WORK/data" && cp -a "$WORK/template" "$WORK/data"
VIGIE_DATA_DIR=$WORK/data $V mail ingest --json "$WORK/maildir" >"$WORK/mail.json" 2>/dev/null || true

say "one 25 MiB message"
python3 - "$WORK/gen" "$WORK/big.eml" <<'PY'
import csv, email.message, os, sys
src, out = sys.argv[1], sys.argv[2]
desk, name, addr, _ = next(iter(list(csv.reader(open(os.path.join(src, "desks.csv"), encoding="utf-8"), delimiter=";"))[1:]))
cert = sorted(os.listdir(os.path.join(src, "certs")))[0]
m = email.message.EmailMessage()
m["From"] = f"{name} <{addr}>"
m["To"] = "gestionnaire@example.org"
m["Subject"] = f"Certificat et dossier complet du guichet {desk}"
m["Message-ID"] = "<big@example.org>"
m.set_content("Le certificat, et le dossier scanné.")
m.add_attachment(open(os.path.join(src, "certs", cert), "rb").read(), maintype="application", subtype="pkix-cert", filename=cert)
# Random bytes: Base64 makes them a third bigger, as a scan would be.
m.add_attachment(os.urandom(18 * 1024 * 1024), maintype="application", subtype="pdf", filename="dossier.pdf")
open(out, "wb").write(bytes(m))
PY
rm -rf "$WORK/data" && cp -a "$WORK/template" "$WORK/data"
VIGIE_DATA_DIR=$WORK/data /usr/bin/time -f '%M' -o "$WORK/big.rss" $V mail ingest --json "$WORK/big.eml" >"$WORK/big.json" 2>/dev/null || true

python3 - "$WORK" "$N" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
h = {r["command"]: r for r in json.load(open(os.path.join(work, "h.json")))["results"]}
cert, mail, quiet = (h[k]["median"] for k in ("cert ingest", "mail ingest", "mail ingest --no-reply"))
out = json.load(open(os.path.join(work, "mail.json")))
taken = sum(1 for m in out for c in m.get("certificates", []) if c.get("outcome") == "accepted")
big = json.load(open(os.path.join(work, "big.json")))
big_ok = any(c.get("outcome") == "accepted" for m in big for c in m.get("certificates", []))
rss = int(open(os.path.join(work, "big.rss")).read().split()[-1]) / 1024
size = os.path.getsize(os.path.join(work, "big.eml")) / 2**20
print(f"cert ingest of {n} files: {cert:.2f} s (median)")
print(f"mail ingest of {n} messages: {mail:.2f} s, {n / mail:.0f} messages/s, {mail / cert:.2f}x cert ingest (replies written)")
print(f"mail ingest --no-reply: {quiet:.2f} s, {n / quiet:.0f} messages/s, {quiet / cert:.2f}x cert ingest")
print(f"certificates accepted from the messages: {taken} of {n}")
print(f"one {size:.1f} MiB message: peak RSS {rss:.0f} MiB, certificate accepted: {big_ok}")
bad = []
if taken != n: bad.append("not every message's certificate was accepted")
if n / mail < 1000: bad.append("below 1,000 messages/s")
if mail > 2 * cert: bad.append("mail ingest over 2x cert ingest")
if rss >= 100: bad.append("25 MiB message at or over 100 MiB RSS")
if not big_ok: bad.append("the 25 MiB message's certificate was not accepted")
for b in bad: print("TARGET MISSED:", b)
PY
