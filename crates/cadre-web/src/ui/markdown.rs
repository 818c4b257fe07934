//! Markdown to safe HTML, for task descriptions and agent messages: rendered by
//! pulldown-cmark, then sanitized by ammonia, because both are written by people
//! or models we do not control and end up in the page as markup.

use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// One sanitizer for every call: building its allow-lists is not free.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    // Links open outside cadre and tell the target nothing about it.
    builder.link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// Renders `source` as sanitized HTML.
pub(crate) fn to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut raw = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(source, options));
    SANITIZER.clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_is_rendered() {
        let html = to_html("# Title\n\n- **bold** item\n\n`code`");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let html = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<p style=\"color:red\">s</p>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn links_get_a_safe_rel() {
        let html = to_html("[site](https://example.com)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
