//! The protective-story cards: beside a saved journal entry or reset, each
//! story its words tell (read on this device, see `drawbridge_core::stories`),
//! named gently with its reality check and one question, and a way to say
//! "not this time", which is kept so the card stays away.

use axum::extract::Form;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET, STORIES, Spotted, StoryAnswer, StoryLabels, shown};
use drawbridge_store::Store;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::WebError;

/// One card, in the words of `content/stories.toml`.
pub struct Card {
    pub id: &'static str,
    pub name: String,
    pub card: String,
    pub check: String,
    pub question: String,
}

/// The cards beside a saved text, and the words around them.
pub struct Cards {
    pub cards: Vec<Card>,
    pub labels: &'static StoryLabels,
    /// Where "not this time" is sent.
    pub action: String,
    /// Whether a card was just put away.
    pub put_away: bool,
}

impl Cards {
    pub(crate) fn new(
        st: &AppState,
        found: Vec<Spotted>,
        item: &str,
        id: Uuid,
        answers: &[StoryAnswer],
        action: String,
        put_away: bool,
    ) -> Cards {
        let text = st.catalog().stories();
        let cards = shown(found, item, id, answers)
            .into_iter()
            .filter_map(|s| {
                text.story(s.story).map(|t| Card {
                    id: s.story,
                    name: t.name.clone(),
                    card: t.card.clone(),
                    check: t.check.clone(),
                    question: t.question.clone(),
                })
            })
            .collect();
        Cards {
            cards,
            labels: &text.labels,
            action,
            put_away,
        }
    }
}

/// The cards for a journal entry.
pub(crate) async fn for_journal(
    st: &AppState,
    store: &Store,
    e: &drawbridge_core::journal::JournalEntry,
    put_away: bool,
) -> Result<Cards, WebError> {
    let found = st
        .catalog()
        .stories_in_all(e.text.title.as_deref().into_iter().chain([e.text.body.as_str()]));
    let answers = if found.is_empty() {
        Vec::new()
    } else {
        store.story_answers().await?
    };
    Ok(Cards::new(
        st,
        found,
        ITEM_JOURNAL,
        e.id,
        &answers,
        format!("/journal/{}/stories", e.id),
        put_away,
    ))
}

/// The cards for a reset.
pub(crate) async fn for_reset(st: &AppState, store: &Store, r: &drawbridge_core::moment::Reset, put_away: bool) -> Result<Cards, WebError> {
    let found = st.catalog().stories_in_all(r.entry.texts());
    let answers = if found.is_empty() {
        Vec::new()
    } else {
        store.story_answers().await?
    };
    Ok(Cards::new(
        st,
        found,
        ITEM_RESET,
        r.id,
        &answers,
        format!("/after/resets/{}/stories", r.id),
        put_away,
    ))
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
