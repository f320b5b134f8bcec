//! The generic reads the typed ones are made of: one value by key, every
//! value under a prefix, and the prefix scan that skips values without
//! decoding them.

use super::{decode, Store, StoreError};

impl Store {
    pub(super) fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key).map_err(|e| self.engine(e))? {
            None => Ok(None),
            Some(v) => decode(&v, name, key).map(Some),
        }
    }

    pub(super) fn scan<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        self.scan_containing(tree, name, prefix, &[])
    }

    /// The values under `prefix` whose encoding holds every one of
    /// `needles`, decoded. Values are JSON written by [`encode`], so a field
    /// is found as `"name":"value"` in their bytes: the alert log and the
    /// audit log grow for years, and most of their records are skipped this
    /// way without being decoded. Callers still check the decoded value.
    pub(super) fn scan_containing<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        prefix: &[u8],
        needles: &[Vec<u8>],
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let finders: Vec<memchr::memmem::Finder<'_>> =
            needles.iter().map(memchr::memmem::Finder::new).collect();
        for item in tree.scan_prefix(prefix) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            if finders.iter().all(|f| f.find(&v).is_some()) {
                out.push(decode(&v, name, &k)?);
            }
        }
        Ok(out)
    }
}

/// A JSON field as the encoder writes it, to look for in a value's bytes.
pub(super) fn field(name: &str, value: &str) -> Vec<u8> {
    let value = serde_json::to_string(value).expect("serialising a string to memory");
    format!("\"{name}\":{value}").into_bytes()
}

/// The JSON name of a serialisable unit value (an enum's variant).
pub(super) fn state_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
