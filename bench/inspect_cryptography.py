#!/usr/bin/env python3
"""What a scripter would write with Python's `cryptography` to do the work of
`vigie cert inspect --json`: for each file, find the certificates whatever the
shape (DER, PEM with any line endings and surrounding text, Base64 without
armour, PKCS#7 DER or PEM), and print subject, issuer, serial, validity,
SHA-256 and key as one JSON array. Used by bench/compare.sh.

Usage: inspect_cryptography.py FILE...   (or a single @LIST file of paths)
"""

import base64
import binascii
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7


def certificates(data):
    if b"-----BEGIN" in data:
        if b"PKCS7" in data:
            return "pkcs7-pem", pkcs7.load_pem_pkcs7_certificates(data)
        return "pem", x509.load_pem_x509_certificates(data)
    try:
        return "der", [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return "pkcs7-der", pkcs7.load_der_pkcs7_certificates(data)
    except ValueError:
        pass
    der = base64.b64decode(b"".join(data.split()), validate=True)
    return "base64", [x509.load_der_x509_certificate(der)]


def key(cert):
    k = cert.public_key()
    if isinstance(k, rsa.RSAPublicKey):
        return {"algorithm": "rsa", "bits": k.key_size}
    if isinstance(k, ec.EllipticCurvePublicKey):
        return {"algorithm": "ec", "bits": k.curve.key_size}
    return {"algorithm": type(k).__name__, "bits": 0}


def describe(cert):
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "key": key(cert),
    }


def main(args):
    if len(args) == 1 and args[0].startswith("@"):
        with open(args[0][1:]) as f:
            args = f.read().split()
    rows = []
    for path in args:
        with open(path, "rb") as f:
            data = f.read()
        try:
            fmt, certs = certificates(data)
            rows.append(
                {"file": path, "format": fmt, "certificates": [describe(c) for c in certs], "error": None}
            )
        except (ValueError, binascii.Error) as e:
            rows.append({"file": path, "format": None, "certificates": [], "error": str(e)})
    json.dump(rows, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 3 if any(not r["certificates"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
