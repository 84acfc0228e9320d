//! A journal entry's Markdown, as safe HTML. Everything a person typed is
//! shown and nothing they typed can act: raw HTML appears as the text it
//! is, images are named but never loaded, a link opens only to the web or
//! an email address (with `rel="noopener noreferrer"`, so the page it opens
//! learns nothing of this one), and headings fit under the page's own.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Text with the five characters HTML gives meaning to written as entities.
pub(crate) fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Whether a link may be followed from an entry: the web and email only
/// (no `javascript:`, no `data:`, no addresses inside this app).
fn safe_link(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

fn level(h: HeadingLevel) -> u8 {
    match h {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The entry's body as HTML to place under a heading of level `under`
/// (the page's own h1 or h2): its headings start one below and never skip
/// a level, so the page's outline stays whole.
pub(crate) fn to_html(body: &str, under: u8) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event<'_>> = Parser::new_ext(body, options).collect();
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level: l, .. }) => Some(level(*l)),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let mut out = String::with_capacity(body.len() + body.len() / 4);
    let mut last = under;
    // The levels of open headings, and whether each open link was followed.
    let mut headings: Vec<u8> = Vec::new();
    let mut links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    for event in events {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => out.push_str("<p>"),
                Tag::Heading { level: l, .. } => {
                    let wanted = (level(l) - top + under + 1).min(6);
                    let h = wanted.min(last + 1).max(under + 1).min(6);
                    last = h;
                    headings.push(h);
                    out.push_str(&format!("<h{h}>"));
                }
                Tag::BlockQuote(_) => out.push_str("<blockquote>"),
                Tag::CodeBlock(_) => out.push_str("<pre><code>"),
                Tag::HtmlBlock => out.push_str("<p class=\"md-raw\">"),
                Tag::List(Some(start)) if start != 1 => out.push_str(&format!("<ol start=\"{start}\">")),
                Tag::List(Some(_)) => out.push_str("<ol>"),
                Tag::List(None) => out.push_str("<ul>"),
                Tag::Item => out.push_str("<li>"),
                Tag::Emphasis => out.push_str("<em>"),
                Tag::Strong => out.push_str("<strong>"),
                Tag::Strikethrough => out.push_str("<del>"),
                Tag::Link { dest_url, .. } => {
                    let follow = in_image == 0 && safe_link(&dest_url);
                    if follow {
                        out.push_str("<a href=\"");
                        escape(dest_url.trim(), &mut out);
                        out.push_str("\" rel=\"noopener noreferrer\">");
                    }
                    links.push(follow);
                }
                Tag::Image { dest_url, .. } => {
                    if in_image == 0 {
                        out.push_str("<span class=\"md-image\">[an image, not shown: ");
                        escape(&dest_url, &mut out);
                        out.push_str(" — ");
                    }
                    in_image += 1;
                }
                // Tables, footnotes and the rest are not switched on; their
                // words still come through as text.
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => out.push_str("</p>\n"),
                TagEnd::Heading(_) => {
                    let h = headings.pop().unwrap_or(under + 1);
                    out.push_str(&format!("</h{h}>\n"));
                }
                TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
                TagEnd::HtmlBlock => out.push_str("</p>\n"),
                TagEnd::List(true) => out.push_str("</ol>\n"),
                TagEnd::List(false) => out.push_str("</ul>\n"),
                TagEnd::Item => out.push_str("</li>\n"),
                TagEnd::Emphasis => out.push_str("</em>"),
                TagEnd::Strong => out.push_str("</strong>"),
                TagEnd::Strikethrough => out.push_str("</del>"),
                TagEnd::Link if links.pop().unwrap_or(false) => out.push_str("</a>"),
                TagEnd::Image => {
                    in_image = in_image.saturating_sub(1);
                    if in_image == 0 {
                        out.push_str("]</span>");
                    }
                }
                _ => {}
            },
            // Raw HTML is shown as the characters typed.
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) | Event::InlineMath(t) | Event::DisplayMath(t) => escape(&t, &mut out),
            Event::Code(t) => {
                out.push_str("<code>");
                escape(&t, &mut out);
                out.push_str("</code>");
            }
            Event::FootnoteReference(t) => {
                out.push('[');
                escape(&t, &mut out);
                out.push(']');
            }
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br>\n"),
            Event::Rule => out.push_str("<hr>\n"),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
        }
    }
    out
}

/// The entry as plain text in one line, for a list: Markdown marks left
/// out, at most `max` characters, cut at a word.
pub(crate) fn snippet(body: &str, max: usize) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
        if text.len() > max * 4 {
            break;
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let cut: String = joined.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_as_text_and_nothing_runs() {
        let html = to_html(
            "Hello <script>alert(1)</script> and <b onclick=\"x\">bold</b>\n\n<div>block</div>",
            1,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;div&gt;block&lt;/div&gt;"), "{html}");
    }

    #[test]
    fn links_open_only_to_the_web_or_email_and_say_nothing_of_this_page() {
        let html = to_html(
            "[a](https://example.org/x?a=1&b=\"2\") [b](javascript:alert(1)) [c](/settings) <mailto:me@example.org>",
            1,
        );
        assert!(
            html.contains("<a href=\"https://example.org/x?a=1&amp;b=&quot;2&quot;\" rel=\"noopener noreferrer\">a</a>"),
            "{html}"
        );
        assert!(!html.contains("javascript:alert(1)\""), "{html}");
        assert!(!html.contains("href=\"/settings\""), "{html}");
        assert!(html.contains("</a> b c <a"), "the words stay: {html}");
        assert!(html.contains("href=\"mailto:me@example.org\""), "{html}");
        assert_eq!(html.matches("<a ").count(), 2, "{html}");
    }

    #[test]
    fn images_are_named_never_loaded() {
        let html = to_html("![my dog](https://example.org/dog.png)", 1);
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("my dog") && html.contains("https://example.org/dog.png"), "{html}");
    }

    #[test]
    fn headings_sit_under_the_page_and_never_skip_a_level() {
        let html = to_html("#### Late\n\ntext\n\n###### Later\n\n# Top", 1);
        assert!(html.starts_with("<h2>Late</h2>"), "{html}");
        assert!(html.contains("<h3>Later</h3>"), "{html}");
        assert!(html.contains("<h2>Top</h2>"), "{html}");
        assert!(!html.contains("<h1>"), "{html}");
    }

    #[test]
    fn every_word_typed_comes_through() {
        let body = "*warm* **close** ~~away~~ `code` > quoted\n\n- one\n- two\n\n1. first";
        let html = to_html(body, 1);
        for w in ["warm", "close", "away", "code", "quoted", "one", "two", "first"] {
            assert!(html.contains(w), "{w} in {html}");
        }
        assert!(html.contains("<em>warm</em>") && html.contains("<del>away</del>"), "{html}");
    }

    #[test]
    fn a_snippet_is_plain_and_cut_at_a_word() {
        assert_eq!(snippet("# Title\n\nSome *soft* words", 100), "Title Some soft words");
        assert_eq!(snippet("one two three four", 9), "one two…");
    }
}
