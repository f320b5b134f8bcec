//! The dashboard of the real `vigie serve`: pages rendered by headless
//! Chromium, the calendar read by Python's icalendar, the token rule.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::report::{cert_for, desk_id, python, seed_estate, SCRIPT_NAME};
use crate::report_html::{check_numbers_now, rendered_dom, screenshot, shots};
use crate::service::{free_port, Serve};
use crate::support::{code, stderr, Case};

/// One request; returns the status, the head and the body.
fn request(port: u16, path: &str, extra: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (code, head.to_lowercase(), body.to_owned())
}

fn config(listen: &str, extra: &str) -> String {
    // Jobs far in the future: the dashboard is what is tested.
    format!(
        "[service]\nlisten = \"{listen}\"\nalerts = \"0 0 9 1 1 *\"\npush = \"0 0 9 1 1 *\"\n\
         digest = \"0 0 9 1 1 *\"\nbackup = \"0 0 9 1 1 *\"\n{extra}"
    )
}

#[test]
fn the_dashboard_serves_the_live_report_desk_pages_and_the_calendar() {
    crate::need!(crate::support::tools::Tool::Python("icalendar"));
    let port = free_port();
    let case = Case::with_config(&config(&format!("127.0.0.1:{port}"), ""));
    seed_estate(&case);
    // The service judges at the real instant: a desk due in five days
    // from it, named like a script, is among the desks to act on.
    let store = case.store();
    store
        .write(|tx| {
            let id = desk_id(8);
            tx.put_desk(&vigie::desk::Desk {
                id: id.clone(),
                name: SCRIPT_NAME.into(),
                emails: vec![],
                department: None,
                mode: Default::default(),
                lang: Default::default(),
                thresholds: None,
                suspended: false,
                settings: Default::default(),
            })?;
            tx.put_current_cert(&cert_for(
                &id,
                chrono::Utc::now() + chrono::Duration::days(5),
                "",
            ))
        })
        .unwrap();
    drop(store);
    let serve = Serve::start(&case, port);

    let (code, head, body) = request(port, "/", "");
    assert_eq!(code, 200, "{head}\n{body}");
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    let csp = head
        .lines()
        .find(|l| l.starts_with("content-security-policy: "))
        .unwrap_or_else(|| panic!("no CSP: {head}"));
    assert!(
        csp.contains("default-src 'none'") && csp.contains("style-src 'sha256-"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");

    // In a browser: the numbers of status, the name as text, links to the
    // desks; the CSP let the style sheet apply (no violation reported).
    let url = format!("http://127.0.0.1:{port}/");
    let dom = rendered_dom(&url);
    check_numbers_now(&case, &dom);
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!dom.contains(SCRIPT_NAME));
    assert!(
        dom.contains(&format!("<a href=\"/guichets/{0}\">{0}</a>", desk_id(8))),
        "{dom}"
    );
    screenshot(&url, &shots().join("tableau-de-bord.png"));

    // One desk's page.
    let desk = format!("http://127.0.0.1:{port}/guichets/{}", desk_id(2));
    let dom = rendered_dom(&desk);
    assert!(
        dom.contains("Guichet 732829320-00002 — &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );
    assert!(dom.contains("550 5.1.1"), "{dom}");
    assert!(dom.contains("Historique des certificats"));
    screenshot(&desk, &shots().join("guichet.png"));
    assert_eq!(request(port, "/guichets/732829320-99999", "").0, 404);
    assert_eq!(request(port, "/guichets/pas-un-guichet", "").0, 404);

    // The report as a file, and the calendar (whole, one department).
    let (code, _, file) = request(port, "/rapport.html", "");
    assert_eq!(code, 200);
    assert!(!file.contains("href=\"/guichets/"));
    let (code, head, ics) = request(port, "/calendrier.ics?departement=31", "");
    assert_eq!(code, 200);
    assert!(head.contains("content-type: text/calendar"), "{head}");
    let path = case.file("31.ics", ics);
    let events = python(
        "icalendar",
        "import json, sys, icalendar\n\
         cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
         print(json.dumps([str(e['UID']) for e in cal.walk('VEVENT')]))",
        &[&path],
    );
    assert_eq!(events.as_array().unwrap().len(), 4, "{events}");
    let (_, _, all) = request(port, "/calendrier.ics", "");
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 14);
    assert_eq!(request(port, "/calendrier.ics?departement=20", "").0, 400);
    serve.stop();
}

#[test]
fn off_loopback_the_dashboard_needs_a_token() {
    let port = free_port();
    let case = Case::with_config(&config(&format!("0.0.0.0:{port}"), ""));
    let out = case.run(&["serve"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("http_token_file"), "{}", stderr(&out));

    let token = "s3cret-token-for-the-dashboard";
    let case = Case::with_config(&config(
        &format!("0.0.0.0:{port}"),
        "http_token_file = \"token\"\n",
    ));
    // The token file is named relative to where vigie runs (the case).
    case.file("token", format!("{token}\n"));
    seed_estate(&case);
    let serve = Serve::start(&case, port);
    let (code, head, _) = request(port, "/", "");
    assert_eq!(code, 401);
    assert!(head.contains("www-authenticate: bearer"), "{head}");
    assert_eq!(
        request(
            port,
            "/",
            "Authorization: Bearer wrong-token-of-some-length\r\n"
        )
        .0,
        401
    );
    assert_eq!(request(port, "/metrics", "").0, 401);
    let (code, _, body) = request(port, "/", &format!("Authorization: Bearer {token}\r\n"));
    assert_eq!(code, 200);
    assert!(body.contains("data-etat=\"total\">7<"), "{body}");
    serve.stop();
}
