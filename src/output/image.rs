//! PNG outputs (`image/png`, e.g. pyspark `%matplot plt`): decoded once, off the UI loop, and
//! saved to files. Knows nothing about terminals; `ui::images` draws a [`DecodedImage`].

use super::save::{SaveError, save_new};
use image::ImageDecoder;
use image::codecs::png::PngDecoder;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Widest and tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// A decoded PNG ready to show: decoded once, off the UI loop.
#[derive(Clone, Debug)]
pub struct DecodedImage {
    pub image: image::DynamicImage,
    pub width: u32,
    pub height: u32,
    /// The PNG as received, for saving without re-encoding.
    pub png: Arc<Vec<u8>>,
}

/// The PNG signature every PNG file starts with.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Why a PNG cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("image is empty (0 bytes)")]
    Empty,
    /// The bytes (this many) do not start with the PNG signature.
    #[error("not a PNG image ({0} bytes without the PNG signature)")]
    NotPng(usize),
    /// The PNG decoder refused the data.
    #[error("corrupt PNG: {}", corrupt_reason(.0))]
    Corrupt(#[source] image::ImageError),
    #[error("PNG has no pixels ({width}×{height})")]
    NoPixels { width: u32, height: u32 },
    /// Wider or taller than [`MAX_SIDE`], by its header.
    #[error("PNG too large to show: {width}×{height} pixels (at most {MAX_SIDE}×{MAX_SIDE}); save it instead")]
    TooLarge { width: u32, height: u32 },
    /// The decoder's memory limit refused it.
    #[error("PNG too large to decode in memory: {width}×{height} pixels; save it instead")]
    TooLargeForMemory { width: u32, height: u32 },
}

/// Decodes a PNG. Errors are one readable line: not a PNG, corrupt data, or an image larger
/// than [`MAX_SIDE`] on a side (checked from the header, before any pixel is decoded). Takes
/// milliseconds for a plot, longer for big images: call it off the UI loop.
pub fn decode_png(png: &[u8]) -> Result<DecodedImage, ImageError> {
    if png.is_empty() {
        return Err(ImageError::Empty);
    }
    if !png.starts_with(SIGNATURE) {
        return Err(ImageError::NotPng(png.len()));
    }
    let decoder = PngDecoder::new(Cursor::new(png)).map_err(ImageError::Corrupt)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::NoPixels { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooLargeForMemory { width, height },
        e => ImageError::Corrupt(e),
    })?;
    Ok(DecodedImage {
        image,
        width,
        height,
        png: Arc::new(png.to_vec()),
    })
}

/// An error's text on one line.
/// What is wrong with a PNG, in words: the decoder's own text names its internals (chunk
/// types, CRC values), so it goes to the log and not to the user.
fn corrupt_reason(e: &image::ImageError) -> &'static str {
    tracing::debug!(error = %e, "PNG decoding failed");
    match e {
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => "the data ends too soon",
        image::ImageError::Decoding(_) => "the data is damaged or cut short",
        image::ImageError::Limits(_) => "too large to decode",
        _ => "it cannot be read",
    }
}

/// Writes `png` to `dir/base.png`, or `base-1.png`, `base-2.png`, … when taken (see
/// [`save_new`]). Returns the path written.
pub fn save_png(png: &[u8], dir: &Path, base: &str) -> Result<PathBuf, SaveError> {
    save_new(dir, base, "png", png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::path::PathBuf;

    fn fixture_png() -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/livy/pyspark-matplot-magic.json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let b64: String = v["livy_statement_output"]["data"]["image/png"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect();
        base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
    }

    /// Width and height from the IHDR chunk, read by hand.
    fn header_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&png[16..20]), be(&png[20..24]))
    }

    #[test]
    fn decodes_the_fixture() {
        let png = fixture_png();
        let img = decode_png(&png).unwrap();
        assert_eq!((img.width, img.height), header_size(&png));
        assert_eq!((img.image.width(), img.image.height()), (img.width, img.height));
        assert_eq!(img.png.as_slice(), png.as_slice());
    }

    #[test]
    fn corrupt_data_is_a_readable_error() {
        let e = decode_png(b"").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = decode_png(b"<html>not found</html>").unwrap_err().to_string();
        assert!(e.starts_with("not a PNG image"), "{e}");
        // A real header with the pixel data cut off.
        let png = fixture_png();
        let e = decode_png(&png[..png.len() / 2]).unwrap_err().to_string();
        assert!(
            e == "corrupt PNG: the data is damaged or cut short" || e == "corrupt PNG: the data ends too soon",
            "{e}"
        );
        // Signature only.
        let e = decode_png(SIGNATURE).unwrap_err().to_string();
        assert!(e.starts_with("corrupt PNG"), "{e}");
    }

    #[test]
    fn refuses_absurd_sizes_from_the_header() {
        let mut png = fixture_png();
        // Claim 20000×75 in IHDR; the check happens before the CRC or pixels matter.
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        let e = decode_png(&png).unwrap_err().to_string();
        assert!(e.contains("too large") || e.starts_with("corrupt PNG"), "{e}");
        // A valid, huge image: built, encoded, refused.
        let big = image::DynamicImage::new_luma8(MAX_SIDE + 1, 1);
        let mut bytes = Vec::new();
        big.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let e = decode_png(&bytes).unwrap_err().to_string();
        assert!(e.starts_with("PNG too large to show: 16385×1"), "{e}");
    }

    #[test]
    fn image_errors_display_as_one_line() {
        let cases = [
            (ImageError::Empty, "image is empty (0 bytes)"),
            (
                ImageError::NotPng(5),
                "not a PNG image (5 bytes without the PNG signature)",
            ),
            (ImageError::NoPixels { width: 0, height: 3 }, "PNG has no pixels (0×3)"),
            (
                ImageError::TooLargeForMemory {
                    width: 9000,
                    height: 9000,
                },
                "PNG too large to decode in memory: 9000×9000 pixels; save it instead",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
        let corrupt = ImageError::Corrupt(image::ImageError::IoError(std::io::Error::other("a\n  b")));
        assert_eq!(corrupt.to_string(), "corrupt PNG: it cannot be read");
    }

    #[test]
    fn save_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_png(b"one", dir.path(), "plot").unwrap();
        let b = save_png(b"two", dir.path(), "plot").unwrap();
        let c = save_png(b"three", dir.path(), "plot.png").unwrap();
        assert_eq!(a, dir.path().join("plot.png"));
        assert_eq!(b, dir.path().join("plot-1.png"));
        assert_eq!(c, dir.path().join("plot-2.png"));
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        assert_eq!(std::fs::read(&b).unwrap(), b"two");
        assert_eq!(std::fs::read(&c).unwrap(), b"three");
        // No escaping the directory.
        let d = save_png(b"x", dir.path(), "../up/../x").unwrap();
        assert_eq!(d.parent().unwrap(), dir.path());
        let e = save_png(b"x", &dir.path().join("missing"), "p")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot create"), "{e}");
    }
}
