#!/usr/bin/env python3
"""Builds the test messages of tests/mail.rs with Python's `email` package,
a MIME implementation independent of the one vigie uses (mail-parser).

Usage: mail_messages.py FIXTURES_DIR OUT_DIR [ALERT_MESSAGE_ID]

With ALERT_MESSAGE_ID (one of vigie's alerts), two replies to it are added.

Writes OUT_DIR/<name>.eml for each message below, OUT_DIR/all.mbox holding
them all, and OUT_DIR/Maildir/{new,cur,tmp} holding them all. The shapes are
the ones desks send in real life: an application/octet-stream .cer with an
RFC 2231 French file name, PEM pasted in a quoted-printable text body or in
an HTML body, a .zip, a forwarded message, a certs-only PKCS#7, Outlook's
winmail.dat, a private key, a question with no certificate, an
out-of-office reply.
"""

import io
import ssl
import mailbox
import os
import sys
import zipfile
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

FIX, OUT = sys.argv[1], sys.argv[2]
DATE = format_datetime(datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc))


def fixture(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


def base(sender, subject, text, **headers):
    m = EmailMessage(policy=policy.SMTP)
    m["From"] = sender
    m["To"] = "gestion@example.org"
    m["Subject"] = subject
    m["Date"] = DATE
    m["Message-ID"] = make_msgid(domain="guichet.example.org")
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(text)
    return m


def attach(m, data, maintype, subtype, filename):
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


messages = {}

# A DER .cer as application/octet-stream, its name in French (RFC 2231).
m = base("Guichet 1 <guichet-00001@example.org>", "Notre nouveau certificat",
         "Bonjour,\nveuillez trouver ci-joint notre certificat renouvelé.\n")
attach(m, fixture("valid.der.cer"), "application", "octet-stream", "certificat_guichet_été.cer")
messages["der-attachment"] = m

# PEM pasted in a quoted-printable text body (no attachment at all).
pem = fixture("rsa-2048-desk2.cer")
pem_text = ssl.DER_cert_to_PEM_cert(pem)
m = base("guichet-00002@example.org", "Certificat renouvelé", "")
m.set_content("Bonjour, voici le certificat, collé ici même — merci !\n\n" + pem_text,
              cte="quoted-printable")
messages["pem-in-text"] = m

# PEM pasted in an HTML body, line breaks as <br>.
html_pem = fixture("renewal-same-key-desk3.cer").decode("ascii").strip().replace("\n", "<br>\n")
m = base("guichet-00001@example.org", "Renouvellement", "")
m.set_content("<html><body><p>Bonjour,</p><div>" + html_pem + "</div></body></html>", subtype="html")
messages["pem-in-html"] = m

# A .zip holding the certificate and a letter.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("lettre.txt", "Certificat du guichet\n")
    z.writestr("certificat/siren-luhn.cer", fixture("siren-luhn-desk5.cer"))
m = base("guichet-00001@example.org", "Certificat (archive)", "Ci-joint une archive.\n")
attach(m, buf.getvalue(), "application", "zip", "certificat.zip")
messages["zip"] = m

# A forwarded message (message/rfc822) carrying the certificate.
inner = base("contact4@example.org", "Certificat", "Le certificat est joint.\n")
attach(inner, fixture("by-email-desk4.cer"), "application", "x-x509-ca-cert", "accueil.cer")
m = base("secretariat@example.org", "TR: Certificat", "Je vous transfère le message ci-dessous.\n")
m.add_attachment(inner, filename="Certificat.eml")
messages["forwarded"] = m

# A certs-only PKCS#7 bundle (.p7b) sent as application/pkcs7-mime.
m = base("guichet-00001@example.org", "Chaîne de certification", "Voici la chaîne.\n")
attach(m, fixture("valid.p7b"), "application", "pkcs7-mime", "chaine.p7c")
messages["p7b"] = m

# Outlook's winmail.dat (TNEF): refused with an explanation.
m = base("guichet-00002@example.org", "Certificat", "Voir pièce jointe.\n")
attach(m, b"\x78\x9f\x3e\x22\x00\x00\x01\x06\x90\x08\x00" + bytes(64), "application", "ms-tnef", "winmail.dat")
messages["winmail"] = m

# A private key next to the certificate: refused.
m = base("guichet-00001@example.org", "Certificat et clé", "Voici tout.\n")
attach(m, fixture("cert-and-key.pem"), "application", "x-pem-file", "tout.pem")
messages["private-key"] = m

# A question: no certificate, for people.
m = base("guichet-00002@example.org", "Question sur le renouvellement",
         "Bonjour, à qui dois-je envoyer le certificat ?\n")
messages["question"] = m

# An out-of-office reply: automatic, no certificate.
m = base("guichet-00002@example.org", "Absence du bureau", "Je suis absent jusqu'au 15 mars.\n",
         Auto_Submitted="auto-replied")
messages["out-of-office"] = m

# The subject names desk 2, the certificate names desk 1: for people.
m = base("guichet-00002@example.org", "Certificat du guichet 732829320-00002",
         "Voici notre certificat.\n")
attach(m, fixture("code-signing-only.cer"), "application", "octet-stream", "guichet.cer")
messages["disagree"] = m

# A certificate that names no desk, from desk 2's only contact address.
m = base("guichet-00002@example.org", "Certificat", "Voici notre certificat.\n")
attach(m, fixture("no-desk-id.cer"), "application", "pkix-cert", "service.cer")
messages["by-sender"] = m

if len(sys.argv) > 3:
    alert_id = sys.argv[3]
    # Replies to vigie's alert, from an address no desk lists.
    for name, cert in [("reply-no-desk", "no-desk-id.cer"), ("reply-other-desk", "valid.der.cer")]:
        m = base("informatique@bailleur.example.org", "RE: Certificat en fin de vie",
                 "Bonjour, voici le nouveau certificat.\n",
                 In_Reply_To=alert_id, References=alert_id)
        attach(m, fixture(cert), "application", "octet-stream", "nouveau.cer")
        messages[name] = m

    # An RFC 3464 delivery status report of the alert.
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.mime.base import MIMEBase
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    dsn["To"] = "vigie@example.org"
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Date"] = DATE
    dsn["Message-ID"] = make_msgid(domain="mx.example.org")
    dsn["Auto-Submitted"] = "auto-replied"
    dsn.attach(MIMEText("Your message could not be delivered.\n"))
    from email.message import Message
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.example.org"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = "rfc822; ancien@bailleur.example.org"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 <ancien@bailleur.example.org>: user unknown"
    status = MIMEBase("message", "delivery-status")
    status.set_payload([per_message, per_recipient])
    dsn.attach(status)
    headers = MIMEBase("text", "rfc822-headers")
    headers.set_payload("From: vigie@example.org\nSubject: Certificat en fin de vie\nMessage-ID: " + alert_id + "\n")
    dsn.attach(headers)
    messages["dsn"] = dsn

    # qmail's non-standard form: plain text, the original quoted.
    q = EmailMessage(policy=policy.SMTP)
    q["From"] = "MAILER-DAEMON@mail.example.net"
    q["To"] = "vigie@example.org"
    q["Subject"] = "failure notice"
    q["Date"] = DATE
    q.set_content("Hi. This is the qmail-send program at mail.example.net.\n"
                  "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
                  "<parti@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                  "--- Below this line is a copy of the message.\n\n"
                  "Message-ID: " + alert_id + "\nSubject: Certificat en fin de vie\n")
    messages["qmail-bounce"] = q

os.makedirs(OUT, exist_ok=True)
box = mailbox.mbox(os.path.join(OUT, "all.mbox"))
md = mailbox.Maildir(os.path.join(OUT, "Maildir"))
for name, m in messages.items():
    data = m.as_bytes(policy=policy.SMTP)
    with open(os.path.join(OUT, name + ".eml"), "wb") as f:
        f.write(data)
    box.add(mailbox.mboxMessage(data))
    md.add(mailbox.MaildirMessage(data))
box.flush()
box.close()
print("\n".join(messages))
