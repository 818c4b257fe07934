//! Server-side syntax highlighting of diff lines with syntect.
//!
//! The output is `<span class="sx-…">` markup, not inline colours, so a strict
//! Content-Security-Policy (no inline styles) holds; the colours come from
//! [`stylesheet`], generated once from a light and a dark syntect theme and
//! switched by `prefers-color-scheme`.
//!
//! A diff shows lines, not a file, so each line's HTML must stand alone: the
//! highlighter closes every span still open at the end of a line and reopens
//! them at the start of the next one.

use std::path::Path;
use std::sync::LazyLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "sx-" };

/// The grammars, loaded once (the newline variant: lines are fed with `\n`).
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

static STYLESHEET: LazyLock<String> = LazyLock::new(|| {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
            .unwrap_or_default()
    };
    format!(
        "/* Generated from syntect's InspiredGitHub and base16-ocean.dark themes. */\n{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css("InspiredGitHub"),
        css("base16-ocean.dark")
    )
});

/// The CSS for the highlighter's classes, light and dark.
pub(crate) fn stylesheet() -> &'static str {
    &STYLESHEET
}

/// Escapes text for HTML element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Highlights consecutive lines of one file (one side of a diff).
pub(crate) struct LineHighlighter {
    state: ParseState,
    scopes: ScopeStack,
    /// Opening tags of the spans still open after the previous line.
    open: Vec<String>,
    failed: bool,
}

fn syntax_for(path: &str) -> Option<&'static SyntaxReference> {
    let path = Path::new(path);
    let by_extension = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(|e| SYNTAXES.find_syntax_by_extension(e));
    let syntax = by_extension.or_else(|| {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| SYNTAXES.find_syntax_by_extension(n))
    })?;
    // Plain text gains nothing from the work.
    (syntax.name != "Plain Text").then_some(syntax)
}

impl LineHighlighter {
    /// A highlighter for the language of `path`; `None` when it is unknown.
    pub(crate) fn for_path(path: &str) -> Option<Self> {
        syntax_for(path).map(|syntax| Self {
            state: ParseState::new(syntax),
            scopes: ScopeStack::new(),
            open: vec![],
            failed: false,
        })
    }

    /// The HTML of the next line (without its newline), with balanced spans.
    pub(crate) fn line(&mut self, text: &str) -> String {
        if self.failed {
            return escape(text);
        }
        let with_newline = format!("{text}\n");
        let spans = self
            .state
            .parse_line(&with_newline, &SYNTAXES)
            .ok()
            .and_then(|ops| {
                line_tokens_to_classed_spans(&with_newline, &ops, STYLE, &mut self.scopes).ok()
            });
        let Some((html, _)) = spans else {
            // A grammar that fails once is unreliable for the rest of the file.
            self.failed = true;
            return escape(text);
        };
        let mut out: String = self.open.concat();
        out.push_str(html.trim_end_matches('\n'));
        self.track_spans(&html);
        for _ in 0..self.open.len() {
            out.push_str("</span>");
        }
        out
    }

    /// Updates the open-span stack from a line of syntect's output, which holds
    /// only escaped text, `<span class="…">` and `</span>`.
    fn track_spans(&mut self, html: &str) {
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            rest = &rest[start..];
            if let Some(after) = rest.strip_prefix("</span>") {
                self.open.pop();
                rest = after;
            } else if let Some(end) = rest.find('>') {
                self.open.push(rest[..=end].to_owned());
                rest = &rest[end + 1..];
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balanced(html: &str) -> bool {
        html.matches("<span").count() == html.matches("</span>").count()
    }

    #[test]
    fn known_languages_are_highlighted_with_classes() {
        let mut h = LineHighlighter::for_path("src/main.rs").expect("rust is known");
        let html = h.line("fn main() { let x = \"<hi>\"; }");
        assert!(html.contains("class=\"sx-"), "{html}");
        assert!(html.contains("&lt;hi&gt;"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert!(balanced(&html), "{html}");
    }

    #[test]
    fn a_construct_spanning_lines_keeps_every_line_balanced() {
        let mut h = LineHighlighter::for_path("a.rs").expect("rust");
        let lines = ["/* a comment", "   still <comment>", "*/ fn f() {}"];
        for line in lines {
            let html = h.line(line);
            assert!(balanced(&html), "{html}");
        }
        let mut again = LineHighlighter::for_path("a.rs").expect("rust");
        again.line(lines[0]);
        let middle = again.line(lines[1]);
        assert!(middle.contains("comment"), "{middle}");
        assert!(middle.starts_with("<span"), "reopened: {middle}");
    }

    #[test]
    fn unknown_and_plain_files_are_not_highlighted() {
        assert!(LineHighlighter::for_path("notes.unknownext").is_none());
        assert!(LineHighlighter::for_path("README.txt").is_none());
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn stylesheet_has_light_and_dark_rules() {
        let css = stylesheet();
        assert!(css.contains(".sx-"), "classes");
        assert!(css.contains("prefers-color-scheme: dark"));
    }
}
