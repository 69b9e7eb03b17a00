//! Uploaded files (a reporter's evidence, a staff member's attachments): recognised by their
//! bytes, never by their name; photos checked for size and completeness before any pixel is
//! decoded (decompression bombs and truncated files are refused), turned upright and
//! re-encoded without EXIF, GPS or ICC data; PDFs stripped of their document information and
//! XMP metadata. Staff may also attach Word, Excel and OFD documents, cleaned of who made
//! them ([`staff`]), under their own names.

mod archive;
mod documents;
mod pdf_metadata;
mod staff;
mod upload;
mod xml_clean;

pub use documents::Document;
pub use staff::{prepare_staff, prepare_staff_all, staff_name};
pub use upload::{Upload, read_text, read_upload};

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// A file ready to store: already checked and, for photos, re-encoded without metadata.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    /// A reporter's file: a neutral name (`attachment-1.jpg`), as their own file name may
    /// identify them. A staff member's: the name they gave it, cleaned ([`staff_name`]).
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub use crate::limits::{MAX_FILE_BYTES, MAX_FILES};
/// Widest or tallest photo accepted, in pixels.
pub const MAX_DIMENSION: u32 = 12_000;
/// Most pixels a photo may have (40 megapixels: a 50 MP phone's full-resolution shot is
/// refused, its default 12 MP one is not). Checked from the header, before decoding.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Most memory one decode may take: four bytes per pixel at most.
const MAX_DECODE_ALLOC: u64 = 4 * MAX_PIXELS;
/// Most memory all decodes of the process take together, however many image workers run
/// (`JIANDUKA_WORKERS`): one photo at the limit, or several smaller ones, at a time.
pub const DECODE_BUDGET: u64 = MAX_DECODE_ALLOC;
/// The process's one decode budget.
static DECODES: crate::pool::MemoryBudget = crate::pool::MemoryBudget::new(DECODE_BUDGET);

/// What the bytes say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

/// Why a file was refused; each maps to a locale key and an HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// More than [`MAX_FILES`].
    TooMany,
    /// Over [`MAX_FILE_BYTES`].
    TooLarge,
    /// Not a JPEG, PNG, WebP or PDF, whatever its name says.
    NotAllowed,
    /// A photo larger than [`MAX_DIMENSION`] or [`MAX_PIXELS`], or too big to decode safely.
    TooManyPixels,
    /// Claims to be a photo but cannot be read, or is cut short.
    Unreadable,
    /// A staff document with macros or ActiveX controls (.docm, .xlsm, a VBA project).
    Macro,
    /// A Word or Excel 97–2003 file (.doc, .xls, .wps, .et), or a password-protected Office
    /// file: nothing in it can be cleaned.
    LegacyOffice,
    /// A document whose parts are encrypted (a password-protected ZIP).
    Encrypted,
    /// A document that would unpack to too much (too many entries, too many bytes, or an
    /// entry that grows too many times its size).
    ArchiveTooLarge,
    /// Not a file staff may attach (the staff side's wider list).
    NotAllowedForStaff,
}

impl FileProblem {
    /// The locale key of the message shown next to the attachment field.
    pub fn message_key(self) -> &'static str {
        match self {
            FileProblem::TooMany => "intake_error_files_too_many",
            FileProblem::TooLarge => "intake_error_file_too_large",
            FileProblem::NotAllowed => "intake_error_file_type",
            FileProblem::TooManyPixels => "intake_error_file_pixels",
            FileProblem::Unreadable => "intake_error_file_unreadable",
            FileProblem::Macro => "documents_error_macro",
            FileProblem::LegacyOffice => "documents_error_legacy_office",
            FileProblem::Encrypted => "documents_error_encrypted",
            FileProblem::ArchiveTooLarge => "documents_error_archive_too_large",
            FileProblem::NotAllowedForStaff => "documents_error_file_type",
        }
    }

    /// The HTTP status the refusal answers with.
    pub fn status(self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            FileProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            FileProblem::NotAllowed
            | FileProblem::NotAllowedForStaff
            | FileProblem::Macro
            | FileProblem::LegacyOffice => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// Recognises a file by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Checks and cleans every file, in order; `index` numbers the neutral file names.
/// CPU-heavy: call from `spawn_blocking`.
pub fn prepare_all(files: Vec<Vec<u8>>) -> Result<Vec<NewAttachment>, FileProblem> {
    if files.len() > MAX_FILES {
        return Err(FileProblem::TooMany);
    }
    files
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| prepare(i + 1, bytes))
        .collect()
}

/// Checks and cleans one file.
pub fn prepare(index: usize, bytes: Vec<u8>) -> Result<NewAttachment, FileProblem> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let kind = sniff(&bytes).ok_or(FileProblem::NotAllowed)?;
    let (data, content_type, ext) = clean(kind, bytes)?;
    Ok(NewAttachment {
        filename: format!("attachment-{index}.{ext}"),
        content_type: content_type.to_string(),
        data,
    })
}

