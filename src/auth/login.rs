//! Deciding a login attempt. Three guards, so that guessing is slow and a stranger cannot
//! keep an account's owner out:
//!
//! - per client address (in memory): a few failures are free, then each attempt must wait,
//!   twice as long after every further failure ([`crate::limits::Limits::login_attempt`]);
//! - per account (in the database): each check is claimed before it runs, by one statement
//!   that counts it and, at [`MAX_FAILED_LOGINS`], locks the account for
//!   [`LOCKOUT_MINUTES`]; a lock always expires, and parallel guesses get at most
//!   [`MAX_FAILED_LOGINS`] checks per lock period;
//! - a locked account is still checked for a client with no failures at all (its owner,
//!   elsewhere), one such check at a time with a doubling wait between failed ones.
//!
//! An unknown username, a wrong password and a locked account get the same answer after the
//! same work: one argon2 verification and one audit row.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set, Statement,
};

use super::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS};
use crate::audit::{Actor, AuditAction, AuditEvent};
use crate::entities::users;
use crate::error::{AppError, ResultExt};
use crate::limits::{Gate, account_key};
use crate::state::AppState;

/// What a login attempt comes to.
pub enum LoginOutcome {
    /// The password (and, where enrolled, the code) was right: a session was started.
    Success {
        user: Box<users::Model>,
        session_token: String,
    },
    /// The password was right and the account has two-step verification: the code comes
    /// next, with this ticket (signed, good for [`TICKET_MINUTES`], void once the password
    /// changes).
    CodeNeeded { ticket: String },
    /// Unknown username, wrong password or locked account: one answer for all.
    Refused,
    /// This client failed too often: it may try again after this long.
    Throttled(Duration),
}

/// The in-memory key of a client address for the login throttle.
fn client_key(secret: &[u8], ip: IpAddr) -> String {
    crate::crypto::keyed_hash(secret, "login-client", ip.to_string().as_bytes())
}

/// How long the second step of a login may take.
pub const TICKET_MINUTES: i64 = 5;

/// The ticket that carries a right password to the code step: user id, expiry and a keyed
/// hash over both and the current password hash.
fn ticket_for(key: &[u8], user: &users::Model, expires: i64) -> String {
    let signed = format!("{}.{expires}.{}", user.id, user.password_hash);
    let mac = crate::crypto::keyed_hash(key, "login-ticket", signed.as_bytes());
    format!("{}.{expires}.{mac}", user.id)
}

