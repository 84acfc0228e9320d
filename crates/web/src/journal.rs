//! The Journal: writing (kept on the server as a draft while it is typed,
//! so a closed tab loses nothing), the list with its filters, one entry
//! with its earlier versions, editing that keeps the replaced words,
//! deleting that asks once, and every prompt.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalError, JournalInput, JournalText, parse_tags};
use drawbridge_core::stories::{self, STORIES};
use drawbridge_store::{JournalFilter, Store};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::{Chrome, Opt, WebError, day_range, earlier_rows, html_time, local_time, opts, render};
use crate::security::Session;

/// The longest list the Journal page shows at once.
const LIST_LIMIT: usize = 200;
/// How much of an entry the list shows.
const SNIPPET: usize = 180;

/// What the writing form holds, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct WriteForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    body_signal: String,
    /// Sent by the page's script when it keeps a draft as the person types.
    #[serde(default)]
    autosave: String,
}

impl WriteForm {
    fn from_entry(e: &JournalEntry) -> Self {
        WriteForm {
            id: e.id.to_string(),
            title: e.text.title.clone().unwrap_or_default(),
            body: e.text.body.clone(),
            tags: e.text.tags.join(", "),
            prompt: e.text.prompt.clone().unwrap_or_default(),
            body_signal: e.text.body_signal.clone().unwrap_or_default(),
            autosave: String::new(),
        }
    }

    /// A kept draft's words over what the form held.
    fn with_draft(mut self, d: &JournalDraft) -> Self {
        self.title = d.title.clone();
        self.body = d.body.clone();
        self.tags = d.tags.clone();
        if let Some(p) = &d.prompt {
            self.prompt = p.clone();
        }
        self
    }

    fn draft(&self, id: Uuid) -> JournalDraft {
        JournalDraft {
            id,
            saved_at: OffsetDateTime::now_utc(),
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
            prompt: Some(self.prompt.trim().to_string()).filter(|p| !p.is_empty()),
        }
    }

    /// The entry it makes, checked.
    fn check(&self, st: &AppState) -> Result<JournalText, JournalError> {
        let c = st.catalog();
        let tags = parse_tags(&self.tags)?;
        let input = JournalInput {
            title: Some(&self.title),
            body: &self.body,
            tags,
            prompt: Some(&self.prompt),
            body_signal: Some(&self.body_signal),
            ..Default::default()
        };
        JournalText::check(input, |p| c.prompts().get(p).is_some(), |b| c.urges().body_signal(b).is_some())
    }
}

/// The writing page, for a new entry or an edit.
#[derive(Template, WebTemplate)]
#[template(path = "journal_write.html")]
struct WritePage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    editing: bool,
    /// Where the form is sent to be saved.
    action: String,
    form: WriteForm,
    /// The prompt it answers: (text, hint).
    prompt: Option<(String, String)>,
    body_signals: Vec<Opt>,
    error_field: &'static str,
    error: String,
    /// A kept draft is on the page: when it was kept, and (for an edit)
    /// whether the entry changed after it.
    draft_kept: Option<String>,
    draft_older: bool,
    /// Just kept without saving (the no-script path).
    kept: bool,
}

/// The writing page; `entry` is the saved entry when this is an edit.
fn write_page(
    st: &AppState,
    csrf: String,
    id: Uuid,
    form: WriteForm,
    error: Option<&JournalError>,
    draft: Option<&JournalDraft>,
    entry: Option<&JournalEntry>,
) -> WritePage {
    let editing = entry.is_some();
    let c = st.catalog();
    let prompt = c.prompts().get(form.prompt.trim()).map(|p| (p.text.clone(), p.hint.clone()));
    let body_signals = opts(
        std::iter::once(("", "Not noted")).chain(c.urges().body.iter().map(|b| (b.id.as_str(), b.name.as_str()))),
        Some(form.body_signal.as_str()),
    );
    let (error_field, error) = error.map_or(("", String::new()), |e| (e.field(), e.to_string()));
    WritePage {
        chrome: Chrome::new(if editing { "Edit entry" } else { "Write" }, "journal"),
        csrf,
        id,
        editing,
        action: if editing {
            format!("/journal/{id}/edit")
        } else {
            "/journal".into()
        },
        form,
        prompt,
        body_signals,
        error_field,
        error,
        draft_kept: draft.map(|d| local_time(st, d.saved_at)),
        draft_older: match (draft, entry.and_then(|e| e.edited_at.or(Some(e.at)))) {
            (Some(d), Some(changed)) => d.saved_at < changed,
            _ => false,
        },
        kept: false,
    }
}

