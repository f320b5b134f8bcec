//! Why a certificate is refused, or accepted with a warning: stable codes
//! reused by the CLI, the audit log and the refusal e-mails, with sentences in
//! French and English fit to forward to the desk.

use chrono_tz::Tz;

use super::chain::ChainProblem;
use super::sniff::SniffError;
use crate::clock::{french_date, Instant};
use crate::desk::DeskId;

/// Told with every refusal that involves a private key.
const NEVER_KEY_FR: &str = "Ne transmettez jamais votre clé privée : envoyez uniquement la partie publique du certificat (fichier .cer, DER ou Base64). Si la clé a circulé par courriel, faites révoquer ce certificat par votre autorité de certification.";
const NEVER_KEY_EN: &str = "Never send your private key: send only the public part of the certificate (a .cer file, DER or Base64). If the key travelled by e-mail, have your certification authority revoke this certificate.";

/// Why a file or certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file holds no usable certificate, or holds a private key.
    #[error("{0}")]
    File(SniffError),
    /// Several end-entity certificates in one file.
    #[error("the file holds {0} end-entity certificates; send one")]
    SeveralLeaves(usize),
    /// Only CA certificates in the file.
    #[error("the file holds a certification authority's certificate, not the desk's")]
    CaCertificate,
    /// Past its end of validity.
    #[error("the certificate expired on {0}")]
    Expired(Instant),
    /// Starts too far in the future.
    #[error("the certificate is valid only from {0}")]
    NotYetValid(Instant),
    /// Ends before the desk's current certificate.
    #[error("the certificate ends ({0}) before the desk's current one ({1})")]
    Older(Instant, Instant),
    /// Key too small.
    #[error("the key is too weak ({0} {1} bits)")]
    WeakKey(String, u32),
    /// MD5 or SHA-1 signature.
    #[error("the certificate is signed with a weak algorithm ({0})")]
    WeakSignature(String),
    /// Attributable to no desk.
    #[error("the certificate names no known desk")]
    NoDesk,
    /// Attributable to several desks: which, what named them, and the
    /// certificate's addresses that did not single one out.
    #[error("the certificate could belong to several desks: {}; {}", list(.0), evidence_en(.1, .2))]
    AmbiguousDesk(Vec<DeskId>, Evidence, Vec<String>),
    /// `--desk` names a desk that is not in the inventory.
    #[error("desk {0} is not in the inventory")]
    UnknownDesk(DeskId),
    /// `--desk` names a desk the certificate does not belong to: what it
    /// names instead (desk ids, `SIREN …`).
    #[error("the certificate names {found}, not desk {named}", found = .1.join(", "), named = .0)]
    DeskMismatch(DeskId, Vec<String>),
    /// No chain to the configured trust anchors, and why.
    #[error("the certificate does not chain to a trusted authority: {0}")]
    Untrusted(ChainProblem),
    /// Not a CA, yet its key may only sign certificates: not a desk's.
    #[error(
        "the certificate's key may only sign certificates, which is not a desk certificate's usage"
    )]
    WrongKeyUsage,
    /// Without trust anchors: the certificate is its own issuer.
    #[error("the certificate is self-signed: a desk's certificate is issued by a certification authority")]
    SelfSigned,
    /// Without trust anchors: a renewal from an authority vigie does not
    /// know (not the issuer of a current certificate, nor in
    /// `intake.known_issuers_dir`), or not carrying its signature.
    #[error("the certificate was issued by an authority vigie does not know ({0})")]
    UnknownIssuer(String),
    /// Its start of validity is after its end: no instant is inside it.
    #[error("the certificate's validity starts ({0}) after it ends ({1})")]
    InvalidValidity(Instant, Instant),
}

/// The evidence that named a certificate's candidate desks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Desk ids written in the subject or a SAN.
    DeskId,
    /// These SIRENs written in the subject or a SAN.
    Siren(Vec<String>),
    /// The subject equals that of the desks' current certificates.
    Subject,
    /// An address of the certificate is a contact of the desks.
    Address,
}

