//! The OpenAPI drift test's route scanner: reads `crates/cadre-web/src/routes/`
//! and returns every (method, path) the API router serves. It follows
//! `routes/mod.rs` (its own `.route(..)` calls and the modules its `.merge(..)` and
//! `.nest(..)` name) and reads each `.route("PATH", get(..).post(..))` call, however
//! it is formatted. Anything it does not understand fails the test instead of
//! being skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// HTTP methods a route or an operation can have.
pub const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// `(METHOD, /path)`.
pub type Operation = (String, String);

fn routes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cadre-web/src/routes")
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Splits Rust source into identifiers, string literals and punctuation,
/// dropping comments, whitespace, numbers' insides and char literals.
fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == 'r' && matches!(next, Some('"') | Some('#')) {
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            let start = i + 1 + hashes + 1;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let mut end = start;
            while end < c.len() && !c[end..].starts_with(&closing) {
                end += 1;
            }
            out.push(Tok::Str(c[start.min(end)..end].iter().collect()));
            i = end + closing.len();
        } else if ch == '"' {
            let mut text = String::new();
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&k) = c.get(i) {
                    text.push(k);
                }
                i += 1;
            }
            out.push(Tok::Str(text));
            i += 1;
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Index of the `)` closing the `(` at `open`.
fn closing_paren(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0;
    for (i, tok) in toks.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in the route source");
}

/// The `.NAME(` calls in `toks`: (index of the `(`, NAME).
fn method_calls(toks: &[Tok]) -> Vec<(usize, String)> {
    toks.windows(3)
        .enumerate()
        .filter_map(|(i, w)| match w {
            [Tok::Punct('.'), Tok::Ident(name), Tok::Punct('(')] => Some((i + 2, name.clone())),
            _ => None,
        })
        .collect()
}

/// The methods of a method router expression such as `get(a).post(b).layer(..)`.
fn router_methods(expr: &[Tok], path: &str, file: &str) -> Vec<String> {
    let mut methods = vec![];
    let mut depth = 0;
    for (i, tok) in expr.iter().enumerate() {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Ident(name) if depth == 0 && expr.get(i + 1) == Some(&Tok::Punct('(')) => {
                if METHODS.contains(&name.as_str()) {
                    methods.push(name.to_uppercase());
                } else if !matches!(name.as_str(), "layer" | "route_layer" | "with_state") {
                    panic!(
                        "{file}: route `{path}` calls `{name}(..)`, which the OpenAPI drift \
                         test does not understand; use get/post/put/patch/delete(..) or teach \
                         crates/cadre/tests/openapi.rs"
                    );
                }
            }
            _ => {}
        }
    }
    assert!(
        !methods.is_empty(),
        "{file}: route `{path}` has no method the OpenAPI drift test recognizes"
    );
    methods
}

/// The `.route(..)` calls of one file, with `prefix` before each path; and the
/// `(prefix, module)` pairs its `.merge(..)`/`.nest(..)` calls name.
fn scan_file(file: &Path, prefix: &str) -> (BTreeSet<Operation>, Vec<(String, String)>) {
    let name = file.display().to_string();
    let src = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {name}: {e}"));
    let toks = tokenize(&src);
    let mut operations = BTreeSet::new();
    let mut modules = vec![];
    for (open, call) in method_calls(&toks) {
        let close = closing_paren(&toks, open);
        let args = &toks[open + 1..close];
        match call.as_str() {
            "route" => {
                let (Some(Tok::Str(path)), Some(Tok::Punct(','))) = (args.first(), args.get(1))
                else {
                    panic!("{name}: a `.route(..)` whose path is not a string literal");
                };
                for method in router_methods(&args[2..], path, &name) {
                    operations.insert((method, format!("{prefix}{path}")));
                }
            }
            "merge" | "nest" => {
                let (nested, rest) = match (call.as_str(), args) {
                    ("nest", [Tok::Str(p), Tok::Punct(','), rest @ ..]) => (p.clone(), rest),
                    ("merge", rest) => (String::new(), rest),
                    _ => panic!("{name}: a `.nest(..)` whose prefix is not a string literal"),
                };
                match rest {
                    [
                        Tok::Ident(module),
                        Tok::Punct(':'),
                        Tok::Punct(':'),
                        Tok::Ident(_),
                        Tok::Punct('('),
                        Tok::Punct(')'),
                    ] => modules.push((format!("{prefix}{nested}"), module.clone())),
                    _ => panic!(
                        "{name}: `.{call}(..)` must name `module::routes()` for the OpenAPI \
                         drift test to follow it"
                    ),
                }
            }
            "route_service" | "nest_service" => {
                panic!("{name}: `.{call}(..)` is not followed by the OpenAPI drift test")
            }
            _ => {}
        }
    }
    (operations, modules)
}

/// Every (method, path) the API router serves, read from the route source.
pub fn routed_operations() -> BTreeSet<Operation> {
    let dir = routes_dir();
    let (mut operations, modules) = scan_file(&dir.join("mod.rs"), "");
    let mut seen = BTreeSet::new();
    for (prefix, module) in modules {
        if !seen.insert((prefix.clone(), module.clone())) {
            continue;
        }
        let file = [
            dir.join(format!("{module}.rs")),
            dir.join(&module).join("mod.rs"),
        ]
        .into_iter()
        .find(|f| f.exists())
        .unwrap_or_else(|| panic!("routes/mod.rs merges `{module}`, whose file is missing"));
        let (found, nested) = scan_file(&file, &prefix);
        assert!(
            nested.is_empty(),
            "{}: merges or nests other modules; the OpenAPI drift test follows one level",
            file.display()
        );
        operations.extend(found);
    }
    operations
}

#[test]
fn the_scanner_reads_multi_line_routes_layers_and_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("x.rs");
    let src = r#"
        //! A module. `.route("/commented", get(x))` in a doc comment is not a route.
        fn routes() -> Router<AppState> {
            Router::new()
                // .route("/gone", get(old))
                .route(
                    "/things/{id}",
                    get(show).patch(update)
                        .delete(remove),
                )
                .route("/things", axum::routing::post(create).layer(DefaultBodyLimit::max(9)))
                .route("/sep", get(|| async { ')' }))
        }
    "#;
    std::fs::write(&file, src).expect("write");
    let (found, modules) = scan_file(&file, "");
    let found: Vec<String> = found.iter().map(|(m, p)| format!("{m} {p}")).collect();
    assert_eq!(
        found,
        [
            "DELETE /things/{id}",
            "GET /sep",
            "GET /things/{id}",
            "PATCH /things/{id}",
            "POST /things",
        ]
    );
    assert!(modules.is_empty());
}
