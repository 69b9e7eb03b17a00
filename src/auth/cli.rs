//! `jianduka users …` and `jianduka units …`: staff accounts and inspection offices from the
//! command line.

use std::process::ExitCode;

use clap::Subcommand;

use super::accounts::{self, AccountChange};
use super::districts::{self, NewDistricts};
use super::edit::{AccountEdit, edit_account};
use super::tokens::{self, TokenError};
use super::{NewUser, Role};
use crate::audit::{Actor, AuditAction};
use crate::clock::beijing;
use crate::console::{CliError, say};
use crate::state::AppState;

/// `jianduka users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a staff account; prints a one-time password unless --password-stdin is given.
    Add {
        /// Login name (letters, digits, '.', '_', '-').
        username: String,
        /// admin, supervisor, inspector or print-staff.
        #[arg(long)]
        role: String,
        /// The unit (inspection office) the account works in, by name or id.
        #[arg(long)]
        unit: Option<String>,
        /// Email address for reminders.
        #[arg(long)]
        email: Option<String>,
        /// Name shown in the UI (asked for on a terminal; otherwise the username, said so).
        #[arg(long, alias = "name")]
        display_name: Option<String>,
        /// Read the password from standard input (the account keeps it: no change at first
        /// login), for scripted set-ups.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every account: username, role, unit, state.
    List,
    /// Disable an account: it cannot log in and its sessions end.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Give an account a new one-time password (printed once); its sessions end.
    ResetPassword { username: String },
    /// Clear a lockout after failed logins.
    Unlock { username: String },
    /// Move an account to a unit (by name or id), or out of any with --none.
    SetUnit {
        username: String,
        unit: Option<String>,
        #[arg(long)]
        none: bool,
    },
    /// Personal API tokens for the JSON API.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Correct an account: its display name, email, role or unit (each change audited).
    Edit {
        username: String,
        /// New email address for reminders.
        #[arg(long, conflicts_with = "no_email")]
        email: Option<String>,
        /// Remove the email address.
        #[arg(long)]
        no_email: bool,
        /// New name shown in the UI.
        #[arg(long, alias = "name")]
        display_name: Option<String>,
        /// admin, supervisor, inspector or print-staff.
        #[arg(long)]
        role: Option<String>,
        /// The unit to work in, by name or id.
        #[arg(long, conflicts_with = "no_unit")]
        unit: Option<String>,
        /// Take the account out of any unit.
        #[arg(long)]
        no_unit: bool,
    },
}

/// `jianduka users token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token to a user; prints it once (only its hash is kept).
    Issue {
        /// Whose token: it acts with this account's role.
        username: String,
        /// What the token is for, e.g. "weekly report script".
        #[arg(long)]
        name: String,
    },
    /// List tokens (all, or one user's), never their secrets.
    List {
        /// Only this user's tokens.
        username: Option<String>,
    },
    /// Revoke a token by its id (see `users token list`); it stops working at once.
    Revoke {
        /// The token's id.
        id: i64,
    },
}

/// `jianduka units` subcommands.
#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Create a unit (an inspection office, e.g. 第一纪检监察室) covering districts: new
    /// reports from them go to it.
    Add {
        name: String,
        /// A district it covers (repeat for several).
        #[arg(long = "district", required = true)]
        districts: Vec<String>,
        /// Accept districts the enterprise register and the cards do not name.
        #[arg(long)]
        new_district: bool,
    },
    /// List every unit with its districts and members.
    List,
    /// Replace the districts a unit covers.
    Districts {
        /// The unit, by name or id.
        unit: String,
        #[arg(long = "district")]
        districts: Vec<String>,
        /// Accept districts the enterprise register and the cards do not name.
        #[arg(long)]
        new_district: bool,
    },
}

fn usage(e: accounts::AccountError) -> CliError {
    match e {
        accounts::AccountError::Db(e) => CliError::from(e),
        accounts::AccountError::Other(e) => CliError::Other(e),
        other => CliError::Usage(other.to_string()),
    }
}

