//! The login link drawn as a QR code: an SVG, so that it stays crisp at any
//! size and screen density.

use qrcode::QrCode;
use qrcode::render::svg;

/// `text` as an SVG QR code (medium error correction, with its quiet zone).
pub fn svg(text: &str) -> String {
    match QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(256, 256)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
        // A login link is far below a QR code's capacity.
        Err(e) => {
            tracing::error!(error = %e, "the login link cannot be drawn as a QR code");
            String::new()
        }
    }
}