/// A photo or PDF cleaned: its bytes, content type and extension.
fn clean(kind: Kind, bytes: Vec<u8>) -> Result<(Vec<u8>, &'static str, &'static str), FileProblem> {
    Ok(match kind {
        Kind::Pdf => (pdf_metadata::strip(bytes), "application/pdf", "pdf"),
        Kind::Jpeg => (reencode(&bytes, ImageFormat::Jpeg)?, "image/jpeg", "jpg"),
        // Lossless in, lossless out: PNG keeps screenshots sharp.
        Kind::Png | Kind::Webp => (reencode(&bytes, ImageFormat::Png)?, "image/png", "png"),
    })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

fn pixel_problem(e: &image::ImageError) -> FileProblem {
    match e {
        image::ImageError::Limits(_) => FileProblem::TooManyPixels,
        _ => FileProblem::Unreadable,
    }
}

/// Decodes under limits, applies the EXIF orientation and writes fresh bytes: the encoders
/// write pixels only, so EXIF, GPS, ICC and comments are all gone.
fn reencode(bytes: &[u8], out: ImageFormat) -> Result<Vec<u8>, FileProblem> {
    // The JPEG decoder fills a missing end with grey instead of failing: check it is whole.
    if out == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(FileProblem::Unreadable);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| FileProblem::Unreadable)?;
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| pixel_problem(&e))?;
    let (w, h) = decoder.dimensions();
    if w > MAX_DIMENSION
        || h > MAX_DIMENSION
        || u64::from(w) * u64::from(h) > MAX_PIXELS
        || decoder.total_bytes() > MAX_DECODE_ALLOC
    {
        return Err(FileProblem::TooManyPixels);
    }
    // The pixels, a turned or converted copy of them, and the encoded result: reserved
    // before the first is allocated, held until the result is written.
    let _reserved = DECODES.reserve(
        decoder
            .total_bytes()
            .saturating_mul(2)
            .saturating_add(bytes.len() as u64),
    );
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| pixel_problem(&e))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let mut buffer = Cursor::new(Vec::new());
    match out {
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(image.into_rgb8());
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buffer, 85);
            rgb.write_with_encoder(encoder)
                .map_err(|_| FileProblem::Unreadable)?;
        }
        _ => {
            let encoder = image::codecs::png::PngEncoder::new(&mut buffer);
            let image = match image {
                DynamicImage::ImageRgb8(_)
                | DynamicImage::ImageRgba8(_)
                | DynamicImage::ImageLuma8(_)
                | DynamicImage::ImageLumaA8(_) => image,
                other => DynamicImage::ImageRgba8(other.into_rgba8()),
            };
            image
                .write_with_encoder(encoder)
                .map_err(|_| FileProblem::Unreadable)?;
        }
    }
    Ok(buffer.into_inner())
}

/// Whether a JPEG's image data is followed by its end-of-image marker. The header segments
/// are skipped by their lengths (an embedded EXIF thumbnail has markers of its own); after
/// the first scan starts, an end marker must follow (image data never contains one).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        match bytes[i + 1] {
            0xFF => i += 1,
            0x01 | 0xD0..=0xD8 => i += 2,
            0xD9 => return false,
            0xDA => return bytes[i + 2..].windows(2).any(|w| w == [0xFF, 0xD9]),
            _ => {
                let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                if length < 2 {
                    return false;
                }
                i += 2 + length;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_bytes_not_their_names() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff(b"MZ\x90\x00 this is an exe"), None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::Webp));
    }

    #[test]
    fn a_png_claiming_forty_thousand_pixels_square_is_refused() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&40_000u32.to_be_bytes());
        ihdr.extend_from_slice(&40_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        assert_eq!(
            prepare(1, png).map(|a| a.filename),
            Err(FileProblem::TooManyPixels)
        );
    }

    /// A valid PNG of `width` × `height` black grey pixels, compressed (a few hundred KB for
    /// 12000 × 12000).
    fn black_png(width: u32, height: u32) -> Vec<u8> {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        };
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        let raw = vec![0u8; (width as usize + 1) * height as usize];
        let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);
        chunk(&mut png, b"IDAT", &deflated);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    fn photo(format: ImageFormat) -> Vec<u8> {
        let image =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encodes");
        out.into_inner()
    }

    #[test]
    fn a_twelve_thousand_pixel_square_black_png_is_refused_before_decoding() {
        let png = black_png(12_000, 12_000);
        assert!(png.len() < 1024 * 1024, "{} bytes", png.len());
        assert_eq!(
            prepare(1, png).map(|a| a.filename),
            Err(FileProblem::TooManyPixels)
        );
        // A small one of the same kind is fine.
        assert!(prepare(1, black_png(600, 400)).is_ok());
    }

    #[test]
    fn the_first_half_of_a_photo_is_refused_not_filled_in() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let whole = photo(format);
            assert!(prepare(1, whole.clone()).is_ok(), "{format:?}");
            let half = whole[..whole.len() / 2].to_vec();
            assert_eq!(
                prepare(1, half).map(|a| a.filename),
                Err(FileProblem::Unreadable),
                "{format:?}"
            );
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
