//! `vigie demo`, the README's first command, does the whole loop.

use crate::support::Case;

#[test]
fn the_demo_runs_the_whole_loop() {
    let case = Case::new();
    let out = case.cmd().args(["demo", "--dir", "demo"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout);
    for state in ["ok", "warning", "critical", "expired", "missing"] {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().any(|w| w == state)),
            "no desk in state {state}:\n{table}"
        );
    }
    let dir = case.path("demo");

    // Every shape was accepted, the private key refused.
    let all = format!("{table}{stderr}");
    assert_eq!(
        all.matches("accepté pour le guichet").count(),
        10 + 1 + 6,
        "{all}"
    );
    assert!(all.contains("clé privée"), "{all}");
    assert!(
        !dir.join("incoming/refused")
            .read_dir()
            .unwrap()
            .any(|_| true),
        "the key file lingers"
    );

    // The national folder holds the pushed PEM files and a manifest naming them.
    let national = dir.join("national");
    let pems: Vec<_> = std::fs::read_dir(&national)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pem"))
        .collect();
    assert_eq!(pems.len(), 11);
    for p in &pems {
        let text = std::fs::read_to_string(p.path()).unwrap();
        assert!(
            text.starts_with("-----BEGIN CERTIFICATE-----\n")
                && text.ends_with("-----END CERTIFICATE-----\n")
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(national.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest.as_array().unwrap().len(), 11);

    // The outbox holds French alerts a mail client opens: valid MIME with text
    // and HTML alternatives.
    let mut alerts = 0;
    for e in std::fs::read_dir(dir.join("outbox")).unwrap().flatten() {
        let raw = std::fs::read_to_string(e.path()).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").expect("headers and body");
        let header = |name: &str| {
            head.lines()
                .find(|l| {
                    l.to_ascii_lowercase()
                        .starts_with(&format!("{}:", name.to_ascii_lowercase()))
                })
                .map(|l| l.split_once(':').unwrap().1.trim().to_owned())
        };
        assert!(header("Message-ID").is_some(), "{raw}");
        assert!(header("MIME-Version").is_some(), "{raw}");
        let subject = crate::smtp::decode_words(&header("Subject").unwrap());
        let ctype = header("Content-Type").unwrap();
        // The digest carries its chart and the report attached (issue 15):
        // its alternatives sit in a multipart/mixed.
        let top = if subject.contains("Synthèse") {
            "multipart/mixed"
        } else {
            "multipart/alternative"
        };
        assert!(ctype.starts_with(top), "{ctype}");
        assert!(
            body.contains("text/plain") && body.contains("text/html"),
            "{raw}"
        );
        if subject.contains("fin de vie") {
            alerts += 1;
        }
    }
    assert!(
        alerts >= 3,
        "expected the 90, 30 and 7-day alerts, saw {alerts}"
    );

    // The audit log tells the story, and a second demo replaces the first.
    let log = case.json(&["--data-dir", dir.to_str().unwrap(), "log", "--json"]);
    assert!(log.as_array().unwrap().len() > 30);
    case.ok(&["demo", "--dir", "demo"]);
}

#[test]
fn the_demo_never_overwrites_a_folder_it_did_not_make() {
    let case = Case::new();
    case.file("mine/precious.txt", "keep me");
    let out = case.run(&["demo", "--dir", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(case.path("mine/precious.txt")).unwrap(),
        "keep me"
    );
}
