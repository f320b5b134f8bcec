//! What the weekly digest carries besides its words (DESIGN §11): the
//! expiry chart of the report as an inline PNG, referenced by the HTML
//! part through its Content-ID and told in words for whoever cannot see
//! it, and the HTML report itself attached.
//!
//! Both are drawn from the store when the digest is sent (the report is
//! too large to keep in the alert log with the digest's content), with the
//! same reading as `vigie report`: the chart, its words and the attached
//! page show the same figures as `vigie status` at that instant.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Body, MultiPart, SinglePart};
use serde::Serialize;

use crate::clock::Instant;
use crate::config::Config;
use crate::report::{self, Png, Regions, Scope};
use crate::store::{Store, StoreError};

/// The digest's chart and attached report.
#[derive(Debug, Clone)]
pub struct DigestParts {
    /// The chart, when it could be drawn.
    pub chart: Option<Chart>,
    /// The chart in French words (the image's `alt`, and the text part's
    /// line): every month with certificates ending, by state.
    pub alt: String,
    /// The attached report's file name, `rapport-vigie-YYYY-MM-DD.html`.
    pub report_name: String,
    /// The report page, as `vigie report --format html` writes it.
    pub report_html: String,
}

/// The chart as the message carries it.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its Content-ID, without angle brackets.
    pub cid: String,
    /// The drawing.
    pub png: Png,
}

/// What the templates see of the parts, as `chart`.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    /// The Content-ID to write as `cid:…`; absent when the chart could not
    /// be drawn (the words stay).
    pub cid: Option<String>,
    /// The chart in words.
    pub alt: String,
    /// Its width and height in CSS pixels (the PNG has
    /// [`report::PNG_SCALE`] times as many).
    pub width: u32,
    /// See `width`.
    pub height: u32,
}

/// The parts of the digest whose Message-ID is `message_id`, at `now`.
pub fn gather(
    store: &Store,
    config: &Config,
    now: Instant,
    message_id: &str,
) -> Result<DigestParts, StoreError> {
    let tz = config.tz();
    let built = report::read(store, config, now, tz, Scope::default(), None)?;
    let months = report::timeline(&built.rows, now, tz);
    let svg = report::timeline_svg(&months);
    let chart = match report::svg_to_png(&svg) {
        Ok(png) => Some(Chart {
            cid: content_id(message_id),
            png,
        }),
        Err(e) => {
            // The words and the attached page still carry the figures.
            tracing::warn!(error = %e, "the digest goes without its chart");
            None
        }
    };
    Ok(DigestParts {
        chart,
        alt: report::timeline_alt(&months),
        report_name: format!(
            "rapport-vigie-{}.html",
            now.with_timezone(&tz).format("%Y-%m-%d")
        ),
        report_html: report::page(&built, &Regions::new(&config.regions), false),
    })
}

/// The chart's Content-ID: unique with the message's (RFC 2392 asks it
/// to be worldwide unique, as a Message-ID is), and the same on a retry.
fn content_id(message_id: &str) -> String {
    let id = message_id.trim_matches(['<', '>']);
    if id.is_empty() {
        "graphique-echeances@vigie.invalid".to_owned()
    } else {
        format!("graphique-echeances.{id}")
    }
}

impl DigestParts {
    /// The template variable `chart`.
    pub fn view(&self) -> ChartView {
        let (width, height) = self.chart.as_ref().map_or((0, 0), |c| {
            (
                c.png.width / report::PNG_SCALE,
                c.png.height / report::PNG_SCALE,
            )
        });
        ChartView {
            cid: self.chart.as_ref().map(|c| c.cid.clone()),
            alt: self.alt.clone(),
            width,
            height,
        }
    }

    /// The body of the digest: `multipart/mixed` of the alternatives and
    /// the attached report; the HTML alternative is `multipart/related`
    /// with the chart when it names the chart's `cid:` (an operator's
    /// template may not), so that a reader showing the text sees no image
    /// and one showing the HTML no stray attachment.
    pub fn body(&self, text: SinglePart, html: SinglePart, html_source: &str) -> MultiPart {
        let alternative = MultiPart::alternative().singlepart(text);
        let alternative = match (&self.chart, png_type()) {
            (Some(c), Some(png)) if html_source.contains(&format!("cid:{}", c.cid)) => alternative
                .multipart(
                    MultiPart::related().singlepart(html).singlepart(
                        Attachment::new_inline_with_name(c.cid.clone(), "echeances.png".into())
                            .body(c.png.bytes.clone(), png),
                    ),
                ),
            _ => alternative.singlepart(html),
        };
        let report = Attachment::new(self.report_name.clone()).body(
            // As bytes, which lettre encodes in base64 as they are: the file
            // arrives identical to `vigie report`'s (a string would have its
            // line ends turned into CRLF), and its long lines pass relays.
            Body::new(self.report_html.clone().into_bytes()),
            ContentType::TEXT_HTML,
        );
        MultiPart::mixed().multipart(alternative).singlepart(report)
    }
}

/// `image/png`, which lettre has no constant for (its parser accepts it:
/// `None` never happens, and the chart would only be left out).
fn png_type() -> Option<ContentType> {
    ContentType::parse("image/png").ok()
}
