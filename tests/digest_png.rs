//! The weekly digest's chart and attached report (issue 15), read back from
//! the delivered message by Python's `email` package, the PNG decoded with
//! nothing but `zlib` and `struct`, the attachment checked against
//! `vigie status --json`. The chart is kept under
//! `target/tmp/screenshots/digest-chart.png`.

use std::path::PathBuf;

use crate::report::{python, seed_estate, NOW};
use crate::report_html::check_numbers;
use crate::support::Case;

/// Reads the message in argv[1]: its MIME tree, the chart's part (type,
/// Content-ID, size and colours of the decoded picture), whether the HTML
/// names the chart, the attachment.
const READER: &str = r#"
import sys, json, email, email.policy, struct, zlib
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
tree = [p.get_content_type() for p in msg.walk()]
html = msg.get_body(preferencelist=("html",)).get_content()
text = msg.get_body(preferencelist=("plain",)).get_content()

def pixels(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos, idat, ihdr = 8, b"", None
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + data) != struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError("bad CRC in " + kind.decode())
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    w, h, depth, ctype = ihdr[:4]
    assert depth == 8 and ctype in (2, 6), ihdr
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = {}
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            colours[px] = colours.get(px, 0) + 1
        prev = line
    return w, h, colours

out = {"tree": tree, "size": len(raw), "html": html, "text": text, "images": [], "attachments": []}
for part in msg.walk():
    if part.get_content_type() == "image/png":
        data = part.get_payload(decode=True)
        if len(sys.argv) > 2:
            open(sys.argv[2], "wb").write(data)
        w, h, colours = pixels(data)
        out["images"].append({
            "cid": str(part["Content-ID"]),
            "disposition": part.get_content_disposition(),
            "width": w, "height": h, "bytes": len(data),
            "colours": len(colours),
            "colour_list": sorted(c.hex() for c, n in colours.items() if n >= 40),
        })
    elif part.get_content_disposition() == "attachment":
        out["attachments"].append({
            "name": part.get_filename(),
            "type": part.get_content_type(),
            "encoding": str(part["Content-Transfer-Encoding"]),
            "content": part.get_payload(decode=True).decode("utf-8"),
        })
print(json.dumps(out))
"#;

/// The one digest in the case's outbox.
fn digest_file(case: &Case) -> PathBuf {
    let digests: Vec<PathBuf> = crate::messages::outbox(case)
        .into_iter()
        .filter(|p| {
            crate::messages::parse(&std::fs::read(p).unwrap())
                .header("Subject")
                .is_some_and(|s| s.contains("Synthèse"))
        })
        .collect();
    assert_eq!(digests.len(), 1, "one digest in the outbox: {digests:?}");
    digests.into_iter().next().unwrap()
}

#[test]
fn the_digest_carries_the_chart_as_an_inline_png_and_the_report_attached() {
    let case = Case::new();
    seed_estate(&case);
    case.ok(&["--now", NOW, "alerts", "digest"]);
    let file = digest_file(&case);
    // The chart is kept for people to look at, beside the screenshots.
    let shot = crate::report_html::shots().join("digest-chart.png");
    let m = python("email", READER, &[&file, &shot]);

    // mixed [ alternative [ text, related [ html, png ] ], report ].
    let tree: Vec<&str> = m["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tree,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "multipart/related",
            "text/html",
            "image/png",
            "text/html",
        ]
    );

    // The picture: inline, named by the HTML, of the chart's size at twice
    // its scale, and drawn (white, the bars' colours, the text's).
    let images = m["images"].as_array().unwrap();
    assert_eq!(images.len(), 1);
    let img = &images[0];
    assert_eq!(img["disposition"], "inline");
    let cid = img["cid"].as_str().unwrap();
    assert!(cid.starts_with('<') && cid.ends_with('>'), "{cid}");
    let html = m["html"].as_str().unwrap();
    let reference = format!("src=\"cid:{}\"", cid.trim_matches(['<', '>']));
    assert!(html.contains(&reference), "{reference} not in the HTML");
    assert_eq!(
        (img["width"].as_u64(), img["height"].as_u64()),
        (Some(1520), Some(560))
    );
    assert!(
        img["colours"].as_u64().unwrap() > 8,
        "the chart looks blank: {} colours",
        img["colours"]
    );
    let colours: Vec<&str> = img["colour_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for (state, colour) in [
        ("background", "ffffff"),
        ("ok", "2e7d4f"),
        ("critical", "c0392b"),
    ] {
        assert!(
            colours.contains(&colour),
            "no {state} pixels ({colour}) in {colours:?}"
        );
    }

    // The words say what the picture shows, in the alt and the text part.
    let words = "Certificats arrivant à échéance, par mois, sur 24 mois : ";
    let text = m["text"].as_str().unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(words))
        .unwrap_or_else(|| panic!("no chart line in the text part:\n{text}"))
        .trim();
    assert!(
        html.contains(&format!("alt=\"{line}\"")),
        "alt «{line}» not in the HTML"
    );
    let status = case.json(&["--now", NOW, "status", "--json"]);
    let ending = status
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] != "expired" && r["state"] != "missing")
        .count();
    assert!(line.contains(&format!(": {ending} au total.")), "{line}");
    assert!(line.contains("janv. 2027 : "), "{line}");

    // The report, attached as the file `vigie report` writes, with the
    // status figures.
    let attachments = m["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    let a = &attachments[0];
    assert_eq!(a["name"], "rapport-vigie-2027-01-15.html");
    assert_eq!(a["type"], "text/html");
    assert_eq!(a["encoding"], "base64");
    let page = a["content"].as_str().unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..80.min(page.len())]
    );
    check_numbers(&case, page);
    let report = case.path("rapport.html");
    case.ok(&["--now", NOW, "report", "-o", report.to_str().unwrap()]);
    assert_eq!(page, std::fs::read_to_string(&report).unwrap());

    // A few desks make a small message: the chart is tens of kilobytes.
    let size = m["size"].as_u64().unwrap();
    assert!(img["bytes"].as_u64().unwrap() < 100_000, "{}", img["bytes"]);
    assert!(size < 400_000, "the digest is {size} bytes");
}

#[test]
fn an_overriding_template_without_the_chart_gets_no_stray_image() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("digest.fr.html"),
        "<p>Synthèse du {{ today }}</p>\n",
    )
    .unwrap();
    let case = Case::with_config(&format!("templates_dir = \"{}\"\n", dir.path().display()));
    seed_estate(&case);
    case.ok(&["--now", NOW, "alerts", "digest"]);
    let m = python("email", READER, &[&digest_file(&case)]);
    assert!(m["images"].as_array().unwrap().is_empty(), "{}", m["tree"]);
    assert_eq!(m["attachments"].as_array().unwrap().len(), 1);
}
