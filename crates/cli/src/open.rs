//! Opening the store from the command line (reading a passphrase when the key
//! file needs one) and opening the person's browser.

use std::io::IsTerminal;

use anyhow::Result;
use drawbridge_store::{KeyFile, Opened, Store, StoreError, Workload};
use zeroize::Zeroizing;

use crate::{Ctx, UserError};

pub const PASSPHRASE_ENV: &str = "DRAWBRIDGE_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "DRAWBRIDGE_NEW_PASSPHRASE";

/// The current passphrase, from the environment or a prompt. `None` when the
/// key file does not need one.
pub fn current_passphrase(ctx: &Ctx) -> Result<Option<Zeroizing<String>>> {
    let needs = KeyFile::read(&ctx.paths.key)?.is_some_and(|k| k.needs_passphrase());
    if !needs {
        return Ok(None);
    }
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Some(Zeroizing::new(p)));
    }
    if !std::io::stdin().is_terminal() {
        return Err(StoreError::PassphraseRequired.into());
    }
    let p = rpassword::prompt_password("Passphrase: ").map_err(|_| StoreError::PassphraseRequired)?;
    Ok(Some(Zeroizing::new(p)))
}

/// Open (or on first run, create) the store for a command.
pub async fn store(ctx: &Ctx, workload: Workload) -> Result<Store> {
    let pass = current_passphrase(ctx)?;
    let (store, opened) = Store::open_or_create(&ctx.paths.location(), pass.as_deref().map(String::as_str), workload).await?;
    if opened == Opened::Created {
        if ctx.paths.database_url.is_some() {
            crate::notice(format!("Created your space in {}.", ctx.paths.shown()));
            crate::notice(format!(
                "Your words there are sealed with the key in {}; keep that file private and backed up.",
                ctx.paths.key.display()
            ));
        } else {
            crate::notice(format!("Created a new encrypted database at {}.", ctx.paths.db.display()));
            crate::notice(format!(
                "Its key is in {}; keep that file private and backed up.",
                ctx.paths.key.display()
            ));
        }
    }
    Ok(store)
}

/// A new passphrase: from DRAWBRIDGE_NEW_PASSPHRASE, or asked twice.
pub fn new_passphrase() -> Result<Zeroizing<String>> {
    let p = match std::env::var(NEW_PASSPHRASE_ENV) {
        Ok(p) => Zeroizing::new(p),
        Err(_) => {
            if !std::io::stdin().is_terminal() {
                return Err(UserError::new(
                    "A new passphrase is needed, and there is no terminal to ask in.",
                    format!("Set {NEW_PASSPHRASE_ENV} for scripts."),
                )
                .into());
            }
            let a = Zeroizing::new(rpassword::prompt_password("New passphrase: ")?);
            let b = Zeroizing::new(rpassword::prompt_password("Type it again: ")?);
            if *a != *b {
                return Err(UserError::new(
                    "The two passphrases were different, so nothing was changed.",
                    "Run the command again and type the same passphrase twice.",
                )
                .into());
            }
            a
        }
    };
    if p.chars().count() < 8 {
        return Err(UserError::new(
            "That passphrase is shorter than 8 characters, so nothing was changed.",
            "A few ordinary words in a row make a passphrase that is long and easy to remember.",
        )
        .into());
    }
    Ok(p)
}

/// Open `url` in the default browser, quietly; failure just means the person
/// opens the printed link themselves.
pub fn browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let mut cmd = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}