/// Runs one `users` subcommand.
pub async fn run(state: &AppState, command: UsersCommand) -> Result<ExitCode, CliError> {
    let stamp = state.stamp(Actor::System("cli"));
    let find = async |name: &str| accounts::by_username(&state.db, name).await.map_err(usage);
    match command {
        UsersCommand::Token(command) => return run_token(state, command).await,
        UsersCommand::Add {
            username,
            role,
            unit,
            email,
            display_name,
            password_stdin,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                CliError::Usage(format!(
                    "--role: '{role}' is not one of admin, supervisor, inspector, print-staff"
                ))
            })?;
            let unit_id = match unit {
                Some(name) => Some(
                    accounts::unit_by_name(&state.db, &name)
                        .await
                        .map_err(usage)?
                        .id,
                ),
                None => None,
            };
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| {
                    CliError::Usage(format!("reading the password from stdin: {e}"))
                })?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (super::generate_password()?, true)
            };
            let (display_name, named_by_login) = match display_name {
                Some(name) => (name, false),
                None => ask_display_name(&username, password_stdin)?,
            };
            let user = super::create_user(
                &state.writes,
                &state.pools.passwords,
                &stamp,
                NewUser {
                    display_name,
                    username,
                    email,
                    role,
                    unit_id,
                    password: password.clone(),
                    must_change_password: generated,
                },
            )
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
            say!("created {} ({})", user.username, role.as_str());
            if named_by_login {
                say!(
                    "display name: {0} (the login name; change it with: jianduka users edit {0} --display-name NAME)",
                    user.username
                );
            }
            if generated {
                say!("password: {password}  (shown once; it must be changed at first login)");
            }
        }
        UsersCommand::List => {
            say!("username\trole\tunit\tstate\temail");
            for a in accounts::list_accounts(&state.db, state.clock.now()).await? {
                let mut flags = vec![if a.active { "active" } else { "disabled" }];
                if a.locked {
                    flags.push("locked");
                }
                if a.totp {
                    flags.push("totp");
                }
                if a.must_change_password {
                    flags.push("one-time password");
                }
                say!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.username,
                    a.role.as_str(),
                    a.unit.as_deref().unwrap_or("-"),
                    flags.join(","),
                    a.email.as_deref().unwrap_or("-")
                );
            }
        }
        UsersCommand::Disable { username } => {
            let user = find(&username).await?;
            accounts::change_account(&state.writes, &stamp, user.id, AccountChange::Active(false))
                .await
                .map_err(usage)?;
            say!("disabled {username}");
        }
        UsersCommand::Enable { username } => {
            let user = find(&username).await?;
            accounts::change_account(&state.writes, &stamp, user.id, AccountChange::Active(true))
                .await
                .map_err(usage)?;
            say!("enabled {username}");
        }
        UsersCommand::ResetPassword { username } => {
            let user = find(&username).await?;
            let password =
                accounts::reset_password(&state.writes, &state.pools.passwords, &stamp, user.id)
                    .await
                    .map_err(usage)?;
            say!(
                "password of {username}: {password}  (shown once; it must be changed at next login)"
            );
        }
        UsersCommand::Unlock { username } => {
            let user = find(&username).await?;
            accounts::change_account(&state.writes, &stamp, user.id, AccountChange::Unlock)
                .await
                .map_err(usage)?;
            say!("unlocked {username}");
        }
        UsersCommand::SetUnit {
            username,
            unit,
            none,
        } => {
            let user = find(&username).await?;
            let unit_id = match (unit, none) {
                (Some(name), false) => Some(
                    accounts::unit_by_name(&state.db, &name)
                        .await
                        .map_err(usage)?
                        .id,
                ),
                (None, true) => None,
                _ => return Err(CliError::Usage("give a unit, or --none".into())),
            };
            accounts::change_account(&state.writes, &stamp, user.id, AccountChange::Unit(unit_id))
                .await
                .map_err(usage)?;
            say!("moved {username}");
        }
        UsersCommand::Edit {
            username,
            email,
            no_email,
            display_name,
            role,
            unit,
            no_unit,
        } => {
            let user = find(&username).await?;
            let role = match role {
                Some(text) => Some(Role::parse(&text).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--role: '{text}' is not one of admin, supervisor, inspector, print-staff"
                    ))
                })?),
                None => None,
            };
            let unit = match (unit, no_unit) {
                (Some(name), _) => Some(Some(
                    accounts::unit_by_name(&state.db, &name)
                        .await
                        .map_err(usage)?
                        .id,
                )),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let email = match (email, no_email) {
                (Some(email), _) => Some(Some(email)),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let edit = AccountEdit {
                display_name,
                email,
                role,
                unit,
            };
            if edit.display_name.is_none()
                && edit.email.is_none()
                && edit.role.is_none()
                && edit.unit.is_none()
            {
                return Err(CliError::Usage(
                    "nothing to change: give --display-name, --email, --no-email, --role, --unit or --no-unit".into(),
                ));
            }
            let changed = edit_account(&state.writes, &stamp, user.id, edit)
                .await
                .map_err(usage)?;
            if changed.is_empty() {
                say!("{username}: nothing changed (it already had these values)");
            } else {
                let names: Vec<&str> = changed.iter().map(|a| changed_field(*a)).collect();
                say!("changed {username}: {}", names.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one `units` subcommand.
pub async fn run_units(state: &AppState, command: UnitsCommand) -> Result<ExitCode, CliError> {
    let stamp = state.stamp(Actor::System("cli"));
    match command {
        UnitsCommand::Add {
            name,
            districts,
            new_district,
        } => {
            districts::vet(&state.db, None, &districts, new_districts(new_district))
                .await
                .map_err(usage)?;
            let unit = accounts::create_unit(&state.writes, &stamp, &name, &districts)
                .await
                .map_err(usage)?;
            say!("created unit {} ({})", unit.name, unit.id);
        }
        UnitsCommand::List => {
            say!("id\tname\tmembers\tdistricts");
            for unit in accounts::list_units(&state.db).await? {
                say!(
                    "{}\t{}\t{}\t{}",
                    unit.id,
                    unit.name,
                    unit.members,
                    unit.districts.join("、")
                );
            }
        }
        UnitsCommand::Districts {
            unit,
            districts,
            new_district,
        } => {
            let found = accounts::unit_by_name(&state.db, &unit)
                .await
                .map_err(usage)?;
            districts::vet(
                &state.db,
                Some(found.id),
                &districts,
                new_districts(new_district),
            )
            .await
            .map_err(usage)?;
            accounts::change_unit_districts(&state.writes, &stamp, found.id, &districts)
                .await
                .map_err(usage)?;
            say!("unit {} covers: {}", found.name, districts.join("、"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn new_districts(allowed: bool) -> NewDistricts {
    if allowed {
        NewDistricts::Allow
    } else {
        NewDistricts::Refuse
    }
}

/// What `users edit` says it changed.
fn changed_field(action: AuditAction) -> &'static str {
    match action {
        AuditAction::UserRenamed => "display name",
        AuditAction::UserEmailChanged => "email",
        AuditAction::UserRoleChanged => "role",
        AuditAction::UserUnitChanged => "unit",
        other => other.as_str(),
    }
}

/// The display name for a new account made without `--display-name`: asked for when a
/// person is at the terminal (and stdin is not the password), else the login name; the
/// flag says which.
fn ask_display_name(username: &str, password_stdin: bool) -> Result<(String, bool), CliError> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let stdin = std::io::stdin();
    if password_stdin || !stdin.is_terminal() {
        return Ok((username.to_string(), true));
    }
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "display name (the name the pages greet {username} with; Enter keeps '{username}'): "
    );
    let _ = out.flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("reading the display name: {e}")))?;
    match line.trim() {
        "" => Ok((username.to_string(), true)),
        name => Ok((name.to_string(), false)),
    }
}

fn token_error(e: TokenError) -> CliError {
    match e {
        TokenError::Db(e) => CliError::Other(anyhow::Error::new(e)),
        TokenError::Other(e) => CliError::Other(e),
        other => CliError::Usage(other.to_string()),
    }
}

async fn run_token(state: &AppState, command: TokenCommand) -> Result<ExitCode, CliError> {
    let stamp = state.stamp(Actor::System("cli"));
    match command {
        TokenCommand::Issue { username, name } => {
            let user = accounts::by_username(&state.db, &username)
                .await
                .map_err(usage)?;
            let (token, secret) = tokens::issue_token(&state.writes, &stamp, user.id, &name)
                .await
                .map_err(token_error)?;
            say!(
                "issued token {} '{}' to {} ({})",
                token.id,
                token.name,
                user.username,
                user.role.as_str()
            );
            say!("{}", secret.expose());
            say!("(shown once; send it as the header  Authorization: Bearer <token>)");
        }
        TokenCommand::List { username } => {
            let owner = match username {
                Some(name) => Some(
                    accounts::by_username(&state.db, &name)
                        .await
                        .map_err(usage)?
                        .id,
                ),
                None => None,
            };
            let list = tokens::list_tokens(&state.db, owner).await?;
            if list.is_empty() {
                say!("no tokens");
            }
            for t in list {
                let state = match (t.revoked_at, t.user_active) {
                    (Some(at), _) => format!("revoked {}", beijing(at)),
                    (None, false) => "account disabled".to_string(),
                    (None, true) => "active".to_string(),
                };
                let used = t.last_used_at.map(beijing);
                say!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}\t{state}",
                    t.id,
                    t.username,
                    t.name,
                    beijing(t.created_at),
                    used.as_deref().unwrap_or("never"),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let token = tokens::revoke_token(&state.writes, &stamp, id)
                .await
                .map_err(token_error)?;
            say!("revoked token {} '{}'", token.id, token.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
