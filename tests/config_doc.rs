//! The configuration reference, the sample `vigie init` writes and the code
//! must agree.

use vigie::config::raw;
use vigie::config::{Config, SAMPLE};

/// Every dotted key of a JSON object (`alerts.thresholds`…).
fn keys(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
    if let Some(map) = v.as_object() {
        for (k, child) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if child.is_object() {
                keys(&path, child, out);
            } else {
                out.push(path);
            }
        }
    }
}

fn all_keys() -> Vec<String> {
    // The keys as written in the file. The SMTP section is absent by
    // default; fill it in to list its keys.
    let config = raw::Config {
        smtp: Some(raw::Smtp {
            host: "h".into(),
            port: None,
            tls: Default::default(),
            username: None,
            password_file: None,
            password_env: None,
            from: "a@example.org".into(),
            ca_file: None,
            timeout_secs: 30,
        }),
        ..raw::Config::default()
    };
    let mut out = Vec::new();
    keys("", &serde_json::to_value(&config).unwrap(), &mut out);
    out
}

#[test]
fn the_reference_names_every_key() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    let missing: Vec<_> = all_keys()
        .into_iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md lacks {missing:?}"
    );
}

#[test]
fn the_reference_names_no_key_the_code_does_not_know() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    let known = all_keys();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let key = line.trim_start_matches("| `").split('`').next().unwrap();
        assert!(
            known.iter().any(|k| k == key),
            "docs/configuration.md documents unknown key {key}"
        );
    }
}

#[test]
fn the_sample_shows_every_key_and_loads_to_the_defaults() {
    let config = Config::parse(SAMPLE, std::path::Path::new("templates/vigie.toml")).unwrap();
    assert_eq!(config, Config::default());
    for key in all_keys() {
        let leaf = key.rsplit('.').next().unwrap();
        assert!(
            SAMPLE.lines().any(|l| l
                .trim_start_matches(['#', ' '])
                .starts_with(&format!("{leaf} ="))),
            "templates/vigie.toml does not show {key}"
        );
    }
}

#[test]
fn the_example_production_configuration_loads() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/vigie.toml"));
    let config = Config::load(path).unwrap();
    assert!(matches!(
        config.national.destination,
        vigie::config::Destination::Https(_)
    ));
}
