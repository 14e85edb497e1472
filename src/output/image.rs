//! PNG outputs (`image/png`, e.g. pyspark `%matplot plt`): decoded once, off the UI loop, and
//! saved to files. Knows nothing about terminals; `ui::images` draws a [`DecodedImage`].

use image::ImageDecoder;
use image::codecs::png::PngDecoder;
use std::fs::OpenOptions;
use std::io::{Cursor, ErrorKind, Write};
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

/// Decodes a PNG. Errors are one readable line: not a PNG, corrupt data, or an image larger
/// than [`MAX_SIDE`] on a side (checked from the header, before any pixel is decoded). Takes
/// milliseconds for a plot, longer for big images: call it off the UI loop.
pub fn decode_png(png: &[u8]) -> Result<DecodedImage, String> {
    if png.is_empty() {
        return Err("image is empty (0 bytes)".into());
    }
    if !png.starts_with(SIGNATURE) {
        return Err(format!(
            "not a PNG image ({} bytes without the PNG signature)",
            png.len()
        ));
    }
    let decoder = PngDecoder::new(Cursor::new(png)).map_err(|e| one_line(&format!("corrupt PNG: {e}")))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(format!("PNG has no pixels ({width}×{height})"));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "PNG too large to show: {width}×{height} pixels (at most {MAX_SIDE}×{MAX_SIDE}); save it instead"
        ));
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => {
            format!("PNG too large to decode in memory: {width}×{height} pixels; save it instead")
        }
        e => one_line(&format!("corrupt PNG: {e}")),
    })?;
    Ok(DecodedImage {
        image,
        width,
        height,
        png: Arc::new(png.to_vec()),
    })
}

/// Collapses an error text to one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes `png` to `dir/base.png`, or `base-1.png`, `base-2.png`, … when taken: never
/// overwrites a file (created with `create_new`, so two savers cannot race onto one name).
/// Path separators and control characters in `base` become `_`; an empty base is `image`.
/// `dir` must exist. Returns the path written.
pub fn save_png(png: &[u8], dir: &Path, base: &str) -> Result<PathBuf, String> {
    let base = safe_base(base);
    for n in 0..10_000u32 {
        let name = if n == 0 {
            format!("{base}.png")
        } else {
            format!("{base}-{n}.png")
        };
        let path = dir.join(name);
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        };
        if let Err(e) = file.write_all(png).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(format!("cannot write {}: {e}", path.display()));
        }
        return Ok(path);
    }
    Err(format!(
        "cannot save {base}.png in {}: names up to {base}-9999.png are all taken",
        dir.display()
    ))
}

/// `base` usable as one file name.
fn safe_base(base: &str) -> String {
    let base = base.trim().trim_end_matches(".png");
    let safe: String = base
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match safe.as_str() {
        "" | "." | ".." => "image".into(),
        _ => safe,
    }
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
        let e = decode_png(b"").unwrap_err();
        assert!(e.contains("empty"), "{e}");
        let e = decode_png(b"<html>not found</html>").unwrap_err();
        assert!(e.starts_with("not a PNG image"), "{e}");
        // A real header with the pixel data cut off.
        let png = fixture_png();
        let e = decode_png(&png[..png.len() / 2]).unwrap_err();
        assert!(e.starts_with("corrupt PNG"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        // Signature only.
        let e = decode_png(SIGNATURE).unwrap_err();
        assert!(e.starts_with("corrupt PNG"), "{e}");
    }

    #[test]
    fn refuses_absurd_sizes_from_the_header() {
        let mut png = fixture_png();
        // Claim 20000×75 in IHDR; the check happens before the CRC or pixels matter.
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        let e = decode_png(&png).unwrap_err();
        assert!(e.contains("too large") || e.starts_with("corrupt PNG"), "{e}");
        // A valid, huge image: built, encoded, refused.
        let big = image::DynamicImage::new_luma8(MAX_SIDE + 1, 1);
        let mut bytes = Vec::new();
        big.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let e = decode_png(&bytes).unwrap_err();
        assert!(e.starts_with("PNG too large to show: 16385×1"), "{e}");
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
        let e = save_png(b"x", &dir.path().join("missing"), "p").unwrap_err();
        assert!(e.starts_with("cannot create"), "{e}");
    }
}
