//! The engines the storage contract runs on: SQLite always, and PostgreSQL
//! when `DATABASE_URL` names a server (each test gets a database of its
//! own there, dropped after). Both are opened through the one front door,
//! `Store::open_or_create`, with a key file in a folder of the test's own.

#![allow(dead_code)] // Each test file uses the part it needs.

use drawbridge_core::Catalog;
use drawbridge_core::journal::JournalText;
use drawbridge_store::testing::{FreshDatabase, postgres_server};
use drawbridge_store::{Location, Store, Workload};

pub struct Engine {
    pub name: &'static str,
    pub dir: tempfile::TempDir,
    pub pg: Option<FreshDatabase>,
}

impl Engine {
    pub fn sqlite() -> Engine {
        Engine {
            name: "SQLite",
            dir: tempfile::tempdir().expect("tempdir"),
            pg: None,
        }
    }

    pub async fn postgres(server: &str) -> Engine {
        Engine {
            name: "PostgreSQL",
            dir: tempfile::tempdir().expect("tempdir"),
            pg: Some(FreshDatabase::new(server).await),
        }
    }

    /// Where this engine's data and key file are.
    pub fn location(&self) -> Location {
        Location {
            db: self.dir.path().join("drawbridge.db"),
            key: self.dir.path().join("drawbridge.key"),
            database_url: self.pg.as_ref().map(|d| d.url.clone()),
        }
    }

    /// Open (and on first use create) the store.
    pub async fn open(&self) -> Store {
        eprintln!("on {}", self.name);
        Store::open_or_create(&self.location(), None, Workload::Command)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", self.name))
            .0
    }

    /// A second, empty store of the same engine.
    pub async fn another(&self) -> Engine {
        match &self.pg {
            None => Engine::sqlite(),
            Some(_) => Engine::postgres(&postgres_server().expect("a server")).await,
        }
    }
}

/// Every engine this run can test.
pub async fn all() -> Vec<Engine> {
    let mut out = vec![Engine::sqlite()];
    if let Some(server) = postgres_server() {
        out.push(Engine::postgres(&server).await);
    }
    out
}

/// The content the app ships with.
pub fn catalog() -> &'static Catalog {
    Catalog::embedded()
}

/// A journal entry's words, linked to nothing.
pub fn journal_text(title: Option<&str>, body: &str, tags: &[&str]) -> JournalText {
    JournalText {
        title: title.map(String::from),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        prompt: None,
        body_signal: None,
        urge: None,
        record: None,
        reset: None,
    }
}
