//! The configured Maildir as a mailbox (`[mail] source = "maildir"`):
//! Maildir++ folders as Dovecot keeps them (`INBOX` is the Maildir itself,
//! folder `a/b` is its `.a.b` sub-folder), messages listed from `new` then
//! `cur`, and moved between folders by `rename`, which is atomic within the
//! Maildir: a message is always in exactly one folder, never lost.

use std::path::{Path, PathBuf};

/// The directory of a folder.
pub fn folder_dir(root: &Path, name: &str) -> PathBuf {
    if name.eq_ignore_ascii_case("INBOX") {
        root.to_owned()
    } else {
        root.join(format!(".{}", name.replace('/', ".")))
    }
}

/// Creates a folder's `cur`, `new` and `tmp` when missing (owner only).
pub fn ensure(dir: &Path) -> std::io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        let d = dir.join(sub);
        if !d.is_dir() {
            std::fs::create_dir_all(&d)?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// The messages of a folder: `new` then `cur`, each sorted by name.
pub fn messages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Moves a message into folder `dest` (its `cur`, marked seen), keeping
/// its unique name. Returns where it is now.
pub fn move_to(file: &Path, dest: &Path) -> std::io::Result<PathBuf> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Maildir info: `:2,` then flags, sorted; S is "seen".
    let (base, flags) = match name.split_once(":2,") {
        Some((b, f)) => (b.to_owned(), f.to_owned()),
        None => (name.clone(), String::new()),
    };
    let mut flags: Vec<char> = flags.chars().collect();
    if !flags.contains(&'S') {
        flags.push('S');
    }
    flags.sort_unstable();
    let target = dest.join("cur").join(format!(
        "{base}:2,{}",
        flags.into_iter().collect::<String>()
    ));
    std::fs::rename(file, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_moves() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(folder_dir(root.path(), "INBOX"), root.path());
        assert_eq!(
            folder_dir(root.path(), "vigie/traites"),
            root.path().join(".vigie.traites")
        );
        ensure(root.path()).unwrap();
        std::fs::write(root.path().join("new/1.host"), b"m").unwrap();
        std::fs::write(root.path().join("cur/0.host:2,R"), b"m").unwrap();
        let msgs = messages(root.path()).unwrap();
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].ends_with("new/1.host"));
        let dest = folder_dir(root.path(), "vigie/traites");
        ensure(&dest).unwrap();
        let moved = move_to(&msgs[0], &dest).unwrap();
        assert!(moved.ends_with("cur/1.host:2,S"), "{moved:?}");
        let moved = move_to(&msgs[1], &dest).unwrap();
        assert!(moved.ends_with("cur/0.host:2,RS"), "{moved:?}");
        assert!(messages(root.path()).unwrap().is_empty());
    }
}
