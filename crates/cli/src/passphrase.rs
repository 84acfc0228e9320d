//! `drawbridge passphrase set|change|remove`.
//!
//! The passphrase never encrypts the database directly: it wraps the data key
//! in the key file. So setting, changing or removing it rewrites only that small
//! file (atomically), and the database is never re-encrypted. Before any key
//! file is written, the key is proven to open the database.

use anyhow::Result;
use drawbridge_store::{KeyFile, Store, Workload};

use crate::{Ctx, UserError, open};

#[derive(clap::Subcommand)]
pub enum Action {
    /// Protect your data with a passphrase (asked twice, or DRAWBRIDGE_NEW_PASSPHRASE).
    Set,
    /// Change the passphrase (current one from a prompt or DRAWBRIDGE_PASSPHRASE).
    Change,
    /// Go back to the key file alone, without a passphrase.
    Remove,
}

pub async fn run(ctx: &Ctx, action: Action) -> Result<()> {
    let path = &ctx.paths.key;
    let kf = match KeyFile::read(path)? {
        Some(kf) => kf,
        None => {
            // First run: create the database and its key file, then protect them.
            open::store(ctx, Workload::Command).await?.close().await;
            KeyFile::read(path)?.ok_or_else(|| {
                UserError::new(
                    "The key file disappeared while drawbridge was using it.",
                    "Restore it from a backup and try again.",
                )
            })?
        }
    };
    match (action, kf.needs_passphrase()) {
        (Action::Set, true) => {
            Err(UserError::new("A passphrase is already set.", "Use `drawbridge passphrase change` to change it.").into())
        }
        (Action::Change | Action::Remove, false) => Err(UserError::new(
            "No passphrase is set, so there is nothing to change or remove.",
            "Use `drawbridge passphrase set` to add one.",
        )
        .into()),
        (Action::Set, false) => {
            let key = kf.unlock(path, None)?;
            let new = open::new_passphrase()?;
            write_checked(ctx, &KeyFile::wrapped(&key, &new)?, &key).await?;
            eprintln!("Passphrase set. drawbridge will ask for it when it opens your data.");
            eprintln!("If it is forgotten, the data cannot be recovered: keep it somewhere safe.");
            Ok(())
        }
        (Action::Change, true) => {
            let current = open::current_passphrase(ctx)?;
            let key = kf.unlock(path, current.as_deref().map(String::as_str))?;
            let new = open::new_passphrase()?;
            write_checked(ctx, &KeyFile::wrapped(&key, &new)?, &key).await?;
            eprintln!("Passphrase changed.");
            Ok(())
        }
        (Action::Remove, true) => {
            let current = open::current_passphrase(ctx)?;
            let key = kf.unlock(path, current.as_deref().map(String::as_str))?;
            write_checked(ctx, &KeyFile::plain(&key), &key).await?;
            eprintln!("Passphrase removed. The key file alone now opens your data, so keep it private.");
            Ok(())
        }
    }
}

/// Prove the key opens the database, then replace the key file.
async fn write_checked(ctx: &Ctx, kf: &KeyFile, key: &drawbridge_store::DataKey) -> Result<()> {
    let store = Store::open_with_key(&ctx.paths.location(), key, Workload::Command).await?;
    store.close().await;
    let salt = match ctx.paths.database_url {
        // The salt names the local file this key also opens, if any: kept.
        Some(_) => KeyFile::read(&ctx.paths.key)?.and_then(|k| k.db_salt().map(String::from)),
        None => drawbridge_store::keys::db_salt_of(&ctx.paths.db),
    };
    kf.clone().with_db_salt(salt).write(&ctx.paths.key)?;
    Ok(())
}
