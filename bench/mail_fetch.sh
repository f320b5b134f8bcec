#!/usr/bin/env bash
# `vigie mail fetch` of N messages (default 1,000), each carrying one desk's
# certificate, from a Maildir and from a throwaway loopback Dovecot over
# TLS, moves included (issue 13: <= 10 s for 1,000 from Dovecot); then the
# peak RSS of fetching one 25 MiB message over IMAP (target < 100 MiB).
#
# Needs: a release build (made unless NO_BUILD=1), python3 (the messages
# are built by Python's `email`), openssl (the server's CA and
# certificate), dovecot-imapd (/usr/sbin/dovecot, doveadm), GNU time.
# As root, Dovecot's logins run as dovenull and the mailbox belongs to
# nobody, as in tests/support/imap.rs.
#
# Usage: bench/mail_fetch.sh          N=2000 bench/mail_fetch.sh
# Prints a Markdown table for docs/PERFORMANCE.md. WRAP="strace -f -tt -o F"
# (or perf record) wraps the IMAP fetch, to see where its time goes.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
NOW=2027-03-01T09:00:00Z
# The certificates are made for $NOW; --now is a what-if unless this is
# set (DESIGN §13), and the bench measures the real thing, moves included.
export VIGIE_NOW_SENDS=1
# PROFILE=debug checks the script quickly; the figures are release ones.
PROFILE=${PROFILE:-release}
VIGIE=$PWD/target/$PROFILE/vigie
GEN=$PWD/target/$PROFILE/examples/make_bench_data
say() { printf '== %s\n' "$*" >&2; }
elapsed() { echo "$(date +%s.%N) - $1" | bc; }

