//! Where things live and how they are configured.
//!
//! Order of precedence: command-line flags, then `DRAWBRIDGE_*` environment
//! variables (clap reads both), then `drawbridge.toml` in the config
//! directory, then built-in defaults. With `--data-dir DIR` the database, the
//! key file and the config file all live under DIR, fully isolated; without
//! it, the database goes in the platform data directory and the key file and
//! config in the platform config directory, so copying the data folder alone
//! does not carry the key.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use drawbridge_store::Location;
use serde::Deserialize;

use crate::UserError;

pub const DB_FILE: &str = "drawbridge.db";
pub const KEY_FILE: &str = "drawbridge.key";
pub const CONFIG_FILE: &str = "drawbridge.toml";
pub const DEFAULT_PORT: u16 = 7878;

#[derive(Debug, Clone)]
pub struct Paths {
    pub db: PathBuf,
    pub key: PathBuf,
    pub config: PathBuf,
    /// A PostgreSQL database to use instead of the file `db`
    /// (`--database-url`, `DRAWBRIDGE_DATABASE_URL` or `database_url`).
    pub database_url: Option<String>,
}

impl Paths {
    pub fn resolve(data_dir: Option<&Path>) -> Result<Paths> {
        if let Some(dir) = data_dir {
            return Ok(Paths {
                db: dir.join(DB_FILE),
                key: dir.join(KEY_FILE),
                config: dir.join(CONFIG_FILE),
                database_url: None,
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "drawbridge").ok_or_else(|| {
            UserError::new(
                "Could not find a home directory to keep your data in.",
                "Choose a folder with --data-dir DIR (or DRAWBRIDGE_DATA_DIR).",
            )
        })?;
        Ok(Paths {
            db: dirs.data_dir().join(DB_FILE),
            key: dirs.config_dir().join(KEY_FILE),
            config: dirs.config_dir().join(CONFIG_FILE),
            database_url: None,
        })
    }

    /// Where the data is, as a message may say it: the file, or the
    /// PostgreSQL server and database (never the password).
    pub fn shown(&self) -> String {
        match &self.database_url {
            Some(url) => format!("PostgreSQL at {}", drawbridge_store::shown_url(url)),
            None => self.db.display().to_string(),
        }
    }

    pub fn location(&self) -> Location {
        Location {
            db: self.db.clone(),
            key: self.key.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

/// `drawbridge.toml`. Every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Port for the web app (default 7878).
    pub port: Option<u16>,
    /// Address to listen on (default 127.0.0.1).
    pub bind: Option<IpAddr>,
    /// Open the browser when the app starts (default true).
    pub open_browser: Option<bool>,
    /// Crisis region for `drawbridge help-now` when no other is chosen.
    pub region: Option<String>,
    /// A PostgreSQL database to keep the data in instead of the local file
    /// (`postgres://user:password@host:5432/database`).
    pub database_url: Option<String>,
    /// The addresses `/metrics` answers (default: this computer only,
    /// 127.0.0.1 and ::1).
    pub metrics_allow: Option<Vec<IpAddr>>,
    /// Reverse proxies whose X-Forwarded-For is believed (default: none).
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// Server mode: anyone who reaches the server may make an account
    /// (default false: only with an invitation).
    pub open_signup: Option<bool>,
    /// Server mode: minutes without a request before a session ends (60).
    pub session_idle_minutes: Option<u64>,
    /// Server mode: hours after signing in that a session ends (12).
    pub session_hours: Option<u64>,
    /// Server mode: the address people use, such as
    /// https://drawbridge.example.org; invitation links start with it.
    pub public_url: Option<String>,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<FileConfig> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
        };
        toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| drawbridge_core::source::line_of(&text, s.start));
            UserError::new(
                format!(
                    "{}{}: {}",
                    path.display(),
                    line.map(|l| format!(", line {l}")).unwrap_or_default(),
                    e.message().trim()
                ),
                "Valid settings are port, bind, open_browser, region, database_url, metrics_allow, trusted_proxies, open_signup, session_idle_minutes, session_hours and public_url; fix or remove the line.",
            )
            .into()
        })
    }
}

/// A secret kept in a file (its first line, without the line ending), named
/// by the environment variable `var`. A file that cannot be read, or is
/// empty, says so and what to check; the secret itself is never printed.
pub fn secret_from_file(path: &Path, var: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "Could not read {} (named by {var}): {e}. Check the path, and that this user may read the file.",
            path.display()
        )
    })?;
    let secret = text.lines().next().unwrap_or("").trim();
    if secret.is_empty() {
        anyhow::bail!(
            "{} (named by {var}) is empty. Put the database URL on its first line, or unset {var}.",
            path.display()
        );
    }
    Ok(secret.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_keeps_everything_together() {
        let p = Paths::resolve(Some(Path::new("/tmp/x"))).expect("paths");
        assert_eq!(p.db, Path::new("/tmp/x/drawbridge.db"));
        assert_eq!(p.key, Path::new("/tmp/x/drawbridge.key"));
        assert_eq!(p.config, Path::new("/tmp/x/drawbridge.toml"));
    }

    #[test]
    fn unknown_config_keys_are_named_with_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.toml");
        std::fs::write(&path, "port = 9000\ncolour = \"teal\"\n").expect("write");
        let err = FileConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn a_missing_config_file_means_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = FileConfig::load(&dir.path().join("none.toml")).expect("defaults");
        assert!(c.port.is_none());
    }
}
