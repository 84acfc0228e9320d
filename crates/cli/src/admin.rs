//! `drawbridge admin`: a server's accounts and invitations from the
//! terminal, for whoever runs it (the same as the admin pages). It shows
//! names, roles and dates, never a word anyone wrote: it cannot read them.

use std::io::Write;

use anyhow::Result;
use drawbridge_store::Store;
use drawbridge_store::accounts::{Account, Role};
use time::OffsetDateTime;

use crate::{Ctx, UserError};

#[derive(clap::Subcommand)]
pub enum AdminAction {
    /// Make a one-time invitation link for one account.
    Invite {
        /// What the account may do: person, or admin (who can also invite
        /// and manage accounts).
        #[arg(long, default_value = "person")]
        role: String,
        /// How long the link stays open: days (7d) or hours (12h), at most 90 days.
        #[arg(long, default_value = "7d")]
        expires: String,
    },
    /// List the invitations, newest first.
    Invitations,
    /// Withdraw an open invitation by its id.
    Withdraw { id: uuid::Uuid },
    /// List the accounts: name, role, when made and last seen, paused or not.
    Accounts,
    /// Pause an account: it cannot sign in, and its sessions end. Its words are kept.
    Disable { name: String },
    /// Let a paused account sign in again.
    Enable { name: String },
    /// Delete an account and everything in it, at once.
    Delete {
        name: String,
        /// Delete without asking (for scripts).
        #[arg(long)]
        yes: bool,
    },
}

/// How long an invitation stays open: `7d`, `12h`.
fn parse_expiry(s: &str) -> Option<time::Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    // Checked before it becomes a duration, so a huge number is refused
    // rather than overflowing.
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let hours = match unit {
        "d" => n.checked_mul(24)?,
        "h" => n,
        _ => return None,
    };
    (hours <= 90 * 24).then(|| time::Duration::hours(hours))
}

async fn engine(ctx: &Ctx) -> Result<Store> {
    let Some(url) = &ctx.paths.database_url else {
        return Err(UserError::new(
            "`drawbridge admin` manages a server's accounts, which live in PostgreSQL, and no database was named.",
            "Give the same --database-url (or DRAWBRIDGE_DATABASE_URL) as `drawbridge serve --server`.",
        )
        .into());
    };
    Ok(Store::open_server(url).await?)
}

async fn by_name(store: &Store, name: &str) -> Result<Account> {
    let key = drawbridge_core::account::name_key(name);
    store
        .accounts()
        .await?
        .into_iter()
        .find(|a| drawbridge_core::account::name_key(&a.name) == key)
        .ok_or_else(|| {
            UserError::new(
                format!("There is no account named {name:?} here."),
                "`drawbridge admin accounts` lists them.",
            )
            .into()
        })
}

fn when(t: OffsetDateTime) -> String {
    t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))
        .unwrap_or_default()
}

pub async fn run(ctx: &Ctx, action: AdminAction) -> Result<()> {
    let store = engine(ctx).await?;
    let mut out = std::io::stdout().lock();
    match action {
        AdminAction::Invite { role, expires } => {
            let Some(role) = Role::parse(role.trim()) else {
                return Err(UserError::new(format!("{role:?} is not a role here."), "Use --role person or --role admin.").into());
            };
            let Some(d) = parse_expiry(&expires) else {
                return Err(UserError::new(
                    format!("{expires:?} is not a time an invitation can stay open."),
                    "Use days or hours, like --expires 7d or --expires 12h, up to 90d.",
                )
                .into());
            };
            let (token, inv) = store.invite(role, OffsetDateTime::now_utc() + d, None).await?;
            let base = ctx
                .file
                .public_url
                .clone()
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://127.0.0.1:{}", ctx.file.port.unwrap_or(crate::config::DEFAULT_PORT)));
            writeln!(out, "{base}/sign-up?invite={token}")?;
            crate::notice(format!(
                "An invitation for one {} account, open until {}. Send the link to that one person; it is shown only now.",
                role.as_str(),
                when(inv.expires_at)
            ));
        }
        AdminAction::Invitations => {
            let now = OffsetDateTime::now_utc();
            let all = store.invitations().await?;
            if all.is_empty() {
                writeln!(out, "No invitations yet.")?;
            }
            for i in all {
                let state = if i.used_at.is_some() {
                    "used"
                } else if i.is_open(now) {
                    "open"
                } else {
                    "expired"
                };
                writeln!(
                    out,
                    "{}  {:<6}  made {}  until {}  {state}",
                    i.id,
                    i.role.as_str(),
                    when(i.created_at),
                    when(i.expires_at)
                )?;
            }
        }
        AdminAction::Withdraw { id } => {
            if !store.withdraw_invitation(id).await? {
                return Err(UserError::new(
                    format!("There is no open invitation {id}."),
                    "`drawbridge admin invitations` lists them; a used one stays on record.",
                )
                .into());
            }
            writeln!(out, "Withdrawn: its link makes no account now.")?;
        }
        AdminAction::Accounts => {
            let all = store.accounts().await?;
            if all.is_empty() {
                writeln!(
                    out,
                    "No accounts yet. `drawbridge admin invite --role admin` makes the first invitation."
                )?;
            }
            for a in all {
                writeln!(
                    out,
                    "{:<24}  {:<6}  made {}  last seen {}  {}",
                    a.name,
                    a.role.as_str(),
                    when(a.created_at),
                    a.last_seen_at.map(when).unwrap_or_else(|| "never".into()),
                    if a.disabled_at.is_some() { "paused" } else { "active" }
                )?;
            }
        }
        AdminAction::Disable { name } => {
            let a = by_name(&store, &name).await?;
            store.set_account_disabled(a.owner, true).await?;
            writeln!(
                out,
                "{} is paused: it cannot sign in, and a running server ends its sessions within a minute. Its words are kept. Any invitation it made that nobody has used is withdrawn.",
                a.name
            )?;
        }
        AdminAction::Enable { name } => {
            let a = by_name(&store, &name).await?;
            store.set_account_disabled(a.owner, false).await?;
            writeln!(out, "{} can sign in again.", a.name)?;
        }
        AdminAction::Delete { name, yes } => {
            let a = by_name(&store, &name).await?;
            if !yes {
                if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                    return Err(UserError::new(
                        format!("Deleting {} removes everything in it, and cannot be undone.", a.name),
                        "Run it in a terminal to be asked, or add --yes.",
                    )
                    .into());
                }
                eprint!(
                    "Delete {} and everything in it? This cannot be undone. Type the name to confirm: ",
                    a.name
                );
                let mut typed = String::new();
                std::io::stdin().read_line(&mut typed)?;
                if typed.trim().to_lowercase() != a.name.to_lowercase() {
                    writeln!(out, "Nothing was deleted.")?;
                    return Ok(());
                }
            }
            store.delete_account(a.owner).await?;
            writeln!(
                out,
                "{} and everything in it are deleted, with any invitation it made that nobody has used.",
                a.name
            )?;
        }
    }
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn an_invitation_stays_open_for_days_or_hours_up_to_ninety_days() {
        assert_eq!(parse_expiry("7d"), Some(time::Duration::days(7)));
        assert_eq!(parse_expiry("12h"), Some(time::Duration::hours(12)));
        assert_eq!(parse_expiry("90d"), Some(time::Duration::days(90)));
        for bad in ["91d", "0d", "7", "d", "7w", "-1d", "", "999999999999999d", "99999999999999999999h"] {
            assert_eq!(parse_expiry(bad), None, "{bad}");
        }
    }
}
