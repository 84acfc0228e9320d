//! The protective-story cards: beside a saved journal entry or reset, each
//! story its words tell (read on this device, see `drawbridge_core::stories`),
//! named gently with its reality check and one question, and a way to say
//! "not this time", which is kept so the card stays away.

use axum::extract::Form;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::journal::JournalEntry;
use drawbridge_core::moment::Reset;
use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET, STORIES, Story, StoryLabels, shown};
use drawbridge_store::Store;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::WebError;

/// The cards beside a saved text, and the words around them.
pub struct Cards {
    /// Each story to name, in the words of `content/stories.toml`.
    pub cards: Vec<&'static Story>,
    pub labels: &'static StoryLabels,
    /// Where "not this time" is sent.
    pub action: String,
    /// Whether a card was just put away.
    pub put_away: bool,
}

impl Cards {
    /// The cards beside one saved text (`item` and `id`, its words `texts`):
    /// the stories it tells, less those the person put away.
    async fn beside<'t>(
        st: &AppState,
        store: &Store,
        (item, id): (&str, Uuid),
        texts: impl IntoIterator<Item = &'t str>,
        action: String,
        put_away: bool,
    ) -> Result<Cards, WebError> {
        let c = st.catalog();
        let found = c.stories_in_all(texts);
        let answers = if found.is_empty() {
            Vec::new()
        } else {
            store.story_answers().await?
        };
        let text = c.stories();
        Ok(Cards {
            cards: shown(found, item, id, &answers)
                .into_iter()
                .filter_map(|s| text.story(s.story))
                .collect(),
            labels: &text.labels,
            action,
            put_away,
        })
    }
}

/// The cards for a journal entry.
pub(crate) async fn for_journal(st: &AppState, store: &Store, e: &JournalEntry, put_away: bool) -> Result<Cards, WebError> {
    Cards::beside(
        st,
        store,
        (ITEM_JOURNAL, e.id),
        e.text.texts(),
        format!("/journal/{}/stories", e.id),
        put_away,
    )
    .await
}

/// The cards for a reset.
pub(crate) async fn for_reset(st: &AppState, store: &Store, r: &Reset, put_away: bool) -> Result<Cards, WebError> {
    Cards::beside(
        st,
        store,
        (ITEM_RESET, r.id),
        r.entry.texts(),
        format!("/after/resets/{}/stories", r.id),
        put_away,
    )
    .await
}

#[derive(Deserialize)]
pub struct AwayForm {
    #[serde(default)]
    story: String,
}

fn known(story: &str) -> Result<&'static str, WebError> {
    STORIES.iter().copied().find(|s| *s == story).ok_or(WebError::NotFound)
}

/// "Not this time": kept once, for a text that is there, then back to it.
async fn away(store: &Store, item: &str, id: Uuid, story: &str, exists: bool, back: String) -> Result<Response, WebError> {
    let story = known(story)?;
    if !exists {
        return Err(WebError::NotFound);
    }
    store.put_story_away(item, id, story).await?;
    Ok(Redirect::to(&format!("{back}?put_away=1#stories")).into_response())
}

/// "Not this time" beside a journal entry.
pub async fn journal_away(Owner(store): Owner, Id(id): Id, Form(f): Form<AwayForm>) -> Result<Response, WebError> {
    let exists = store.journal_entry(id).await?.is_some();
    away(&store, ITEM_JOURNAL, id, &f.story, exists, format!("/journal/{id}")).await
}

/// "Not this time" beside a reset.
pub async fn reset_away(Owner(store): Owner, Id(id): Id, Form(f): Form<AwayForm>) -> Result<Response, WebError> {
    let exists = store.reset(id).await?.is_some();
    away(&store, ITEM_RESET, id, &f.story, exists, format!("/after/resets/{id}")).await
}
