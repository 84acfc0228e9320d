//! The page frame every page shares (the navigation, Get help now, the
//! care panel), rendering, and `WebError`: every kind of failure a person
//! can meet, mapped to its status and its calm page in one place.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use drawbridge_store::StoreError;
use time::{OffsetDateTime, macros::format_description};

use crate::AppState;

/// What every page needs for its frame.
pub(crate) struct Chrome {
    pub title: &'static str,
    pub area: &'static str,
    pub signed_in: bool,
    /// The calm crisis panel, after a save whose text called for it.
    pub care: Option<crate::care::CarePanel>,
}

impl Chrome {
    pub(crate) fn new(title: &'static str, area: &'static str) -> Self {
        Chrome {
            title,
            area,
            signed_in: true,
            care: crate::care::current(),
        }
    }
    pub(crate) fn outside(title: &'static str) -> Self {
        Chrome {
            title,
            area: "",
            signed_in: false,
            care: None,
        }
    }
}

/// An option in a select or radio group.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, current: Option<&str>) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: Some(v) == current,
        })
        .collect()
}

/// Every failure a person can meet, from a handler or from the guards in
/// `security`: each is mapped here, once, to its status and a calm page.
pub enum WebError {
    Store(StoreError),
    /// Nothing at this address (404), or an id that is not this person's.
    NotFound,
    /// A value the person sent that cannot be used, with what to do (422).
    Invalid(String),
    /// No session: how to get in (401).
    SignedOut,
    /// The data waits for its passphrase: to the unlock page.
    Locked,
    /// A form that did not come from drawbridge's own pages (403), or one
    /// too large to take (413).
    Refused(Refusal),
    /// A Host header that is not the address served (421), with that address.
    WrongHost(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::Store(e)
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
pub(crate) struct ProblemPage {
    pub(crate) chrome: Chrome,
    pub(crate) heading: &'static str,
    pub(crate) message: String,
    pub(crate) hint: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message, hint) = match self {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Nothing here",
                "This page does not exist, or what it showed has been deleted.".to_string(),
                String::new(),
            ),
            WebError::Invalid(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That could not be saved",
                message,
                "Go back, change it, and send it again.".to_string(),
            ),
            // A request still under way when its account was deleted.
            WebError::Store(e @ StoreError::OwnerGone) => (StatusCode::GONE, "This account has been deleted", e.to_string(), String::new()),
            WebError::Store(e) => {
                // The log gets the kind of problem only, never personal data.
                tracing::error!(error = %e, "storage problem while serving a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    e.to_string(),
                    e.hint().unwrap_or_default(),
                )
            }
            WebError::SignedOut => {
                let mut res = (StatusCode::UNAUTHORIZED, how_to_get_in()).into_response();
                // Server mode shows its own way in instead (session::attach).
                res.extensions_mut().insert(SignedOutPage);
                return res;
            }
            WebError::Locked => return Redirect::to("/unlock").into_response(),
            WebError::WrongHost(address) => return (StatusCode::MISDIRECTED_REQUEST, wrong_host(address)).into_response(),
            WebError::Refused(why) => {
                let status = match why {
                    Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    Refusal::Origin | Refusal::Csrf => StatusCode::FORBIDDEN,
                };
                return (status, refused(why)).into_response();
            }
        };
        let page = ProblemPage {
            chrome: Chrome::new("Something went wrong", ""),
            heading,
            message,
            hint,
        };
        (status, render(&page)).into_response()
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "This page could not be shown. Please try again.").into_response()
        }
    }
}

/// A time as HTML's `<time datetime>` accepts it: UTC, whole seconds.
pub(crate) fn html_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .unwrap_or_default()
}

pub(crate) fn local_time(st: &AppState, t: OffsetDateTime) -> String {
    t.to_offset(st.config().local_offset)
        .format(format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short] [year], [hour]:[minute]"
        ))
        .unwrap_or_default()
}

