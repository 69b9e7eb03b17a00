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
use crate::entities::{settings, totp_enrolments, users};
use crate::error::{AppError, ResultExt};

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

/// The shortest key a code is computed from (RFC 4226 asks for 160 bits): a secret stored
/// before the server chose them all, shorter than this, opens nothing until an admin resets it.
const MIN_SECRET_BYTES: usize = 20;

/// The code for `step` under the base32 `secret`, or `None` if the secret is not base32 or
/// shorter than 160 bits.
pub fn code_at(secret: &str, step: i64) -> Option<String> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.trim().to_ascii_uppercase().as_bytes())
        .ok()
        .filter(|key| key.len() >= MIN_SECRET_BYTES)?;
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

/// How long a secret shown for enrolment stays good: long enough to find the phone.
pub const ENROLMENT_MINUTES: i64 = 15;

/// Why a change of second factor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpRefusal {
    /// No secret was shown to this user in the last [`ENROLMENT_MINUTES`] (or none at all).
    NoPendingSecret,
    /// The code of the app already enrolled is missing or wrong.
    WrongCurrentCode,
    /// The code of the new secret is wrong.
    WrongNewCode,
    /// There is no second factor to remove.
    NotEnrolled,
}

impl TotpRefusal {
    /// The locale key of the message a person reads.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::NoPendingSecret => "totp_expired",
            Self::WrongCurrentCode => "totp_wrong_current_code",
            Self::WrongNewCode => "totp_wrong_code",
            Self::NotEnrolled => "totp_not_enrolled",
        }
    }
}

/// The secret being enrolled for `user_id`: the one already shown if it is still fresh (two
/// tabs, a reload), else a new one the server chooses (160 random bits), kept in the database
/// so that the browser never hands a secret back.
pub async fn pending_secret(
    writes: &WriteGate,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let txn = writes.begin().await?;
    if let Some(row) = totp_enrolments::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .filter(|row| fresh(row, now))
    {
        return Ok(row.secret);
    }
    let secret = new_secret().internal("making a TOTP secret")?;
    totp_enrolments::Entity::delete_by_id(user_id)
        .exec(&*txn)
        .await?;
    totp_enrolments::ActiveModel {
        user_id: Set(user_id),
        secret: Set(secret.clone()),
        created_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(secret)
}

fn fresh(row: &totp_enrolments::Model, now: DateTime<Utc>) -> bool {
    now - row.created_at <= chrono::Duration::minutes(ENROLMENT_MINUTES)
        && row.created_at <= now + chrono::Duration::minutes(1)
}

/// Turns TOTP on for `user_id` with the secret the server showed them, if `typed` is its
/// current code; where a second factor is already on, `current` must be a code of the old one
/// (the password is the caller's to check). Audited as `totp_enrolled`.
pub async fn enrol(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    current: Option<&str>,
    typed: &str,
) -> Result<Result<(), TotpRefusal>, DbErr> {
    let txn = writes.begin().await?;
    let (Some(user), Some(pending)) = (
        users::Entity::find_by_id(user_id).one(&*txn).await?,
        totp_enrolments::Entity::find_by_id(user_id)
            .one(&*txn)
            .await?
            .filter(|row| fresh(row, stamp.at)),
    ) else {
        return Ok(Err(TotpRefusal::NoPendingSecret));
    };
    let replaced = user.totp_secret.is_some();
    if replaced && !verify_login(&*txn, &user, current.unwrap_or_default(), stamp.at).await? {
        return Ok(Err(TotpRefusal::WrongCurrentCode));
    }
    let Some(step) = check(&pending.secret, typed, stamp.at, None) else {
        return Ok(Err(TotpRefusal::WrongNewCode));
    };
    let mut row = user.into_active_model();
    row.totp_secret = Set(Some(pending.secret));
    row.totp_last_step = Set(Some(step));
    row.update(&*txn).await?;
    totp_enrolments::Entity::delete_by_id(user_id)
        .exec(&*txn)
        .await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::TotpEnrolled, "user", user_id)
            .with_detail(serde_json::json!({ "replaced": replaced })),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Turns TOTP off for `user_id` if `current` is a code of their app (the password is the
/// caller's to check). Audited as `totp_removed`.
pub async fn remove(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    current: &str,
) -> Result<Result<(), TotpRefusal>, DbErr> {
    let txn = writes.begin().await?;
    let Some(user) = users::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .filter(|u| u.totp_secret.is_some())
    else {
        return Ok(Err(TotpRefusal::NotEnrolled));
    };
    if !verify_login(&*txn, &user, current, stamp.at).await? {
        return Ok(Err(TotpRefusal::WrongCurrentCode));
    }
    let mut row = user.into_active_model();
    row.totp_secret = Set(None);
    row.totp_last_step = Set(None);
    row.update(&*txn).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::TotpRemoved, "user", user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
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