/// Why several desks matched, in French.
fn evidence_fr(evidence: &Evidence, emails: &[String]) -> String {
    let why = match evidence {
        Evidence::DeskId => "il porte l'identifiant de chacun de ces guichets".to_owned(),
        Evidence::Siren(s) => format!("il porte le SIREN {} de ces guichets", s.join(", ")),
        Evidence::Subject => {
            "son sujet est celui du certificat actuel de chacun de ces guichets".to_owned()
        }
        Evidence::Address => {
            return format!(
                "son adresse ({}) est un contact de chacun de ces guichets",
                emails.join(", ")
            )
        }
    };
    if emails.is_empty() {
        format!("{why}, et ne donne aucune adresse électronique qui les départage")
    } else {
        format!(
            "{why}, et son adresse ({}) ne désigne pas un seul d'entre eux",
            emails.join(", ")
        )
    }
}

/// Why several desks matched, in English.
fn evidence_en(evidence: &Evidence, emails: &[String]) -> String {
    let why = match evidence {
        Evidence::DeskId => "it names each of these desks' ids".to_owned(),
        Evidence::Siren(s) => format!("it names these desks' SIREN {}", s.join(", ")),
        Evidence::Subject => {
            "its subject is that of each of these desks' current certificate".to_owned()
        }
        Evidence::Address => {
            return format!(
                "its address ({}) is a contact of each of these desks",
                emails.join(", ")
            )
        }
    };
    if emails.is_empty() {
        format!("{why}, and gives no e-mail address to tell them apart")
    } else {
        format!(
            "{why}, and its address ({}) does not single one out",
            emails.join(", ")
        )
    }
}

