//! The normal form of a file's certificate.

use std::path::Path;

use chrono_tz::Tz;

use super::display_name;
use crate::app::AppError;
use crate::cert::bundle::pick_leaf;
use crate::cert::normal::normal_pem;
use crate::cert::parse::CertInfo;
use crate::cert::reason::Refusal;
use crate::cert::sniff::{read_limited, sniff, SniffError};

/// The leaf certificate of `file` in normal form: PEM (LF, 64 columns), or DER
/// when `der`. A file that cannot give one is [`AppError::Refused`], its
/// reason in French dated in `tz`.
pub fn normalize(file: &Path, limit: u64, der: bool, tz: Tz) -> Result<Vec<u8>, AppError> {
    let name = display_name(file);
    let refuse = |r: Refusal| AppError::Refused {
        file: name.clone(),
        reason: r.fr(tz),
        code: r.code(),
    };
    let bytes = read_limited(file, limit).map_err(|e| refuse(Refusal::File(e)))?;
    let s = sniff(&bytes);
    if let Some(p) = s.problem {
        return Err(refuse(Refusal::File(p)));
    }
    let infos: Vec<CertInfo> = s
        .certs
        .iter()
        .map(|d| CertInfo::from_der(d))
        .collect::<Result<_, _>>()
        .map_err(|e| refuse(Refusal::File(SniffError::Unreadable(e.0))))?;
    let leaf = &infos[pick_leaf(&infos).map_err(refuse)?];
    Ok(if der {
        leaf.der.clone()
    } else {
        normal_pem(&leaf.der).into_bytes()
    })
}
