//! Forms must come from drawbridge's own pages: every POST in the signed-in
//! group carries its session's CSRF token and an Origin (or, failing that,
//! a Referer) naming this server. A form that does not is refused before
//! its handler runs, so nothing is changed.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Session, body_limit, same_secret};
use crate::AppState;
use crate::frame::{Refusal, WebError};

pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return WebError::SignedOut.into_response();
    };
    if !origin_ok(&state, req.headers()) {
        return WebError::Refused(Refusal::Origin).into_response();
    }
    // A file upload (multipart) carries its token as its first part, which
    // is read here; the rest of the body is left for its handler, which
    // sets its own size limit. (Never in the address: addresses are kept
    // in histories and logs.)
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
        .map(boundary_of);
    if let Some(boundary) = boundary {
        let (parts, body) = req.into_parts();
        let (first, body) = first_part(boundary.as_deref().unwrap_or(""), body).await;
        if !first.is_some_and(|(name, value)| name == "csrf" && same_secret(&value, &session.csrf)) {
            return WebError::Refused(Refusal::Csrf).into_response();
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    let limit = body_limit(req.uri().path());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return WebError::Refused(Refusal::TooLarge).into_response();
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_secret(token, &session.csrf) {
        return WebError::Refused(Refusal::Csrf).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The boundary a multipart Content-Type names, without quotes.
fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// How much of a multipart body is read to find its first part: a token
/// and its headers fit many times over.
const FIRST_PART_LIMIT: usize = 4096;

/// The name and value of a multipart body's first part (when it is a
/// plain field that ends within [`FIRST_PART_LIMIT`] bytes), and the whole
/// body again, unchanged, for the handler.
async fn first_part(boundary: &str, body: Body) -> (Option<(String, String)>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let end = format!("\r\n--{boundary}");
    let mut failed = false;
    while head.len() < FIRST_PART_LIMIT && !contains(&head, end.as_bytes()) {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => {
                failed = true;
                break;
            }
            None => break,
        }
    }
    let found = if failed || boundary.is_empty() {
        None
    } else {
        parse_first(&head, boundary)
    };
    let start = futures_util::stream::iter([Ok::<_, axum::Error>(axum::body::Bytes::from(head))]);
    (found, Body::from_stream(start.chain(stream)))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    position(hay, needle).is_some()
}

fn position(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `--boundary CRLF headers CRLF CRLF value CRLF --boundary`: the part's
/// name (from Content-Disposition) and value, for a part without a file.
fn parse_first(head: &[u8], boundary: &str) -> Option<(String, String)> {
    let rest = head.strip_prefix(format!("--{boundary}\r\n").as_bytes())?;
    let headers_end = position(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
    let body = &rest[headers_end + 4..];
    let value = &body[..position(body, format!("\r\n--{boundary}").as_bytes())?];
    let mut name = None;
    for line in headers.split("\r\n") {
        let (k, v) = line.split_once(':')?;
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let mut params = v.split(';').map(str::trim);
        if !params.next()?.eq_ignore_ascii_case("form-data") {
            return None;
        }
        for p in params {
            let (pk, pv) = p.split_once('=')?;
            match pk.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(pv.trim().trim_matches('"').to_string()),
                "filename" => return None,
                _ => {}
            }
        }
    }
    Some((name?, String::from_utf8(value.to_vec()).ok()?))
}

/// Server mode's way in (no session yet): a POST must come from one of
/// this server's own pages, by its Origin (or Referer).
pub async fn origin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !origin_ok(&state, req.headers()) {
        return WebError::Refused(Refusal::Origin).into_response();
    }
    next.run(req).await
}

/// The host part of an `http://` or `https://` origin or URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    rest.split('/').next()
}

fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().ok().and_then(host_of).is_some_and(|h| state.allows_host(h));
    }
    // Browsers always send Origin on POST; a Referer from here is the only
    // other acceptable proof of where a request came from.
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(host_of)
        .is_some_and(|h| state.allows_host(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, value) in parts {
            b.extend_from_slice(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    async fn bytes(b: Body) -> Vec<u8> {
        to_bytes(b, usize::MAX).await.expect("bytes").to_vec()
    }

    #[tokio::test]
    async fn the_first_part_is_read_and_the_whole_body_is_passed_on_unchanged() {
        let sent = body(&[("csrf", "t0ken"), ("file", "{\"a\": 1}")]);
        // In small pieces, as a slow upload arrives.
        let pieces: Vec<Result<axum::body::Bytes, std::io::Error>> =
            sent.chunks(3).map(|c| Ok(axum::body::Bytes::copy_from_slice(c))).collect();
        let (first, rest) = first_part("XyZ", Body::from_stream(futures_util::stream::iter(pieces))).await;
        assert_eq!(first, Some(("csrf".into(), "t0ken".into())));
        assert_eq!(bytes(rest).await, sent);
    }

    #[tokio::test]
    async fn a_body_whose_first_part_is_not_a_plain_field_names_none() {
        for sent in [
            body(&[("file", "x"), ("csrf", "t0ken")]).to_vec(),
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"; filename=\"a\"\r\n\r\nt0ken\r\n--XyZ--\r\n".to_vec(),
            b"not multipart at all".to_vec(),
            vec![b'-'; 100_000],
        ] {
            let (first, rest) = first_part("XyZ", Body::from(sent.clone())).await;
            assert!(first.as_ref().is_none_or(|(n, _)| n != "csrf"), "{first:?}");
            assert_eq!(bytes(rest).await, sent, "passed on whole");
        }
    }

    #[test]
    fn a_boundary_is_read_with_or_without_quotes() {
        assert_eq!(boundary_of("multipart/form-data; boundary=abc"), Some("abc".into()));
        assert_eq!(
            boundary_of("multipart/form-data; charset=utf-8; BOUNDARY=\"a b\""),
            Some("a b".into())
        );
        assert_eq!(boundary_of("multipart/form-data"), None);
    }
}
