//! The HTML report in a real browser: Debian's Chromium, headless, loads
//! the page; the test reads the DOM it rendered and a screenshot (kept
//! under `target/tmp/` for people to look at).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::report::{desk_id, python, seed_estate, NOW, SCRIPT_NAME};
use crate::support::Case;

/// The Chromium binary; the test that needs it has already checked it is
/// there (`need!`).
fn chromium_bin() -> PathBuf {
    crate::support::tools::find(crate::support::tools::Tool::Chromium)
        .expect("chromium: the test checks it first with need!")
}

/// Runs headless Chromium on `url` with `extra` arguments (a profile of its
/// own, nothing fetched but the page), killed after a minute.
pub fn chromium(url: &str, extra: &[String]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium_bin())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish within a minute on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The DOM Chromium rendered for `url`.
pub fn rendered_dom(url: &str) -> String {
    let out = chromium(url, &["--dump-dom".into()]);
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Takes a screenshot of `url` into `png` (A4 proportions) and checks it
/// is not blank: its pixels take many values.
pub fn screenshot(url: &str, png: &Path) {
    let _ = std::fs::remove_file(png);
    let out = chromium(
        url,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1240,1754".into(),
        ],
    );
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The PNG's pixel rows, decompressed by Python's zlib: a blank page is
    // one or two byte values.
    let distinct = python(
        "zlib",
        "import json, struct, sys, zlib\n\
         data = open(sys.argv[1], 'rb').read()\n\
         pos, idat = 8, b''\n\
         while pos < len(data):\n\
         \x20   n, kind = struct.unpack('>I4s', data[pos:pos+8])\n\
         \x20   if kind == b'IDAT': idat += data[pos+8:pos+8+n]\n\
         \x20   pos += 12 + n\n\
         print(json.dumps(len(set(zlib.decompress(idat)))))",
        &[png],
    );
    assert!(
        distinct.as_u64().unwrap() > 64,
        "the screenshot {} looks blank ({distinct} byte values)",
        png.display()
    );
}

/// The number shown for `state` among the big numbers.
pub fn big_number(dom: &str, state: &str) -> usize {
    let needle = format!("data-etat=\"{state}\">");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("no big number for {state}"));
    dom[at + needle.len()..]
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Where screenshots are kept for people to look at.
pub fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Checks a rendered report against `status --json` at [`NOW`].
pub fn check_numbers(case: &Case, dom: &str) {
    check_status(&case.json(&["--now", NOW, "status", "--json"]), dom);
}

/// Checks a rendered report against `status --json` now (the service's
/// instant).
pub fn check_numbers_now(case: &Case, dom: &str) {
    check_status(&case.json(&["status", "--json"]), dom);
}

fn check_status(status: &serde_json::Value, dom: &str) {
    let status = status.as_array().unwrap();
    assert_eq!(big_number(dom, "total"), status.len());
    for state in ["ok", "warning", "critical", "expired", "missing"] {
        let n = status.iter().filter(|r| r["state"] == state).count();
        assert_eq!(big_number(dom, state), n, "{state}");
    }
}

#[test]
fn the_report_renders_in_chromium_with_the_status_numbers_and_names_as_text() {
    crate::need!(crate::support::tools::Tool::Chromium);
    crate::need!(crate::support::tools::Tool::Python("json"));
    let case = Case::new();
    seed_estate(&case);
    let page = case.path("rapport.html");
    case.ok(&["--now", NOW, "report", "-o", page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch, nothing to run.
    for forbidden in ["<script", "src=", "http://", "https://", "<link", "@import"] {
        let outside_svg_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !outside_svg_namespace.contains(forbidden),
            "{forbidden} in the page"
        );
    }
    let url = format!("file://{}", page.display());
    let dom = rendered_dom(&url);
    check_numbers(&case, &dom);
    // The desk named like a script is text: escaped in the DOM, no script
    // element anywhere.
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );
    assert!(!dom.contains(SCRIPT_NAME));
    // Sections the issue asks for.
    for text in [
        "Fins de vie des 24 prochains mois",
        "Occitanie",
        "31 — Haute-Garonne",
        "Guichets à traiter (4)",
        "550 5.1.1",
        "1</span> refusés",
        "Délai de renouvellement par département",
    ] {
        assert!(dom.contains(text), "{text} not in the page");
    }
    // Urgency: expired Marseille first, then desk 1 (10 days), then desk 2.
    let pos = |n: u32| dom.find(&format!(">{}<", desk_id(n))).unwrap();
    assert!(pos(4) < pos(1) && pos(1) < pos(2));
    // The renewal of desk 3: alerted 01/06/2026, renewed 20/06/2026.
    assert!(
        dom.contains(
            "<td>76</td><td class=\"n\">1</td><td class=\"n\">19</td><td class=\"n\">19</td>"
        ),
        "{dom}"
    );
    // The chart: one bar segment per month with certificates ending in it.
    assert!(dom.contains("<svg"), "no chart");
    assert!(
        dom.contains("<title>janv. 2027 : 1 urgent</title>"),
        "{dom}"
    );
    assert!(
        dom.contains("<title>févr. 2027 : 1 à surveiller</title>"),
        "{dom}"
    );
    screenshot(&url, &shots().join("rapport.png"));

    // --since moves the period: the refusal of 12/01 and the renewal of
    // June 2026 are before 13/01/2027.
    let later = case.ok(&["--now", NOW, "report", "--since", "13/01/2027"]);
    assert!(later.contains("Certificats reçus depuis le 13/01/2027"));
    assert!(later.contains("<span data-arrivees=\"refuses\">0</span>"));
    assert!(later.contains("Aucun renouvellement mesuré."));
    let out = case.run(&["--now", NOW, "report", "--since", "hier"]);
    assert_eq!(crate::support::code(&out), 2);
}
