//! The optional second factor: time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second
//! steps, 6 digits), as every common authenticator app computes them. A code is accepted for
//! the step before and after the current one (clock drift), and never twice. An admin can
//! require it per role.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Set};

use super::Role;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::{settings, users};

/// Seconds per step.
const STEP_SECONDS: i64 = 30;
use crate::access::TOTP_ROLES_KEY as REQUIRED_KEY;

/// A new random secret, as authenticator apps take it (base32, 160 bits).
pub fn new_secret() -> anyhow::Result<String> {
    Ok(data_encoding::BASE32_NOPAD.encode(&crate::crypto::random_bytes::<20>()?))
}

fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The code for `step` under the base32 `secret`, or `None` if the secret is not base32.
pub fn code_at(secret: &str, step: i64) -> Option<String> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.trim().to_ascii_uppercase().as_bytes())
        .ok()?;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    Some(format!("{:06}", binary % 1_000_000))
}

/// The step `typed` is the code of, at `now`, if it is right and newer than `last_step`.
pub fn check(secret: &str, typed: &str, now: DateTime<Utc>, last_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    (current - 1..=current + 1)
        .filter(|step| last_step.is_none_or(|last| *step > last))
        .find(|step| {
            code_at(secret, *step)
                .is_some_and(|code| crate::crypto::constant_time_eq(&code, &typed))
        })
}

/// The link an authenticator app reads from the enrolment QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// A QR code of `text` as inline SVG (for the enrolment page).
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"220\" \
         height=\"220\" role=\"img\" aria-label=\"QR\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
    );
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                i % width + quiet,
                i / width + quiet
            ));
        }
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// The roles an admin requires to use TOTP.
pub async fn required_roles(db: &impl ConnectionTrait) -> Result<Vec<Role>, DbErr> {
    crate::access::totp_required_roles(db).await
}

/// Requires TOTP of exactly `roles`.
pub async fn set_required_roles(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    roles: &[Role],
) -> Result<(), DbErr> {
    let value = roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let txn = writes.begin().await?;
    let row = settings::ActiveModel {
        key: Set(REQUIRED_KEY.to_string()),
        value: Set(value.clone()),
        updated_at: Set(stamp.at),
    };
    if settings::Entity::find_by_id(REQUIRED_KEY)
        .one(&*txn)
        .await?
        .is_some()
    {
        row.update(&*txn).await?;
    } else {
        row.insert(&*txn).await?;
    }
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::SettingChanged, "setting", REQUIRED_KEY)
            .with_detail(serde_json::json!({ "roles": value })),
    )
    .await?;
    txn.commit().await
}

/// Turns TOTP on for `user` with `secret`, if `typed` is its current code.
pub async fn enrol(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    secret: &str,
    typed: &str,
) -> Result<bool, DbErr> {
    let Some(step) = check(secret, typed, stamp.at, None) else {
        return Ok(false);
    };
    let txn = writes.begin().await?;
    let Some(user) = users::Entity::find_by_id(user_id).one(&*txn).await? else {
        return Ok(false);
    };
    let mut row = user.into_active_model();
    row.totp_secret = Set(Some(secret.trim().to_ascii_uppercase()));
    row.totp_last_step = Set(Some(step));
    row.update(&*txn).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::TotpEnrolled, "user", user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Checks `typed` for `user` and, if right, records its step so it cannot be used again.
/// A code is used once even when two logins race: the update requires the old step.
pub async fn verify_login(
    db: &impl ConnectionTrait,
    user: &users::Model,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(secret) = &user.totp_secret else {
        return Ok(false);
    };
    let Some(step) = check(secret, typed, now, user.totp_last_step) else {
        return Ok(false);
    };
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::TotpLastStep, Expr::value(step))
        .filter(users::Column::Id.eq(user.id));
    update = match user.totp_last_step {
        Some(last) => update.filter(users::Column::TotpLastStep.eq(last)),
        None => update.filter(users::Column::TotpLastStep.is_null()),
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let step = step_of(DateTime::from_timestamp(time, 0).unwrap_or_default());
            assert_eq!(code_at(RFC_SECRET, step).as_deref(), Some(code), "t={time}");
        }
    }

    #[test]
    fn a_code_is_good_for_a_step_either_side_and_never_twice() {
        let now = DateTime::from_timestamp(1_234_567_890, 0).unwrap_or_default();
        let step = step_of(now);
        let previous = code_at(RFC_SECRET, step - 1).unwrap_or_default();
        assert_eq!(check(RFC_SECRET, &previous, now, None), Some(step - 1));
        assert_eq!(check(RFC_SECRET, &previous, now, Some(step - 1)), None);
        let old = code_at(RFC_SECRET, step - 3).unwrap_or_default();
        assert_eq!(check(RFC_SECRET, &old, now, None), None);
        assert_eq!(check(RFC_SECRET, "12345", now, None), None);
        assert_eq!(check(RFC_SECRET, "abcdef", now, None), None);
    }
}
