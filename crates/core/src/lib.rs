//! The pure domain of drawbridge.
//!
//! Everything here is plain data and rules: the content model (the words the
//! app shows, parsed from the TOML files under `content/` and embedded at build
//! time), the urge log's rules and summaries, the crisis directory and the
//! check that keeps shaming or diagnosing words out of what the person reads.
//! No I/O, no async, no database: the other crates bring those.

pub mod account;
pub mod assess;
pub mod content;
pub mod crisis;
pub mod journal;
pub mod moment;
pub mod people;
pub mod practice;
pub mod prompts;
pub mod safety;
pub mod search;
pub mod source;
pub mod stories;
pub mod urge;
pub mod versions;
pub mod words;

pub use content::Catalog;
pub use source::ContentError;
