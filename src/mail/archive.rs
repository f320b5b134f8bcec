//! `.zip` attachments (DESIGN §10): one level, at most [`MAX_ENTRIES`]
//! entries and [`MAX_BYTES`] once decompressed, each entry's compression
//! ratio checked, and every read bounded, so that a zip bomb costs no more
//! than the limits.

use std::io::{Cursor, Read};

use super::refusal::MailRefusal;

/// The most entries read from one archive.
pub const MAX_ENTRIES: usize = 100;
/// The most bytes decompressed from one archive, all entries together.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// An entry that decompresses to more than this many times its compressed
/// size is a bomb, not a certificate.
pub const MAX_RATIO: u64 = 100;

/// Whether the bytes open like a zip archive (local file header, or the
/// end-of-central-directory of an empty archive).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The archive's files, by name, or why it is refused. Folders are skipped;
/// nested archives are returned as files (they are not opened: one level).
pub fn entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, MailRefusal> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| MailRefusal::ArchiveUnreadable)?;
    if zip.len() > MAX_ENTRIES {
        return Err(MailRefusal::ArchiveTooLarge);
    }
    let mut total = 0u64;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|_| MailRefusal::ArchiveUnreadable)?;
        if entry.is_dir() {
            continue;
        }
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared / compressed > MAX_RATIO || total + declared > MAX_BYTES {
            return Err(MailRefusal::ArchiveTooLarge);
        }
        let name = entry
            .name()
            .map_err(|_| MailRefusal::ArchiveUnreadable)?
            .into_owned();
        // The declared size may lie: read at most what is left of the
        // budget, plus one byte to notice a lie.
        let budget = MAX_BYTES - total;
        let mut data = Vec::new();
        entry
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|_| MailRefusal::ArchiveUnreadable)?;
        let got = data.len() as u64;
        if got > budget || got / compressed > MAX_RATIO {
            return Err(MailRefusal::ArchiveTooLarge);
        }
        total += got;
        out.push((name, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in files {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_entries_and_refuses_bombs() {
        let z = zip_of(
            &[("a.cer", b"one"), ("b.txt", b"two")],
            zip::CompressionMethod::Deflated,
        );
        assert!(is_zip(&z));
        let e = entries(&z).unwrap();
        assert_eq!(e[0], ("a.cer".to_owned(), b"one".to_vec()));
        assert_eq!(e.len(), 2);
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let bomb = zip_of(&[("z.cer", &zeros)], zip::CompressionMethod::Deflated);
        assert_eq!(entries(&bomb), Err(MailRefusal::ArchiveTooLarge));
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("{i}.cer"), vec![1]))
            .collect();
        let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = zip_of(&refs, zip::CompressionMethod::Stored);
        assert_eq!(entries(&z), Err(MailRefusal::ArchiveTooLarge));
        assert_eq!(
            entries(b"PK\x03\x04garbage"),
            Err(MailRefusal::ArchiveUnreadable)
        );
    }
}
