//! Why a file yields no usable certificate.

/// Why a file yields no usable certificate (DESIGN §8 error codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// A private key (PEM or DER, any encoding, encrypted or not).
    #[error("the file holds a private key ({0})")]
    PrivateKey(String),
    /// A PKCS#12 / PFX container (certificate and private key).
    #[error("the file is a PKCS#12 (PFX) container, which holds a private key")]
    Pkcs12,
    /// A certificate signing request.
    #[error("the file is a certificate signing request (CSR), not a certificate")]
    Csr,
    /// A certificate revocation list.
    #[error("the file is a certificate revocation list (CRL), not a certificate")]
    Crl,
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Over the configured limit; not read whole.
    #[error("the file is larger than {limit} bytes ({size} bytes)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// It could not be read, or looks like a certificate but is damaged.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    /// Something else.
    #[error("the file holds no certificate ({0})")]
    Unrecognized(String),
}

impl SniffError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            SniffError::PrivateKey(_) => "private_key",
            SniffError::Pkcs12 => "pkcs12",
            SniffError::Csr => "csr",
            SniffError::Crl => "crl",
            SniffError::Empty => "empty",
            SniffError::TooLarge { .. } => "too_large",
            SniffError::Unreadable(_) => "unreadable",
            SniffError::Unrecognized(_) => "unrecognized",
        }
    }

    /// Whether the file held private key material.
    pub fn is_private_key(&self) -> bool {
        matches!(self, SniffError::PrivateKey(_) | SniffError::Pkcs12)
    }
}