#[derive(Deserialize, Default)]
pub struct WriteQuery {
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    draft: String,
    kept: Option<String>,
}

pub async fn write(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<WriteQuery>,
) -> Result<Response, WebError> {
    if !q.draft.is_empty() {
        let id = Uuid::parse_str(q.draft.trim()).map_err(|_| WebError::NotFound)?;
        // A draft of a saved entry is an edit in progress.
        if store.journal_entry(id).await?.is_some() {
            return Ok(Redirect::to(&format!("/journal/{id}/edit")).into_response());
        }
        let Some(draft) = store.journal_draft(id).await? else {
            return Err(WebError::NotFound);
        };
        let form = WriteForm {
            id: id.to_string(),
            ..Default::default()
        }
        .with_draft(&draft);
        let mut page = write_page(&st, session.csrf, id, form, None, Some(&draft), None);
        page.kept = q.kept.is_some();
        return Ok(render(&page));
    }
    let prompt = q.prompt.trim();
    if !prompt.is_empty() && st.catalog().prompts().get(prompt).is_none() {
        return Err(WebError::Invalid(format!(
            "There is no question \"{prompt}\". Choose one from the list of all questions."
        )));
    }
    let id = Uuid::now_v7();
    let form = WriteForm {
        id: id.to_string(),
        prompt: prompt.to_string(),
        ..Default::default()
    };
    Ok(render(&write_page(&st, session.csrf, id, form, None, None, None)))
}

/// The form could not be saved: the page again, with every word as typed,
/// the problem named beside its field, and the words kept as a draft so
/// that closing the tab now loses nothing.
async fn not_saved(
    st: &AppState,
    store: &Store,
    csrf: String,
    id: Uuid,
    entry: Option<&JournalEntry>,
    form: WriteForm,
    e: &JournalError,
) -> Result<Response, WebError> {
    let draft = form.draft(id);
    let kept = if draft.is_blank() || draft.too_large() {
        None
    } else {
        Some(store.keep_journal_draft(draft).await?)
    };
    let page = write_page(st, csrf, id, form, Some(e), kept.as_ref(), entry);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

fn form_id(form: &WriteForm) -> Result<Uuid, WebError> {
    Uuid::parse_str(form.id.trim())
        .map_err(|_| WebError::Invalid("This form lost its entry number. Copy your words, then open Write again.".into()))
}

fn saved_url(st: &AppState, id: Uuid, status: &str, text: &JournalText) -> String {
    let texts: Vec<&str> = text.texts().collect();
    crate::care::redirect_to(st, &format!("/journal/{id}?{status}=1"), &texts)
}

pub async fn save(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Form(form): Form<WriteForm>,
) -> Result<Response, WebError> {
    let id = form_id(&form)?;
    let text = match form.check(&st) {
        Ok(t) => t,
        Err(e) => return not_saved(&st, &store, session.csrf, id, None, form, &e).await,
    };
    let (saved, created) = store.save_journal(id, text.clone(), OffsetDateTime::now_utc()).await?;
    if !created && saved.text != text {
        // The same page sent again with other words (the back button, then
        // Save): the second words are an edit, and the first are kept.
        store.edit_journal(id, text.clone()).await?;
        store.delete_journal_draft(id).await?;
        return Ok(Redirect::to(&saved_url(&st, id, "updated", &text)).into_response());
    }
    Ok(Redirect::to(&saved_url(&st, id, "saved", &text)).into_response())
}

pub async fn edit(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Query(q): Query<WriteQuery>,
) -> Result<Response, WebError> {
    let entry = store.journal_entry(id).await?.ok_or(WebError::NotFound)?;
    let draft = store.journal_draft(id).await?;
    let mut form = WriteForm::from_entry(&entry);
    if let Some(d) = &draft {
        form = form.with_draft(d);
    }
    let mut page = write_page(&st, session.csrf, id, form, None, draft.as_ref(), Some(&entry));
    page.kept = q.kept.is_some();
    Ok(render(&page))
}

#[derive(Template, WebTemplate)]
#[template(path = "journal_gone.html")]
struct GonePage {
    chrome: Chrome,
    id: Uuid,
}

pub async fn update(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Form(form): Form<WriteForm>,
) -> Result<Response, WebError> {
    let Some(entry) = store.journal_entry(id).await? else {
        // Deleted while this edit was open (in another tab, say): the
        // words become a draft of their own, to save as a new entry.
        let new = Uuid::now_v7();
        let draft = form.draft(new);
        if !draft.is_blank() && !draft.too_large() {
            store.keep_journal_draft(draft).await?;
        }
        return Ok((
            StatusCode::NOT_FOUND,
            render(&GonePage {
                chrome: Chrome::new("That entry was deleted", "journal"),
                id: new,
            }),
        )
            .into_response());
    };
    let text = match form.check(&st) {
        Ok(t) => t,
        Err(e) => return not_saved(&st, &store, session.csrf, id, Some(&entry), form, &e).await,
    };
    if text != entry.text {
        store.edit_journal(id, text.clone()).await?;
    }
    store.delete_journal_draft(id).await?;
    Ok(Redirect::to(&saved_url(&st, id, "updated", &text)).into_response())
}

/// Keep the words being written as a draft: every few seconds from the
/// page's script (answered with no content), or from the "Keep as a draft"
/// button (back to the page, which says so).
///
/// The id is in the form, not the address: it is the one the writing page
/// was given, and whatever it is, the draft is this person's own.
pub async fn keep_draft(Owner(store): Owner, Form(form): Form<WriteForm>) -> Result<Response, WebError> {
    let id = form_id(&form)?;
    let draft = form.draft(id);
    let editing = store.journal_entry(id).await?.is_some();
    if draft.too_large() {
        return Err(WebError::Invalid(
            "This is longer than an entry can hold, so it could not be kept as a draft. Copy your words somewhere safe, then split them into two entries.".into(),
        ));
    }
    let blank = draft.is_blank();
    if blank {
        // Nothing typed yet, or everything cleared: there are no words to
        // keep, and an edit's saved words are still saved.
        store.delete_journal_draft(id).await?;
    } else {
        store.keep_journal_draft(draft).await?;
    }
    if !form.autosave.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let back = if editing {
        format!("/journal/{id}/edit?kept=1")
    } else if blank {
        "/journal/write".to_string()
    } else {
        format!("/journal/write?draft={id}&kept=1")
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "journal_discard.html")]
struct DiscardPage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    kept: String,
    words: usize,
    editing: bool,
}

