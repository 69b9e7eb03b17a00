//! Shared by the intake tests: cards inserted directly, crafted files, what a receipt shows.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set, Statement};

use jianduka::cards::{BatchKind, CardStatus};
use jianduka::entities::{card_batches, cards, enterprises, service_points};

/// What kind of card a test needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardKind {
    Enterprise,
    DeskSign,
    Revoked,
}

/// A card inserted through the entities (issuing belongs to the cards domain).
pub struct TestCard {
    pub token: String,
    pub batch_id: i64,
    pub enterprise_id: Option<i64>,
}

/// Inserts a batch and one card of `kind`; returns its token.
pub async fn insert_card(db: &DatabaseConnection, kind: CardKind) -> TestCard {
    let version = jianduka::negative_list::current(db)
        .await
        .expect("negative list");
    let now = Utc::now();
    let batch = card_batches::ActiveModel {
        kind: Set(if kind == CardKind::DeskSign {
            BatchKind::DeskSign
        } else {
            BatchKind::Card
        }),
        channel: Set(if kind == CardKind::DeskSign {
            jianduka::cards::Channel::Window
        } else {
            jianduka::cards::Channel::Visit
        }),
        template: Set("id1".into()),
        list_version_id: Set(version.id),
        scope: Set("district:暨阳街道".into()),
        card_count: Set(100),
        created_by: Set(None),
        created_by_label: Set("test".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("batch");
    let token = jianduka::crypto::random_token::<16>().expect("token");
    let suffix = token[..6].to_string();
    let (enterprise_id, service_point_id) = if kind == CardKind::DeskSign {
        let point = service_points::ActiveModel {
            name: Set("3号窗口".into()),
            hall: Set("市民中心".into()),
            district: Set(Some("浣东街道".into())),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("service point");
        (None, Some(point.id))
    } else {
        let enterprise = enterprises::ActiveModel {
            uscc: Set(format!("91330681MA{suffix}")),
            name: Set("诸暨市测试袜业有限公司".into()),
            district: Set("暨阳街道".into()),
            address: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("enterprise");
        (Some(enterprise.id), None)
    };
    cards::ActiveModel {
        serial: Set(format!("ZJ-{suffix}")),
        token: Set(token.clone()),
        batch_id: Set(batch.id),
        position_in_batch: Set(1),
        enterprise_id: Set(enterprise_id),
        service_point_id: Set(service_point_id),
        status: Set(if kind == CardKind::Revoked {
            CardStatus::Revoked
        } else {
            CardStatus::Active
        }),
        issued_at: Set(now),
        revoked_at: Set((kind == CardKind::Revoked).then_some(now)),
        revoked_reason: Set(None),
        replaced_by_card_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("card");
    TestCard {
        token,
        batch_id: batch.id,
        enterprise_id,
    }
}

/// The query code on a confirmation page, digits only.
pub fn query_code_in(html: &str) -> String {
    let marker = "id=\"query-code\">";
    let start = html.find(marker).expect("page shows a query code") + marker.len();
    let end = html[start..].find('<').expect("code ends") + start;
    html[start..end]
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Rows in `table`.
pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("count")
}

/// A JPEG of `w`×`h` carrying an EXIF APP1 segment with Orientation 6 (rotate 90°) and a
/// GPS IFD whose latitude reference is "N".
pub fn jpeg_with_exif_and_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 90]));
    let mut plain = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut plain, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    let plain = plain.into_inner();
    // TIFF, little-endian: IFD0 at 8 with Orientation and the GPS IFD pointer; GPS IFD at 38.
    let mut tiff: Vec<u8> = b"II\x2A\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A small PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x * 8) as u8, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// A tiny PNG whose header claims `w`×`h` pixels (a decompression bomb's calling card).
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // An IDAT with a little zlib data and IEND, so only the size is wrong.
    let idat = [
        b'I', b'D', b'A', b'T', 0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    out.extend_from_slice(&8u32.to_be_bytes());
    out.extend_from_slice(&idat);
    out.extend_from_slice(&crc32(&idat).to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(b"IEND");
    out.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    out
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

/// The marker bytes of every JPEG segment before the image data.
pub fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() {
        assert_eq!(bytes[i], 0xFF, "segment starts with 0xFF at {i}");
        let marker = bytes[i + 1];
        markers.push(marker);
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let length = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        i += 2 + length;
    }
    markers
}

/// A description long enough to pass.
pub const STORY: &str =
    "我们去市场监管窗口办理营业执照变更，窗口工作人员暗示要请吃饭才能加快办理。";

/// A server on SQLite with settings adjusted by `edit` (for limits and proxy headers).
pub async fn spawn_app_with(
    edit: impl FnOnce(&mut jianduka::config::Settings),
) -> crate::support::TestApp {
    crate::support::spawn_app_with_settings(crate::support::Backend::Sqlite, edit).await
}

/// Adds `n` enterprises in `district`, each holding an active card of batch `batch_id`, or
/// of a new door-to-door batch of their own when `None`. Returns the batch.
pub async fn add_holders(
    db: &DatabaseConnection,
    batch_id: Option<i64>,
    district: &str,
    n: usize,
) -> i64 {
    let now = Utc::now();
    let batch_id = match batch_id {
        Some(id) => id,
        None => {
            let version = jianduka::negative_list::current(db)
                .await
                .expect("negative list");
            card_batches::ActiveModel {
                kind: Set(BatchKind::Card),
                channel: Set(jianduka::cards::Channel::Visit),
                template: Set("id1".into()),
                list_version_id: Set(version.id),
                scope: Set("all".into()),
                card_count: Set(n as i32),
                created_by: Set(None),
                created_by_label: Set("test".into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("batch")
            .id
        }
    };
    for _ in 0..n {
        let token = jianduka::crypto::random_token::<16>().expect("token");
        let suffix = token[..8].to_uppercase().replace(['-', '_'], "X");
        let enterprise = enterprises::ActiveModel {
            uscc: Set(format!("9133{suffix}")),
            name: Set(format!("测试企业{suffix}")),
            district: Set(district.into()),
            address: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("enterprise");
        cards::ActiveModel {
            serial: Set(format!("ZJ-{suffix}")),
            token: Set(token),
            batch_id: Set(batch_id),
            position_in_batch: Set(1),
            enterprise_id: Set(Some(enterprise.id)),
            service_point_id: Set(None),
            status: Set(CardStatus::Active),
            issued_at: Set(now),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            replaced_by_card_id: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("card");
    }
    batch_id
}

/// The one-time submission id in a report form's hidden field.
pub fn submission_id_in(html: &str) -> String {
    let marker = "name=\"submission\" value=\"";
    let start = html.find(marker).expect("form has a submission id") + marker.len();
    let end = html[start..].find('"').expect("id ends") + start;
    html[start..end].to_string()
}