/// The account a ticket names, if it is genuine, unexpired and its password unchanged.
async fn ticket_user(
    state: &AppState,
    ticket: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let mut parts = ticket.trim().splitn(3, '.');
    let (Some(id), Some(expires), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (Ok(id), Ok(expires)) = (id.parse::<i64>(), expires.parse::<i64>()) else {
        return Ok(None);
    };
    if expires < now.timestamp() {
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    let expected = ticket_for(state.key(), &user, expires);
    let genuine = crate::crypto::constant_time_eq(&expected, &format!("{id}.{expires}.{mac}"));
    Ok((genuine && user.active && user.totp_secret.is_some()).then_some(user))
}

/// Decides the code step of a login: `code` for the account `ticket` names, from `ip`. The
/// same throttle as the password (per client and per account) applies, and a code is good
/// once.
pub async fn attempt_code(
    state: &AppState,
    ip: IpAddr,
    ticket: &str,
    code: &str,
) -> Result<LoginOutcome, AppError> {
    throttled(state, ip, async |_, now| {
        decide_code(state, ticket, code, now).await
    })
    .await
}

/// Runs `decide` for a client from `ip` unless its throttle says wait, and records the
/// outcome against the client: a refusal counts, a success clears, a code still to come
/// (or an error) neither.
async fn throttled(
    state: &AppState,
    ip: IpAddr,
    decide: impl AsyncFnOnce(&str, DateTime<Utc>) -> Result<LoginOutcome, AppError>,
) -> Result<LoginOutcome, AppError> {
    let now = state.clock.now();
    let client = client_key(state.key(), ip);
    if let Gate::Wait(wait) = state.limits.login_attempt(&client, now) {
        return Ok(LoginOutcome::Throttled(wait));
    }
    let outcome = decide(&client, now).await;
    match &outcome {
        Ok(LoginOutcome::Success { .. }) => state.limits.login_succeeded(&client),
        Ok(LoginOutcome::CodeNeeded { .. }) | Err(_) => state.limits.login_abandoned(&client),
        Ok(_) => state.limits.login_failed(&client, now),
    }
    outcome
}

async fn decide_code(
    state: &AppState,
    ticket: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, AppError> {
    let Some(user) = ticket_user(state, ticket, now).await? else {
        return Ok(LoginOutcome::Refused);
    };
    let Some(failures) = claim_check(&state.db, user.id, now, false).await? else {
        record_failure(state, Some((user.id, MAX_FAILED_LOGINS)), now).await?;
        return Ok(LoginOutcome::Refused);
    };
    if !super::totp::verify_login(&state.db, &user, code, now).await? {
        record_failure(state, Some((user.id, failures)), now).await?;
        return Ok(LoginOutcome::Refused);
    }
    let session_token = start_session(state, &user, now).await?;
    Ok(LoginOutcome::Success {
        user: Box::new(user),
        session_token,
    })
}

/// Decides one login attempt of `username` with `password` from `ip`.
pub async fn attempt(
    state: &AppState,
    ip: IpAddr,
    username: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    throttled(state, ip, async |client, now| {
        decide(state, client, username, password, now).await
    })
    .await
}

async fn decide(
    state: &AppState,
    client: &str,
    username: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, AppError> {
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&state.db)
        .await?
        .filter(|u| u.active);
    let Some(user) = user else {
        // The same statement, check and audit row as for a real account.
        claim_check(&state.db, 0, now, false).await?;
        check(state, password, None).await?;
        record_failure(state, None, now).await?;
        return Ok(LoginOutcome::Refused);
    };
    let account = account_key(user.id);
    let locked = user.locked_until.is_some_and(|until| until > now);
    let owner_elsewhere = locked
        && state.limits.login_client_is_clean(client)
        && state.limits.locked_check(&account, now) == Gate::Open;
    let claimed = claim_check(&state.db, user.id, now, owner_elsewhere).await;
    let failures = match claimed {
        Ok(Some(failures)) => failures,
        Ok(None) => {
            check(state, password, None).await?;
            record_failure(state, Some((user.id, MAX_FAILED_LOGINS)), now).await?;
            return Ok(LoginOutcome::Refused);
        }
        Err(e) => {
            if owner_elsewhere {
                state.limits.locked_check_done(&account, false);
            }
            return Err(e.into());
        }
    };
    let checked = check(state, password, Some(user.password_hash.clone())).await;
    let right = match checked {
        Ok(right) => right,
        Err(e) => {
            // Not checked after all (the server is busy): give the claim back.
            let _ = unclaim_check(&state.db, user.id).await;
            if owner_elsewhere {
                state.limits.locked_check_done(&account, false);
            }
            return Err(e);
        }
    };
    if !right {
        if owner_elsewhere {
            state.limits.locked_check_failed(&account, now);
        }
        record_failure(state, Some((user.id, failures)), now).await?;
        return Ok(LoginOutcome::Refused);
    }
    if owner_elsewhere {
        state.limits.locked_check_done(&account, true);
    }
    if user.totp_secret.is_some() {
        // The claim stays counted until the code is right too.
        let expires = (now + Duration::minutes(TICKET_MINUTES)).timestamp();
        return Ok(LoginOutcome::CodeNeeded {
            ticket: ticket_for(state.key(), &user, expires),
        });
    }
    let session_token = start_session(state, &user, now).await?;
    Ok(LoginOutcome::Success {
        user: Box::new(user),
        session_token,
    })
}

/// Verifies `password` against `hash`, or against a dummy hash of the same cost when there
/// is nothing to check, through the bounded password pool.
async fn check(state: &AppState, password: String, hash: Option<String>) -> Result<bool, AppError> {
    let right = state
        .pools
        .passwords
        .run(move || match hash {
            Some(hash) => super::verify_password(&password, &hash),
            None => {
                let _ = super::verify_password(&password, super::dummy_hash());
                false
            }
        })
        .await?;
    Ok(right)
}

/// Claims one password check of account `user_id` in one statement: counts it and, when the
/// count reaches the limit, locks the account until [`LOCKOUT_MINUTES`] from now. An expired
/// lock starts a fresh count. Returns the failures counted so far (this one included), or
/// `None` when the account is locked (and `owner_elsewhere` does not let the check through).
async fn claim_check(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
    owner_elsewhere: bool,
) -> Result<Option<i32>, DbErr> {
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let (now_p, max_p, until_p, id_p, bypass_p) = (p(1), p(2), p(3), p(4), p(5));
    let sql = format!(
        "UPDATE users SET \
           failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= {now_p} THEN 1 \
                                ELSE failed_logins + 1 END, \
           locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= {now_p} THEN NULL \
                               WHEN locked_until IS NULL AND failed_logins + 1 >= {max_p} THEN {until_p} \
                               ELSE locked_until END \
         WHERE id = {id_p} AND (locked_until IS NULL OR locked_until <= {now_p} OR {bypass_p}) \
         RETURNING failed_logins"
    );
    let until = now + Duration::minutes(LOCKOUT_MINUTES);
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                now.into(),
                MAX_FAILED_LOGINS.into(),
                until.into(),
                user_id.into(),
                owner_elsewhere.into(),
            ],
        ))
        .await?;
    row.map(|r| r.try_get("", "failed_logins")).transpose()
}

/// Gives back a claimed check that did not run.
async fn unclaim_check(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Expr;
    users::Entity::update_many()
        .col_expr(
            users::Column::FailedLogins,
            Expr::col(users::Column::FailedLogins).sub(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::FailedLogins.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed login in the audit log (never the password, nor an unknown username).
async fn record_failure(
    state: &AppState,
    account: Option<(i64, i32)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let event = match account {
        Some((user_id, failures)) => AuditEvent::new(AuditAction::LoginFailed, "user", user_id)
            .with_detail(serde_json::json!({
                "failures": failures,
                "locked": failures >= MAX_FAILED_LOGINS,
            })),
        None => AuditEvent {
            action: AuditAction::LoginFailed,
            subject_type: "user",
            subject_id: None,
            detail: serde_json::json!({ "unknown_user": true }),
        },
    };
    let txn = state.writes.begin().await?;
    let stamp = crate::audit::Stamp::new(Actor::System("login"), now, state.key());
    crate::audit::append(&*txn, &stamp, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Clears the account's failures and lock, starts a session and records the login.
async fn start_session(
    state: &AppState,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let txn = state.writes.begin().await?;
    let mut active = user.clone().into_active_model();
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    active.update(&*txn).await?;
    crate::access::session::purge_expired(
        &*txn,
        now,
        crate::access::session::SessionPolicy::of(&state.settings),
    )
    .await?;
    let token = crate::access::session::start(
        &*txn,
        state.key(),
        user.id,
        now,
        crate::access::session::SessionPolicy::of(&state.settings),
    )
    .await
    .internal("starting a session")?;
    crate::audit::append(
        &*txn,
        &state.stamp(Actor::User(user.id)),
        AuditEvent::new(AuditAction::Login, "user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}