fn list(ids: &[DeskId]) -> String {
    ids.iter()
        .map(DeskId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Refusal {
    /// The stable reason code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::File(e) => e.code(),
            Refusal::SeveralLeaves(_) => "several_leaves",
            Refusal::CaCertificate => "ca_certificate",
            Refusal::Expired(_) => "expired",
            Refusal::NotYetValid(_) => "not_yet_valid",
            Refusal::Older(..) => "older",
            Refusal::WeakKey(..) => "weak_key",
            Refusal::WeakSignature(_) => "weak_signature",
            Refusal::NoDesk => "no_desk",
            Refusal::AmbiguousDesk(..) => "ambiguous_desk",
            Refusal::UnknownDesk(_) => "unknown_desk",
            Refusal::DeskMismatch(..) => "desk_mismatch",
            Refusal::Untrusted(_) => "untrusted",
            Refusal::WrongKeyUsage => "wrong_key_usage",
            Refusal::InvalidValidity(..) => "invalid_validity",
            Refusal::SelfSigned => "self_signed",
            Refusal::UnknownIssuer(_) => "unknown_issuer",
        }
    }

    /// Whether `--force` may accept it anyway. Never for a private key, nor for
    /// what is not a certificate, nor when no single desk is known.
    pub fn overridable(&self) -> bool {
        matches!(
            self,
            Refusal::Expired(_)
                | Refusal::NotYetValid(_)
                | Refusal::Older(..)
                | Refusal::WeakKey(..)
                | Refusal::WeakSignature(_)
                | Refusal::DeskMismatch(..)
                | Refusal::Untrusted(_)
                | Refusal::WrongKeyUsage
                | Refusal::CaCertificate
                | Refusal::SelfSigned
                | Refusal::UnknownIssuer(_)
        )
    }

    /// Whether people must look at it rather than the desk be told: a
    /// certificate that may be forged (self-signed, unknown issuer) is
    /// answered by the team, never by an automatic refusal to the desk it
    /// names (issue 18; mail intake sends these to its "needs a human"
    /// folder).
    pub fn needs_people(&self) -> bool {
        matches!(self, Refusal::SelfSigned | Refusal::UnknownIssuer(_))
    }

    /// Whether the file held a private key.
    pub fn is_private_key(&self) -> bool {
        matches!(self, Refusal::File(e) if e.is_private_key())
    }

    /// The reason in French, addressed to the desk.
    pub fn fr(&self, tz: Tz) -> String {
        let d = |at: &Instant| french_date(*at, tz);
        match self {
            Refusal::File(e) => match e {
                SniffError::PrivateKey(_) => format!("le fichier contient une clé privée. {NEVER_KEY_FR}"),
                SniffError::Pkcs12 => format!("le fichier est un conteneur PKCS#12 (.pfx/.p12), qui contient la clé privée. {NEVER_KEY_FR}"),
                SniffError::Csr => "le fichier est une demande de certificat (CSR), pas le certificat délivré par l'autorité de certification.".into(),
                SniffError::Crl => "le fichier est une liste de révocation (CRL), pas un certificat.".into(),
                SniffError::Empty => "le fichier est vide.".into(),
                SniffError::TooLarge { size, limit } => format!("le fichier est trop volumineux ({size} octets, maximum {limit}) pour être un certificat."),
                SniffError::Unreadable(why) => format!("le fichier est illisible ou endommagé ({why})."),
                SniffError::Unrecognized(_) => "le fichier ne contient aucun certificat.".into(),
            },
            Refusal::SeveralLeaves(n) => format!("le fichier contient {n} certificats de guichet ; envoyez uniquement le vôtre."),
            Refusal::CaCertificate => "le fichier contient le certificat d'une autorité de certification, pas celui du guichet.".into(),
            Refusal::Expired(at) => format!("le certificat a expiré le {}.", d(at)),
            Refusal::NotYetValid(at) => format!("le certificat ne sera valide qu'à partir du {}.", d(at)),
            Refusal::Older(at, cur) => format!("le certificat expire le {}, avant le certificat actuel du guichet (qui expire le {}).", d(at), d(cur)),
            Refusal::WeakKey(alg, bits) => format!("la clé du certificat est trop faible ({} {bits} bits) ; demandez un certificat avec une clé RSA d'au moins 2048 bits ou EC d'au moins 256 bits.", alg.to_uppercase()),
            Refusal::WeakSignature(alg) => format!("le certificat est signé avec un algorithme obsolète ({alg})."),
            Refusal::NoDesk => "le certificat ne permet pas d'identifier le guichet (ni identifiant de guichet, ni SIREN, ni adresse connue).".into(),
            Refusal::AmbiguousDesk(ids, evidence, emails) => format!("le certificat pourrait appartenir à plusieurs guichets ({}) : {}. L'équipe doit préciser le guichet (--desk).", list(ids), evidence_fr(evidence, emails)),
            Refusal::UnknownDesk(id) => format!("le guichet {id} n'est pas dans l'inventaire."),
            Refusal::DeskMismatch(named, found) => format!("le certificat désigne {}, pas le guichet {named}.", found.join(", ")),
            Refusal::Untrusted(why) => format!("le certificat ne remonte pas à une autorité de certification de confiance : {}.", why.fr()),
            Refusal::WrongKeyUsage => "la clé du certificat ne sert qu'à signer des certificats, ce qui n'est pas l'usage d'un certificat de guichet ; demandez un certificat d'authentification à votre autorité de certification.".into(),
            Refusal::SelfSigned => "le certificat est auto-signé : un certificat de guichet est délivré par une autorité de certification. Envoyez le certificat délivré par votre autorité.".into(),
            Refusal::UnknownIssuer(issuer) => format!("le certificat a été délivré par une autorité que l'équipe ne connaît pas ({issuer}) ; un certificat renouvelé vient normalement de l'autorité qui a délivré le précédent. L'équipe de gestion va vérifier."),
            Refusal::InvalidValidity(nb, na) => format!("les dates du certificat se contredisent : sa validité commence le {} mais finit le {}. Demandez un nouveau certificat à votre autorité de certification.", d(nb), d(na)),
        }
    }

    /// The reason in English, addressed to the desk.
    pub fn en(&self, tz: Tz) -> String {
        let d = |at: &Instant| french_date(*at, tz);
        match self {
            Refusal::File(SniffError::PrivateKey(_)) => format!("the file holds a private key. {NEVER_KEY_EN}"),
            Refusal::File(SniffError::Pkcs12) => format!("the file is a PKCS#12 (.pfx/.p12) container, which holds the private key. {NEVER_KEY_EN}"),
            Refusal::File(e) => format!("{e}."),
            Refusal::Expired(at) => format!("the certificate expired on {}.", d(at)),
            Refusal::NotYetValid(at) => format!("the certificate is valid only from {}.", d(at)),
            Refusal::Older(at, cur) => format!("the certificate ends on {}, before the desk's current one ({}).", d(at), d(cur)),
            Refusal::UnknownIssuer(issuer) => format!("the certificate was issued by an authority the team does not know ({issuer}); a renewed certificate normally comes from the authority that issued the previous one. The management team will check."),
            Refusal::InvalidValidity(nb, na) => format!("the certificate's dates contradict each other: its validity starts on {} but ends on {}. Ask your certification authority for a new certificate.", d(nb), d(na)),
            other => format!("{other}."),
        }
    }
}

