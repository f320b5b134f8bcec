//! The expiry chart as a PNG, for the weekly digest: mail clients show no
//! SVG, so the very SVG of the report ([`super::timeline_svg`]) is
//! rasterised here, in-process, by resvg.
//!
//! The text is drawn with the one font compiled into the binary (Liberation
//! Sans, SIL OFL 1.1, `assets/fonts/`), metric-compatible with the Arial the
//! SVG asks for: the picture is the same on every machine, whatever fonts
//! it has installed, and nothing is read from disk or the network (resvg is
//! built without system fonts, and every `href` resolves to nothing).

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb, ImageHrefResolver};

/// The embedded font, and its family name as the font itself gives it.
const FONT: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const FONT_FAMILY: &str = "Liberation Sans";

/// Pixels per SVG unit: twice, so that the chart stays sharp on high-density
/// screens when the mail shows it at its SVG size.
pub const SCALE: u32 = 2;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The SVG did not parse (a bug in the chart's writer).
    #[error("the chart's SVG does not parse: {0}")]
    Svg(String),
    /// The drawing has no area, or one too large to allocate.
    #[error("the chart's size {0}×{1} cannot be drawn")]
    Size(u32, u32),
    /// The PNG encoder failed.
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(String),
}

/// A drawn chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png {
    /// The PNG file's bytes.
    pub bytes: Vec<u8>,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

/// The font database, built once per process: parsing the font's tables
/// takes longer than drawing a chart.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            // A static slice: the database keeps a reference, not a copy.
            db.load_font_source(fontdb::Source::Binary(Arc::new(FONT)));
            // "sans-serif" (the SVG's last choice, and the only family it
            // names that the database holds) is the embedded font.
            db.set_sans_serif_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Draws `svg` (a complete `<svg>` element) at [`SCALE`] times its size,
/// on white, as a PNG.
pub fn svg_to_png(svg: &str) -> Result<Png, PngError> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: FONT_FAMILY.to_owned(),
        languages: vec!["fr".to_owned()],
        // Nothing the SVG names is loaded: no file, no data URL.
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PngError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let (width, height) = (
        size.width().saturating_mul(SCALE),
        size.height().saturating_mul(SCALE),
    );
    let mut pixmap = Pixmap::new(width, height).ok_or(PngError::Size(width, height))?;
    // Mail clients in dark mode show a transparent PNG on black.
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    #[allow(clippy::cast_precision_loss)]
    let scale = SCALE as f32;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))?;
    Ok(Png {
        bytes,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        let bare = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100" height="40"><rect x="10" y="10" width="20" height="20" fill="#c0392b"/></svg>"##;
        let with_text = bare.replace(
            "</svg>",
            r##"<text x="40" y="25" font-family="DejaVu Sans, Arial, sans-serif" font-size="11" fill="#111">déc. 27</text></svg>"##,
        );
        let a = svg_to_png(bare).unwrap();
        let b = svg_to_png(&with_text).unwrap();
        assert_eq!((a.width, a.height), (200, 80));
        assert!(a.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        // The text changed pixels: a font was found and used.
        assert_ne!(a.bytes, b.bytes);
    }

    #[test]
    fn nothing_outside_is_loaded() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" width="10" height="10"><image href="/etc/passwd" width="10" height="10"/></svg>"##;
        let png = svg_to_png(svg).unwrap();
        assert_eq!((png.width, png.height), (20, 20));
    }
}
