//! A throwaway Dovecot (Debian's `dovecot-imapd`) for the IMAP tests: its
//! own configuration, base and state directories, a passwd-file user with
//! a generated password, a certificate made by the test's own CA, and two
//! listeners on loopback — IMAPS, and IMAP for STARTTLS and plain text.
//! Messages are delivered and counted with `doveadm`, Dovecot's own tool,
//! independently of vigie's client. Stopped (`doveadm stop`) on drop.
//!
//! As root, Dovecot's login processes must run as an unprivileged user
//! (`dovenull`), its internal processes as `dovecot`, and the mail user may
//! not be uid 0: the mailbox then belongs to `nobody`. As any other user,
//! everything runs as that user.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The account's user name.
pub const USER: &str = "gestion";

/// A running Dovecot.
pub struct Dovecot {
    /// Its instance folder (configuration, sockets, mail, log).
    pub dir: tempfile::TempDir,
    conf: PathBuf,
    /// The IMAP port (STARTTLS or plain text).
    pub imap_port: u16,
    /// The IMAPS port.
    pub imaps_port: u16,
    /// The account's password.
    pub password: String,
    /// The CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn binary(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "{name} is not installed: the IMAP tests need a real Dovecot \
         (Debian package dovecot-imapd: apt-get install dovecot-imapd)"
    );
}

/// The name of the user running the tests, and its uid and gid.
fn current_user() -> (String, u32, u32) {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().expect("id runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    (
        id("-un"),
        id("-u").parse().expect("uid"),
        id("-g").parse().expect("gid"),
    )
}

impl Dovecot {
    /// Starts a Dovecot with the default capabilities.
    pub fn start() -> Dovecot {
        Dovecot::start_with("")
    }

    /// Starts a Dovecot with `extra` lines in its configuration (such as
    /// `imap_capability`), and waits for its greeting.
    pub fn start_with(extra: &str) -> Dovecot {
        let dovecot = binary("dovecot");
        binary("doveadm");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        // Dovecot's unprivileged processes must reach their sockets.
        set_mode(root, 0o755);
        let pki = crate::https_server::Pki::generate(&root.join("pki"));
        set_mode(&root.join("pki"), 0o755);
        let (me, uid, gid) = current_user();
        let (internal, login, mail_uid, mail_gid) = if uid == 0 {
            ("dovecot".to_owned(), "dovenull".to_owned(), 65534, 65534)
        } else {
            (me.clone(), me, uid, gid)
        };
        let password = format!(
            "pw-{}",
            hex(&std::fs::read("/proc/sys/kernel/random/uuid").unwrap_or_default())
        );
        let passwd = root.join("passwd");
        std::fs::write(&passwd, format!("{USER}:{{PLAIN}}{password}\n")).unwrap();
        // Read by the auth worker, which runs as the internal user.
        set_mode(&passwd, 0o644);
        for sub in ["run", "state", "home", "Maildir"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        if uid == 0 {
            for sub in ["home", "Maildir"] {
                chown(&root.join(sub), mail_uid, mail_gid);
            }
        }
        let (imap_port, imaps_port) = (free_port(), free_port());
        let r = root.display();
        let conf = root.join("dovecot.conf");
        std::fs::write(
            &conf,
            format!(
                "base_dir = {r}/run\n\
                 state_dir = {r}/state\n\
                 log_path = {r}/dovecot.log\n\
                 protocols = imap\n\
                 listen = 127.0.0.1\n\
                 ssl = yes\n\
                 ssl_cert = <{cert}\n\
                 ssl_key = <{key}\n\
                 default_internal_user = {internal}\n\
                 default_login_user = {login}\n\
                 first_valid_uid = 1\n\
                 disable_plaintext_auth = no\n\
                 auth_mechanisms = plain login\n\
                 mail_location = maildir:{r}/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {passwd}\n}}\n\
                 userdb {{\n  driver = static\n  args = uid={mail_uid} gid={mail_gid} home={r}/home\n}}\n\
                 service imap-login {{\n  chroot =\n\
                   inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n\
                   inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n    ssl = yes\n  }}\n}}\n\
                 {extra}\n",
                cert = pki.server_cert.display(),
                key = pki.server_key.display(),
                passwd = passwd.display(),
            ),
        )
        .unwrap();
        // Dovecot daemonises and keeps inherited descriptors: nothing of
        // ours is handed to it.
        let status = Command::new(&dovecot)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("dovecot starts");
        let server = Dovecot {
            dir,
            conf,
            imap_port,
            imaps_port,
            password,
            ca: pki.ca.clone(),
        };
        assert!(
            status.success(),
            "dovecot failed to start: {}",
            server.log()
        );
        server.wait_for_greeting(imap_port);
        server
    }

    /// Waits (at most a minute) until the plain listener greets.
    fn wait_for_greeting(&self, port: u16) {
        use std::io::Read;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4];
                if s.read_exact(&mut buf).is_ok() && &buf == b"* OK" {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not greet on 127.0.0.1:{port} within 60 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Dovecot's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    fn doveadm(&self, args: &[&str], input: Option<&[u8]>) -> String {
        use std::io::Write;
        let mut child = Command::new(binary("doveadm"))
            .arg("-c")
            .arg(&self.conf)
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("doveadm runs");
        if let Some(bytes) = input {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "doveadm {args:?}: {}{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Delivers a message to INBOX.
    pub fn deliver(&self, message: &[u8]) {
        self.doveadm(&["save", "-u", USER], Some(message));
    }

    /// Delivers a message to `folder` (as Dovecot names it: `vigie.traites`).
    pub fn deliver_to(&self, folder: &str, message: &[u8]) {
        self.doveadm(&["save", "-u", USER, "-m", folder], Some(message));
    }

    /// How many messages `folder` holds (as Dovecot names it), 0 when it
    /// does not exist.
    pub fn count(&self, folder: &str) -> usize {
        let out = Command::new(binary("doveadm"))
            .arg("-c")
            .arg(&self.conf)
            .args(["search", "-u", USER, "mailbox", folder, "ALL"])
            .output()
            .expect("doveadm runs");
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// The folders of the account, as Dovecot names them.
    pub fn folders(&self) -> Vec<String> {
        self.doveadm(&["mailbox", "list", "-u", USER], None)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The `[mail]` section reading this server's INBOX with `security`
    /// (`tls`, `starttls` or `none`), the password in a file.
    pub fn mail_config(&self, security: &str, timeout_secs: u64) -> String {
        let port = if security == "tls" {
            self.imaps_port
        } else {
            self.imap_port
        };
        let pw = self.dir.path().join("imap-password");
        std::fs::write(&pw, format!("{}\n", self.password)).unwrap();
        set_mode(&pw, 0o600);
        format!(
            "[mail]\nsource = \"imap\"\nimap_host = \"127.0.0.1\"\nimap_port = {port}\n\
             imap_security = \"{security}\"\nimap_user = \"{USER}\"\n\
             imap_password_file = \"{}\"\nimap_server_ca = \"{}\"\n\
             imap_timeout_secs = {timeout_secs}\n",
            pw.display(),
            self.ca.display()
        )
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new(binary("doveadm"))
            .arg("-c")
            .arg(&self.conf)
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .filter(|b| b.is_ascii_hexdigit())
        .map(|&b| b as char)
        .collect()
}
