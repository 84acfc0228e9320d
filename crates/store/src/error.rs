//! Everything that can go wrong in storage, each with words a person can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("The passphrase or key does not open this database. Nothing was changed.")]
    WrongKey,
    #[error("This database is protected by a passphrase, and none was given.")]
    PassphraseRequired,
    #[error("The database at {db} exists, but its key file is missing at {key}. Without the key file the data cannot be read.")]
    KeyFileMissing { db: PathBuf, key: PathBuf },
    #[error("The key file at {path} cannot be used: {reason}")]
    KeyFileInvalid { path: PathBuf, reason: String },
    #[error("{path} is not a drawbridge database: {reason}. It was left untouched.")]
    NotDrawbridge { path: PathBuf, reason: String },
    #[error(
        "This database was written by a newer version of drawbridge (schema {found}; this version knows up to {known}). It was left untouched."
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("The database at {0} is read-only, so nothing can be saved.")]
    ReadOnly(PathBuf),
    #[error(
        "The database at {path} can only be read (its folder or file is read-only), and it was written by an older version of drawbridge (schema {found}; this one uses {known}), which needs to update it first."
    )]
    ReadOnlyOutdated { path: PathBuf, found: i64, known: i64 },
    #[error("The disk is full, so this could not be saved. Everything saved before is safe.")]
    DiskFull,
    #[error("Could not use {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("The import file is not valid at {at}: {reason}. Nothing was imported.")]
    Import { at: String, reason: String },
    #[error(
        "This export was made by a newer version of drawbridge (export version {found}; this version reads up to {known}). Nothing was imported."
    )]
    NewerExport { found: u32, known: u32 },
    #[error(
        "The database at {db} cannot be read with the key file at {key}: the key file seems to belong to another database, or the start of the database file is damaged. Nothing was changed."
    )]
    KeyMismatch { db: PathBuf, key: PathBuf },
    #[error("The database at {path} is damaged: {detail}. Nothing was changed.")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "The PostgreSQL database at {server} holds words sealed with another key than the one in the key file at {key}. Nothing was changed."
    )]
    SealedWithAnotherKey { server: String, key: PathBuf },
    #[error("The database reported a problem: {0}")]
    Database(String),
    #[error("Could not reach the PostgreSQL server at {server}: {detail}. Nothing was written.")]
    Unreachable { server: String, detail: String },
    #[error("The PostgreSQL server at {server} refused the login: {detail}. Nothing was written.")]
    LoginRefused { server: String, detail: String },
    #[error("The name {0:?} is already in use here. Nothing was made.")]
    NameTaken(String),
    #[error("This invitation has been used, has expired or was withdrawn. Nothing was made.")]
    InvitationInvalid,
    /// A write for an owner (an account) that was deleted meanwhile.
    #[error("This account has been deleted, so nothing more can be saved to it. Nothing was written.")]
    OwnerGone,
}

impl StoreError {
    /// Wrong or missing secrets are their own class: the CLI exits with 2.
    pub fn is_key_problem(&self) -> bool {
        matches!(
            self,
            StoreError::WrongKey
                | StoreError::PassphraseRequired
                | StoreError::KeyFileMissing { .. }
                | StoreError::KeyFileInvalid { .. }
                | StoreError::KeyMismatch { .. }
                | StoreError::SealedWithAnotherKey { .. }
        )
    }

    /// A short, practical next step, where there is one.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            StoreError::WrongKey => {
                "Check the passphrase (or DRAWBRIDGE_PASSPHRASE) and try again; each try leaves the data as it was.".into()
            }
            StoreError::PassphraseRequired => "Type it when asked, or set DRAWBRIDGE_PASSPHRASE for scripts.".into(),
            StoreError::KeyFileMissing { key, .. } => format!(
                "If you moved or restored the data folder, copy its key file back to {}. Use --data-dir to point at a folder that holds both.",
                key.display()
            ),
            StoreError::NotDrawbridge { .. } => "Point --data-dir at a folder of its own, or move that file aside.".into(),
            StoreError::NewerSchema { .. } => "Update drawbridge to the newest version to open it.".into(),
            StoreError::ReadOnly(_) => "Check the file's permissions, or use --data-dir to choose a folder you can write to. Reading and export still work.".into(),
            StoreError::ReadOnlyOutdated { .. } => "Open it once where it can be written (check the folder's permissions), so drawbridge can update it; nothing was changed.".into(),
            StoreError::DiskFull => "Free some space and try again.".into(),
            StoreError::Import { .. } => "Fix that field (docs/export.schema.json describes every field) and import again.".into(),
            StoreError::NewerExport { .. } => "Update drawbridge to the newest version, then import the file again.".into(),
            StoreError::KeyMismatch { .. } => "If you copied or restored files, put back the key file that came with this database (they belong together). If not, the database may be damaged: keep a copy of it and restore from your last export with `drawbridge import FILE`.".into(),
            StoreError::SealedWithAnotherKey { .. } => "Use the key file this database was first opened with: point --data-dir at the folder that holds it. A new key file cannot open words sealed with the old one.".into(),
            StoreError::Damaged { path, .. } => format!(
                "Keep the file as it is (a copy is a good idea) and restore from your last export: move {} aside, then run `drawbridge import FILE`. `drawbridge doctor` checks the database again.",
                path.display()
            ),
            StoreError::Unreachable { .. } => "Check that the server is running and that --database-url (or DRAWBRIDGE_DATABASE_URL) names its host, port and database.".into(),
            StoreError::LoginRefused { .. } => "Check the user name and password in the database URL, and that this user may connect to that database.".into(),
            StoreError::NameTaken(_) => "Choose another name.".into(),
            StoreError::InvitationInvalid => "Ask whoever invited you for a new link.".into(),
            _ => return None,
        })
    }
}
