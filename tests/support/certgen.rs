// The dev-only half of `vigie::certgen`: RSA keys, SHA-1 re-signing, PKCS#12
// and CSR files, for the fixtures (examples/make_fixtures.rs), the benchmark
// data and benchmarks, and the tests. It is kept out of the product so the
// product carries neither the `rsa` nor the `sha1` crate (dev-dependencies).
//
// The integration tests, examples and benches use it as a module (`#[path]`);
// the library's unit tests `include!` it (so: no inner attributes or `//!`
// comments here, and paths name the product as `vigie::`).

use vigie::certgen::{tlv, CertgenError, Key};

/// Generates an RSA key of `bits` bits with the pure-Rust `rsa` crate
/// (rcgen on ring cannot generate RSA keys).
pub fn rsa_key(bits: usize) -> Result<Key, CertgenError> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let rsa_err = |e: &dyn std::fmt::Display| CertgenError::Key(format!("rsa: {e}"));
    let sk = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits).map_err(|e| rsa_err(&e))?;
    let pkcs8 = sk
        .to_pkcs8_der()
        .map_err(|e| rsa_err(&e))?
        .as_bytes()
        .to_vec();
    let legacy = sk
        .to_pkcs1_der()
        .map_err(|e| rsa_err(&e))?
        .as_bytes()
        .to_vec();
    let spki = sk
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| rsa_err(&e))?
        .into_vec();
    Ok(Key::from_rsa_der(bits, pkcs8, legacy, spki))
}

/// Re-signs an RSA-signed (SHA-256) certificate with SHA-1, using the
/// issuer's RSA key: the algorithm identifiers are patched in place
/// (`sha256WithRSAEncryption` and `sha1WithRSAEncryption` have the same
/// length, so no re-encoding) and the signature, as long as the modulus, is
/// replaced.
pub fn resign_sha1(cert_der: &[u8], issuer: &Key) -> Result<Vec<u8>, CertgenError> {
    use rsa::pkcs8::DecodePrivateKey;
    use sha1::Digest;
    use x509_parser::asn1_rs::{Any, FromDer};
    const SHA256_RSA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ];
    let mut der = cert_der.to_vec();
    let mut i = 0;
    while i + SHA256_RSA.len() <= der.len() {
        if der[i..i + SHA256_RSA.len()] == SHA256_RSA {
            der[i + SHA256_RSA.len() - 1] = 0x05;
        }
        i += 1;
    }
    let not_a_cert = || CertgenError::Key("not a certificate".into());
    // Certificate ::= SEQUENCE { tbsCertificate, … }: the TBS is the first
    // child, whole encoding.
    let (_, outer) = Any::from_der(&der).map_err(|_| not_a_cert())?;
    let (rest, _) = Any::from_der(outer.data).map_err(|_| not_a_cert())?;
    let start = outer.data.as_ptr() as usize - der.as_ptr() as usize;
    let tbs = start..start + outer.data.len() - rest.len();
    let digest = sha1::Sha1::digest(&der[tbs]);
    let sk = rsa::RsaPrivateKey::from_pkcs8_der(&issuer.pkcs8)
        .map_err(|e| CertgenError::Key(format!("rsa: {e}")))?;
    let sig = sk
        .sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
        .map_err(|e| CertgenError::Key(format!("rsa: {e}")))?;
    let n = der.len();
    if sig.len() > n {
        return Err(CertgenError::Key(
            "signature longer than the certificate".into(),
        ));
    }
    der[n - sig.len()..].copy_from_slice(&sig);
    Ok(der)
}

/// A structurally valid PKCS#12 (PFX) holding a certificate and its
/// unencrypted key (no MAC): what a desk must never send.
pub fn pkcs12(cert_der: &[u8], pkcs8: &[u8]) -> Vec<u8> {
    const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    // keyBag 1.2.840.113549.1.12.10.1.1, certBag …10.1.3 with x509Certificate 1.2.840.113549.1.9.22.1.
    let key_bag_oid = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01,
    ];
    let cert_bag_oid = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    let x509_cert_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
    let key_bag = tlv(0x30, &[tlv(0x06, &key_bag_oid), tlv(0xa0, pkcs8)].concat());
    let cert_bag_value = tlv(
        0x30,
        &[tlv(0x06, &x509_cert_oid), tlv(0xa0, &tlv(0x04, cert_der))].concat(),
    );
    let cert_bag = tlv(
        0x30,
        &[tlv(0x06, &cert_bag_oid), tlv(0xa0, &cert_bag_value)].concat(),
    );
    let safe_contents = tlv(0x30, &[key_bag, cert_bag].concat());
    let data_ci = tlv(
        0x30,
        &[tlv(0x06, OID_DATA), tlv(0xa0, &tlv(0x04, &safe_contents))].concat(),
    );
    let auth_safe = tlv(0x30, &data_ci);
    let outer_ci = tlv(
        0x30,
        &[tlv(0x06, OID_DATA), tlv(0xa0, &tlv(0x04, &auth_safe))].concat(),
    );
    tlv(0x30, &[tlv(0x02, &[3]), outer_ci].concat())
}

/// A certificate signing request for `key` (P-256 only), DER.
pub fn csr(common_name: &str, key: &Key) -> Result<Vec<u8>, CertgenError> {
    let signer = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls::pki_types::PrivatePkcs8KeyDer::from(key.pkcs8.clone()),
        &rcgen::PKCS_ECDSA_P256_SHA256,
    )?;
    let mut p = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, common_name);
    p.distinguished_name = dn;
    Ok(p.serialize_request(&signer)?.der().to_vec())
}
