//! What both engines' schema steps share: a step is a file in
//! `migrations/<engine>/`, named `NNNN_what_it_does.sql`, listed once in its
//! engine's `migrate.rs`, and never changed once released (each engine
//! records a SHA-384 checksum of the words it applied and refuses a step
//! whose words have changed since).

use sha2::{Digest, Sha384};

pub(crate) struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The checksum recorded when the step is applied.
    pub(crate) fn checksum(&self) -> Vec<u8> {
        Sha384::digest(self.sql.as_bytes()).to_vec()
    }
}

/// One engine's steps, oldest first: `migrations!("sqlite", 1 "0001_init.sql" "init", ...)`.
macro_rules! migrations {
    ($engine:literal, $($version:literal $file:literal $description:literal),* $(,)?) => {
        &[$(crate::migrations::Migration {
            version: $version,
            description: $description,
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $engine, "/", $file)),
        }),*]
    };
}
pub(crate) use migrations;

/// The newest step in a list.
pub(crate) fn newest(list: &[Migration]) -> i64 {
    list.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The list names exactly the files in the engine's folder, in order, with
/// the version and description each file name gives, and their words.
#[cfg(test)]
pub(crate) fn assert_list_is_the_folder(engine: &str, list: &[Migration]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("migrations folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    assert_eq!(files.len(), list.len(), "{files:?}");
    for (file, m) in files.iter().zip(list) {
        let (num, rest) = file.split_once('_').expect("NNNN_name.sql");
        assert_eq!(num.parse::<i64>().expect("number"), m.version, "{file}");
        assert_eq!(rest.trim_end_matches(".sql").replace('_', " "), m.description, "{file}");
        assert_eq!(std::fs::read_to_string(dir.join(file)).expect("read"), m.sql, "{file}");
    }
}