pub async fn discard_confirm(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
) -> Result<Response, WebError> {
    let draft = store.journal_draft(id).await?.ok_or(WebError::NotFound)?;
    let editing = store.journal_entry(id).await?.is_some();
    Ok(render(&DiscardPage {
        chrome: Chrome::new("Throw this draft away?", "journal"),
        csrf: session.csrf,
        id,
        kept: local_time(&st, draft.saved_at),
        words: draft.body.split_whitespace().count() + draft.title.split_whitespace().count(),
        editing,
    }))
}

pub async fn discard(Owner(store): Owner, Id(id): Id) -> Result<Response, WebError> {
    if !store.delete_journal_draft(id).await? {
        return Err(WebError::NotFound);
    }
    if store.journal_entry(id).await?.is_some() {
        return Ok(Redirect::to(&format!("/journal/{id}?discarded=1")).into_response());
    }
    Ok(Redirect::to("/journal?discarded=1").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "journal_entry.html")]
struct EntryPage {
    chrome: Chrome,
    id: Uuid,
    heading: String,
    when: String,
    when_iso: String,
    edited: Option<String>,
    body_html: String,
    tags: Vec<String>,
    prompt: Option<String>,
    body_signal: Option<String>,
    /// Records it is about: (address, words).
    links: Vec<(String, String)>,
    status: &'static str,
    /// An edit in progress, kept at this time.
    draft_kept: Option<String>,
    earlier: Vec<(String, String, String)>,
    stories: crate::stories::Cards,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct EntryQuery {
    put_away: Option<String>,
    saved: Option<String>,
    updated: Option<String>,
    discarded: Option<String>,
}

pub async fn entry(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Query(q): Query<EntryQuery>,
) -> Result<Response, WebError> {
    let e = store.journal_entry(id).await?.ok_or(WebError::NotFound)?;
    let c = st.catalog();
    let mut links = Vec::new();
    if let Some(u) = e.text.urge {
        links.push((format!("/urges/{u}"), "The urge it is about".to_string()));
    }
    if let Some(r) = e.text.record {
        links.push((format!("/practice/records/{r}"), "The experiment it is about".to_string()));
    }
    if let Some(r) = e.text.reset {
        links.push((format!("/after/resets/{r}"), "The reset it is about".to_string()));
    }
    let status = if q.saved.is_some() {
        "saved"
    } else if q.updated.is_some() {
        "updated"
    } else if q.discarded.is_some() {
        "discarded"
    } else {
        ""
    };
    Ok(render(&EntryPage {
        chrome: Chrome::new("Journal entry", "journal"),
        id,
        heading: e.heading(),
        when: local_time(&st, e.at),
        when_iso: html_time(e.at),
        edited: e.edited_at.map(|t| local_time(&st, t)),
        body_html: crate::markdown::to_html(&e.text.body, 1),
        tags: e.text.tags.clone(),
        prompt: e
            .text
            .prompt
            .as_deref()
            .map(|p| c.prompts().get(p).map_or_else(|| p.to_string(), |x| x.text.clone())),
        body_signal: e
            .text
            .body_signal
            .as_deref()
            .map(|b| c.urges().body_signal(b).map_or_else(|| b.to_string(), |x| x.name.clone())),
        links,
        status,
        draft_kept: store.journal_draft(id).await?.map(|d| local_time(&st, d.saved_at)),
        earlier: earlier_rows(&st, store.versions(drawbridge_core::versions::JOURNAL, &id.to_string()).await?),
        stories: crate::stories::for_journal(&st, &store, &e, q.put_away.is_some()).await?,
        csrf: session.csrf,
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "journal_delete.html")]
struct DeletePage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    heading: String,
    when: String,
    versions: usize,
}

pub async fn delete_confirm(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
) -> Result<Response, WebError> {
    let e = store.journal_entry(id).await?.ok_or(WebError::NotFound)?;
    let versions = store.versions(drawbridge_core::versions::JOURNAL, &id.to_string()).await?.len();
    Ok(render(&DeletePage {
        chrome: Chrome::new("Delete this entry?", "journal"),
        csrf: session.csrf,
        id,
        heading: e.heading(),
        when: local_time(&st, e.at),
        versions,
    }))
}

pub async fn delete(Owner(store): Owner, Id(id): Id) -> Result<Response, WebError> {
    if !store.delete_journal(id).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/journal?deleted=1").into_response())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    tag: String,
    #[serde(default)]
    story: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    deleted: Option<String>,
    discarded: Option<String>,
}

pub struct EntryRow {
    id: Uuid,
    at: OffsetDateTime,
    href: String,
    /// "Reset" for a reset in the timeline; empty for an entry.
    kind: &'static str,
    heading: String,
    when: String,
    when_iso: String,
    tags: Vec<String>,
    snippet: String,
}

/// A draft in the list: (id, what it starts with, when kept, the entry it edits).
pub struct DraftRow {
    id: Uuid,
    start: String,
    kept: String,
    edits: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "journal.html")]
struct ListPage {
    chrome: Chrome,
    drafts: Vec<DraftRow>,
    rows: Vec<EntryRow>,
    tags: Vec<Opt>,
    stories: Vec<Opt>,
    story_error: String,
    from: String,
    to: String,
    date_error: String,
    filtered: bool,
    more: bool,
    limit: usize,
    total: usize,
    status: &'static str,
}

/// The body without the line an untitled entry's heading was made from.
fn after_heading(e: &JournalEntry) -> String {
    if e.text.title.is_some() {
        return e.text.body.clone();
    }
    let body = e.text.body.trim_start();
    body.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string())
}