/// A reason to accept with a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Neither clientAuth nor emailProtection in extendedKeyUsage.
    NoDeskUsage,
    /// Not yet valid, within the grace period.
    NotYetValid(Instant),
    /// Same public key as the desk's current certificate.
    SameKey,
    /// The desk's SIREN fails its Luhn check.
    SirenLuhn,
    /// A refusal overridden by `--force`.
    Forced(&'static str),
    /// A renewal from another issuer than the desk's current certificate's
    /// (issue 14): (the current issuer, the new one).
    IssuerChanged(String, String),
}

impl Warning {
    /// The stable code.
    pub fn code(&self) -> String {
        match self {
            Warning::NoDeskUsage => "no_desk_usage".into(),
            Warning::NotYetValid(_) => "not_yet_valid".into(),
            Warning::SameKey => "same_key".into(),
            Warning::SirenLuhn => "siren_luhn".into(),
            Warning::Forced(c) => format!("forced:{c}"),
            Warning::IssuerChanged(..) => "issuer_changed".into(),
        }
    }

    /// A sentence in French, for the team.
    pub fn fr(&self, tz: Tz) -> String {
        match self {
            Warning::NoDeskUsage => {
                "le certificat n'autorise ni l'authentification client ni la protection du courriel"
                    .into()
            }
            Warning::NotYetValid(at) => format!(
                "le certificat ne sera valide qu'à partir du {}",
                french_date(*at, tz)
            ),
            Warning::SameKey => {
                "le certificat reprend la clé publique du certificat précédent".into()
            }
            Warning::SirenLuhn => "le SIREN du guichet ne respecte pas la clé de Luhn".into(),
            Warning::Forced(c) => format!("refus «{c}» passé outre (--force)"),
            Warning::IssuerChanged(from, to) => format!(
                "le certificat vient d'une autre autorité ({to}) que le certificat actuel ({from})"
            ),
        }
    }

    /// A sentence in English, for the team.
    pub fn en(&self, tz: Tz) -> String {
        match self {
            Warning::NoDeskUsage => {
                "the certificate allows neither client authentication nor e-mail protection".into()
            }
            Warning::NotYetValid(at) => format!(
                "the certificate is valid only from {}",
                french_date(*at, tz)
            ),
            Warning::SameKey => {
                "the certificate reuses the previous certificate's public key".into()
            }
            Warning::SirenLuhn => "the desk's SIREN fails its Luhn check".into(),
            Warning::Forced(c) => format!("refusal \"{c}\" overridden (--force)"),
            Warning::IssuerChanged(from, to) => format!(
                "the certificate comes from another authority ({to}) than the current one ({from})"
            ),
        }
    }
}