for tool in python3 openssl bc /usr/sbin/dovecot /usr/bin/doveadm /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (dovecot: apt-get install dovecot-imapd)" >&2; exit 1; }
done
if [ -z "${NO_BUILD:-}" ]; then
  if [ "$PROFILE" = release ]; then
    cargo build --release --quiet --bin vigie --example make_bench_data
  else
    cargo build --quiet --bin vigie --example make_bench_data
  fi
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"
DOVECONF=$WORK/dovecot/dovecot.conf
cleanup() {
  [ -f "$DOVECONF" ] && doveadm -c "$DOVECONF" stop 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say "generating $N desks, certificates and messages"
"$GEN" "$WORK/data" "$N" 2>/dev/null
python3 - "$WORK/data" "$WORK/Maildir" "$WORK/big.eml" <<'PY'
import mailbox, os, sys
from email.message import EmailMessage
data, out, big = sys.argv[1:4]
md = mailbox.Maildir(out)
certs = sorted(os.listdir(os.path.join(data, "certs")))
for n, name in enumerate(certs):
    i = int(name[:5])
    m = EmailMessage()
    m["From"] = f"guichet{i}@example.org"
    m["To"] = "gestion@example.org"
    m["Subject"] = "Certificat renouvelé"
    m["Message-ID"] = f"<bench-{n}@example.org>"
    m["Date"] = "Mon, 01 Mar 2027 08:00:00 +0000"
    m.set_content("Bonjour, voici notre nouveau certificat.\n")
    with open(os.path.join(data, "certs", name), "rb") as f:
        m.add_attachment(f.read(), maintype="application", subtype="octet-stream", filename=name)
    md.add(m.as_bytes())
# One 25 MiB message (a large PDF-like attachment), for the RSS figure.
m = EmailMessage()
m["From"] = "guichet0@example.org"
m["Subject"] = "Gros message"
m["Message-ID"] = "<bench-big@example.org>"
m.set_content("Une grosse pièce jointe.\n")
m.add_attachment(os.urandom(18 * 1024 * 1024), maintype="application", subtype="pdf", filename="scan.pdf")
open(big, "wb").write(m.as_bytes())
PY
$VIGIE -q --data-dir "$WORK/base" desk import "$WORK/data/desks.csv" >/dev/null

# --- Maildir ----------------------------------------------------------------
say "mail fetch of $N messages from a Maildir"
cp -r "$WORK/Maildir" "$WORK/md"
cp -r "$WORK/base" "$WORK/run-md"
printf '[mail]\nsource = "maildir"\nmaildir = "%s"\n' "$WORK/md" > "$WORK/md.toml"
t0=$(date +%s.%N)
$VIGIE -q --config "$WORK/md.toml" --data-dir "$WORK/run-md" --now "$NOW" mail fetch --no-reply >/dev/null || [ $? = 3 ]
MD_SECS=$(elapsed "$t0")
left=$(find "$WORK/md/new" "$WORK/md/cur" -type f | wc -l)
[ "$left" = 0 ] || { echo "the Maildir INBOX still holds $left messages" >&2; exit 1; }

# --- Dovecot ----------------------------------------------------------------
say "starting a throwaway Dovecot"
D=$WORK/dovecot
mkdir -p "$D"/{run,state,home,Maildir/new,Maildir/cur,Maildir/tmp,pki}
chmod 755 "$D" "$D/pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=bench CA" -keyout "$D/pki/ca.key" -out "$D/pki/ca.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$D/pki/server.key" -out "$D/pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$D/pki/ext"
openssl x509 -req -in "$D/pki/server.csr" -CA "$D/pki/ca.pem" -CAkey "$D/pki/ca.key" \
  -CAcreateserial -days 2 -extfile "$D/pki/ext" -out "$D/pki/server.pem" 2>/dev/null
PW=bench-$RANDOM$RANDOM
printf 'gestion:{PLAIN}%s\n' "$PW" > "$D/passwd"
chmod 644 "$D/passwd"
printf '%s\n' "$PW" > "$WORK/imap-password"
chmod 600 "$WORK/imap-password"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IMAPS=$(port)
IMAP=$(port)
if [ "$(id -u)" = 0 ]; then
  INTERNAL=dovecot LOGIN=dovenull MUID=65534 MGID=65534
else
  INTERNAL=$(id -un) LOGIN=$(id -un) MUID=$(id -u) MGID=$(id -g)
fi
cat > "$DOVECONF" <<EOF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$D/pki/server.pem
ssl_key = <$D/pki/server.key
default_internal_user = $INTERNAL
default_login_user = $LOGIN
first_valid_uid = 1
disable_plaintext_auth = no
mail_location = maildir:$D/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=$MUID gid=$MGID home=$D/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS
    ssl = yes
  }
}
EOF
cp "$WORK"/Maildir/new/* "$D/Maildir/new/" 2>/dev/null || true
cp "$WORK"/Maildir/cur/* "$D/Maildir/cur/" 2>/dev/null || true
[ "$(id -u)" != 0 ] || chown -R "$MUID:$MGID" "$D/Maildir" "$D/home"
/usr/sbin/dovecot -c "$DOVECONF" </dev/null >/dev/null 2>&1
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$IMAP") 2>/dev/null && break
  sleep 0.1
done
count() { doveadm -c "$DOVECONF" search -u gestion mailbox "$1" ALL 2>/dev/null | wc -l; }
[ "$(count INBOX)" = "$N" ] || { echo "Dovecot's INBOX holds $(count INBOX), not $N" >&2; exit 1; }
cat > "$WORK/imap.toml" <<EOF
[mail]
source = "imap"
imap_host = "127.0.0.1"
imap_port = $IMAPS
imap_user = "gestion"
imap_password_file = "$WORK/imap-password"
imap_server_ca = "$D/pki/ca.pem"
EOF

say "mail fetch of $N messages from Dovecot (IMAPS, loopback)"
cp -r "$WORK/base" "$WORK/run-imap"
t0=$(date +%s.%N)
${WRAP:-} $VIGIE -q --config "$WORK/imap.toml" --data-dir "$WORK/run-imap" --now "$NOW" mail fetch --no-reply >/dev/null || [ $? = 3 ]
IMAP_SECS=$(elapsed "$t0")
[ "$(count INBOX)" = 0 ] || { echo "Dovecot's INBOX still holds $(count INBOX)" >&2; exit 1; }
MOVED=$(( $(count vigie.traites) + $(count vigie.a-traiter) ))
[ "$MOVED" = "$N" ] || { echo "$MOVED messages moved, not $N" >&2; exit 1; }

say "peak RSS of fetching one 25 MiB message over IMAP"
doveadm -c "$DOVECONF" save -u gestion < "$WORK/big.eml"
BIG_MIB=$(echo "scale=1; $(stat -c %s "$WORK/big.eml") / 1048576" | bc)
/usr/bin/time -f '%M' -o "$WORK/rss" $VIGIE -q --config "$WORK/imap.toml" --data-dir "$WORK/run-imap" \
  --now "$NOW" mail fetch --no-reply >/dev/null || true
RSS_MIB=$(echo "scale=1; $(tail -1 "$WORK/rss") / 1024" | bc)

per_sec() { echo "scale=0; $N / $1" | bc; }
cat <<EOF

Build: $PROFILE. Machine: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d).

| run | messages | seconds | messages/s |
| --- | ---: | ---: | ---: |
| \`mail fetch\`, Maildir (read, decide, record, rename) | $N | $(printf %.2f "$MD_SECS") | $(per_sec "$MD_SECS") |
| \`mail fetch\`, Dovecot over TLS on loopback (UID FETCH, record, UID MOVE) | $N | $(printf %.2f "$IMAP_SECS") | $(per_sec "$IMAP_SECS") |

Peak RSS of \`mail fetch\` over IMAP of one $BIG_MIB MiB message: $RSS_MIB MiB.
EOF