pub async fn list(State(st): State<AppState>, Owner(store): Owner, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let (since, until, date_error) = day_range(&st, &q.from, &q.to);
    let all = store.journal(&JournalFilter::default()).await?;
    // Every tag in use, for the filter, in the spelling first used.
    let mut tag_names: Vec<String> = Vec::new();
    for e in &all {
        for t in &e.text.tags {
            if !tag_names.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
                tag_names.push(t.clone());
            }
        }
    }
    tag_names.sort_by_key(|t| t.to_lowercase());
    let wanted = q.tag.trim().trim_start_matches('#').to_lowercase();
    // The tag as first spelled, when the person has one like it.
    let tag = tag_names.iter().find(|x| !wanted.is_empty() && x.to_lowercase() == wanted).cloned();
    let total = all.len();
    // A story asked for by name: one of the eight, or a problem said aloud.
    let c = st.catalog();
    let wanted_story = q.story.trim();
    let story = STORIES.iter().copied().find(|s| *s == wanted_story);
    let story_error = if story.is_none() && !wanted_story.is_empty() {
        format!("\u{201c}{wanted_story}\u{201d} is not one of the stories; choose one from the list.")
    } else {
        String::new()
    };
    let answers = if story.is_some() {
        store.story_answers().await?
    } else {
        Vec::new()
    };
    let tells = |item: &str, id: Uuid, texts: Vec<&str>| {
        story.is_none_or(|s| {
            stories::shown(c.stories_in_all(texts), item, id, &answers)
                .iter()
                .any(|x| x.story == s)
        })
    };
    let shown: Vec<&JournalEntry> = all
        .iter()
        .filter(|e| since.is_none_or(|s| e.at >= s) && until.is_none_or(|u| e.at < u))
        .filter(|e| tag.as_deref().is_none_or(|t| e.text.has_tag(t)))
        .filter(|e| tells(stories::ITEM_JOURNAL, e.id, e.text.texts().collect()))
        .collect();
    let mut rows: Vec<EntryRow> = shown
        .iter()
        .map(|e| EntryRow {
            id: e.id,
            at: e.at,
            href: format!("/journal/{}", e.id),
            kind: "",
            heading: e.heading(),
            when: local_time(&st, e.at),
            when_iso: html_time(e.at),
            tags: e.text.tags.clone(),
            snippet: crate::markdown::snippet(&after_heading(e), SNIPPET),
        })
        .collect();
    // Resets stand in the timeline too (they carry no tags).
    if tag.is_none() {
        for r in store.resets(i64::MAX).await? {
            if since.is_some_and(|s| r.at < s) || until.is_some_and(|u| r.at >= u) {
                continue;
            }
            if !tells(stories::ITEM_RESET, r.id, r.entry.texts().collect()) {
                continue;
            }
            let t = &r.entry.thought;
            let heading = r
                .entry
                .first_words()
                .map(|w| crate::markdown::snippet(w, 60))
                .unwrap_or_else(|| "A reset".to_string());
            let rest = [&r.entry.truth, &t.evidence, &t.another_view]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            rows.push(EntryRow {
                id: r.id,
                at: r.at,
                href: format!("/after/resets/{}", r.id),
                kind: "Reset",
                heading,
                when: local_time(&st, r.at),
                when_iso: html_time(r.at),
                tags: Vec::new(),
                snippet: crate::markdown::snippet(&rest, SNIPPET),
            });
        }
    }
    rows.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    let more = rows.len() > LIST_LIMIT;
    rows.truncate(LIST_LIMIT);
    let drafts = store
        .journal_drafts()
        .await?
        .into_iter()
        .map(|d| {
            let edits = all.iter().find(|e| e.id == d.id).map(JournalEntry::heading);
            let start = if d.title.trim().is_empty() {
                crate::markdown::snippet(&d.body, 80)
            } else {
                d.title.trim().to_string()
            };
            DraftRow {
                id: d.id,
                start,
                kept: local_time(&st, d.saved_at),
                edits,
            }
        })
        .collect();
    let tag_opts: Vec<(String, String)> = std::iter::once((String::new(), "Every tag".to_string()))
        .chain(tag_names.iter().map(|t| (t.clone(), format!("#{t}"))))
        .collect();
    let selected_value = tag.clone().unwrap_or_default();
    let story_opts: Vec<(String, String)> = std::iter::once((String::new(), "Every story".to_string()))
        .chain(c.stories().stories.iter().map(|s| (s.id.clone(), s.name.clone())))
        .collect();
    Ok(render(&ListPage {
        chrome: Chrome::new("Journal", "journal"),
        drafts,
        rows,
        tags: opts(tag_opts.iter().map(|(v, l)| (v.as_str(), l.as_str())), Some(&selected_value)),
        stories: opts(story_opts.iter().map(|(v, l)| (v.as_str(), l.as_str())), Some(story.unwrap_or(""))),
        story_error,
        from: q.from.trim().to_string(),
        to: q.to.trim().to_string(),
        date_error,
        filtered: since.is_some() || until.is_some() || tag.is_some() || story.is_some(),
        more,
        limit: LIST_LIMIT,
        total,
        status: if q.deleted.is_some() {
            "deleted"
        } else if q.discarded.is_some() {
            "discarded"
        } else {
            ""
        },
    }))
}

/// A prompt as the list shows it: (id, text, hint).
type PromptRow = (String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "journal_prompts.html")]
struct PromptsPage {
    chrome: Chrome,
    /// (theme name, its prompts), in the themes' order.
    themes: Vec<(String, Vec<PromptRow>)>,
}

pub async fn prompts(State(st): State<AppState>) -> Result<Response, WebError> {
    let p = st.catalog().prompts();
    let themes = drawbridge_core::prompts::THEMES
        .iter()
        .map(|t| {
            (
                p.theme_name(t).to_string(),
                p.of_theme(t).map(|x| (x.id.clone(), x.text.clone(), x.hint.clone())).collect(),
            )
        })
        .collect();
    Ok(render(&PromptsPage {
        chrome: Chrome::new("Questions to write from", "journal"),
        themes,
    }))
}