/// The dates of a list's From and To filters (typed as 2026-11-21, in
/// local time) as the instants they bound: from the start of From to the
/// end of To. A date that cannot be read is left out and named in the
/// third value, so the page says so rather than quietly using another.
pub(crate) fn day_range(st: &AppState, from: &str, to: &str) -> (Option<OffsetDateTime>, Option<OffsetDateTime>, String) {
    let mut error = String::new();
    let mut day = |s: &str| -> Option<OffsetDateTime> {
        if s.trim().is_empty() {
            return None;
        }
        let d = time::Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
            .ok()
            .map(|d| time::PrimitiveDateTime::new(d, time::Time::MIDNIGHT).assume_offset(st.config().local_offset));
        if d.is_none() {
            error = "Dates look like 2026-11-21. Showing every date for now.".into();
        }
        d
    };
    let since = day(from);
    let until = day(to).map(|d| d + time::Duration::days(1));
    (since, until, error)
}

/// Earlier versions as pages show them: (field, until when, words).
pub(crate) fn earlier_rows(st: &AppState, versions: Vec<drawbridge_core::versions::TextVersion>) -> Vec<(String, String, String)> {
    versions
        .into_iter()
        .map(|v| (v.field, local_time(st, v.replaced_at), v.text))
        .collect()
}

/// Marks the page of a request that needed a session and had none.
#[derive(Clone, Copy)]
pub(crate) struct SignedOutPage;

#[derive(Template)]
#[template(path = "get_in.html")]
pub(crate) struct GetInPage {
    pub(crate) chrome: Chrome,
    pub(crate) used: bool,
    /// Just signed out: this one browser, or every browser.
    pub(crate) signed_out: Option<bool>,
}

fn how_to_get_in() -> Response {
    render(&GetInPage {
        chrome: Chrome::outside("Open drawbridge from your terminal"),
        used: false,
        signed_out: None,
    })
}

#[derive(Template)]
#[template(path = "wrong_host.html")]
struct WrongHostPage {
    chrome: Chrome,
    address: String,
}

fn wrong_host(address: String) -> Response {
    render(&WrongHostPage {
        chrome: Chrome::outside("Wrong address"),
        address,
    })
}

pub enum Refusal {
    Origin,
    Csrf,
    TooLarge,
}

fn refused(why: Refusal) -> Response {
    let (heading, message) = match why {
        Refusal::Origin | Refusal::Csrf => (
            "That was not sent from drawbridge",
            "For your safety, drawbridge only accepts forms sent from its own pages. Go back, reload the page and try again; nothing was changed.".to_string(),
        ),
        Refusal::TooLarge => (
            "That was too long to save",
            "The form held more text than drawbridge accepts at once. Go back, shorten it, and save again; nothing was changed.".to_string(),
        ),
    };
    render(&ProblemPage {
        chrome: Chrome::new("Not saved", ""),
        heading,
        message,
        hint: String::new(),
    })
}

pub async fn not_found() -> Response {
    WebError::NotFound.into_response()
}

/// Every error a person can meet gets the normal page frame, with the
/// navigation and Get help now. The extractors' own refusals (a path part
/// that is not a number, a query that cannot be read, a body too large) come
/// as bare text; they are replaced here by a page in plain words.
pub(crate) async fn frame_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return res;
    }
    let (heading, message, hint) = match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "This address is not quite right",
            "Part of this address or form could not be read, so nothing was changed.",
            "The link may be old or mistyped. Today, in the menu, is a good place to start again.",
        ),
        StatusCode::NOT_FOUND => ("Nothing here", "This page does not exist, or what it showed has been deleted.", ""),
        StatusCode::METHOD_NOT_ALLOWED => (
            "This page cannot do that",
            "The page exists, but not for what was asked of it, so nothing was changed.",
            "Open it from the menu instead.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "That was too long to send",
            "What was sent is larger than drawbridge accepts in one go, so nothing was saved.",
            "Go back, shorten it or split it in two, and send it again.",
        ),
        _ => (
            "Something went wrong",
            "This could not be done just now. Nothing you saved before is affected.",
            "Please try again in a moment.",
        ),
    };
    let page = ProblemPage {
        chrome: Chrome::new(heading, ""),
        heading,
        message: message.to_string(),
        hint: hint.to_string(),
    };
    let mut framed = render(&page);
    *framed.status_mut() = status;
    framed
}
