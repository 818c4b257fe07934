//! Tests of the unified-diff parser: snapshots of real git output, and
//! property tests that arbitrary input never makes it panic.

use proptest::prelude::*;

use super::*;

const SAMPLE: &str = r#"diff --git a/src/main.rs b/src/main.rs
index 1111111..2222222 100644
--- a/src/main.rs
+++ b/src/main.rs
@@ -1,4 +1,5 @@ fn main() {
 fn main() {
-    println!("old");
+    println!("new");
+    // --- looks like a header
 }
-- not a header either
@@ -10 +11,0 @@
-gone
\ No newline at end of file
diff --git a/new file.txt b/new file.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new file.txt	
@@ -0,0 +1 @@
+hello
diff --git a/old.txt b/old.txt
deleted file mode 100644
index 4444444..0000000
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/from.rs b/to.rs
similarity index 90%
rename from from.rs
rename to to.rs
index 5555555..6666666 100644
--- a/from.rs
+++ b/to.rs
@@ -1 +1 @@
-a
+b
diff --git "a/caf\303\251 \"q\".png" "b/caf\303\251 \"q\".png"
index 7777777..8888888 100644
Binary files "a/caf\303\251 \"q\".png" and "b/caf\303\251 \"q\".png" differ
diff --git a/pure.rs b/moved.rs
similarity index 100%
rename from pure.rs
rename to moved.rs
"#;

#[test]
fn sample_patch_parses_to_snapshot() {
    // The first hunk's counts (4 old, 5 new) make `-- not a header` a deleted
    // line and leave one new line missing: the parser stops at the next `@@`.
    insta::assert_json_snapshot!("sample_patch", parse_patch(SAMPLE));
}

#[test]
fn content_that_looks_like_headers_is_read_as_content() {
    let input = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n--- a\n+++ b\n-diff --git a/y b/y\n+@@ -1 +1 @@\n";
    let files = parse_patch(input);
    assert_eq!(files.len(), 1);
    let lines = &files[0].hunks[0].lines;
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].content, "-- a");
    assert_eq!(lines[2].content, "diff --git a/y b/y");
    assert_eq!((files[0].additions, files[0].deletions), (2, 2));
}

#[test]
fn line_numbers_follow_the_hunk_header() {
    let input = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -5,3 +7,3 @@\n a\n-b\n+c\n d\n";
    let lines = &parse_patch(input)[0].hunks[0].lines;
    let numbers: Vec<_> = lines.iter().map(|l| (l.old_line, l.new_line)).collect();
    assert_eq!(
        numbers,
        vec![
            (Some(5), Some(7)),
            (Some(6), None),
            (None, Some(8)),
            (Some(7), Some(9))
        ]
    );
}

#[test]
fn quoted_paths_are_unquoted() {
    assert_eq!(unquote(r#""tab\there\303\251""#), "tab\there\u{e9}");
    assert_eq!(unquote("plain name"), "plain name");
    assert_eq!(unquote(r#""unterminated\"#), "unterminated");
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_text(input in ".*") {
        let _ = parse_patch(&input);
    }

    #[test]
    fn parser_never_panics_on_diff_like_text(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("diff --git a/x b/x".to_owned()),
                Just("diff --git \"a/\\303".to_owned()),
                Just("--- a/x".to_owned()),
                Just("+++ /dev/null".to_owned()),
                Just("rename from \"\\".to_owned()),
                Just("\\ No newline at end of file".to_owned()),
                "@@ -[0-9]{1,10}(,[0-9]{1,10})? \\+[0-9]{1,10}(,[0-9]{1,10})? @@.*",
                "[-+ ].*",
                ".*",
            ],
            0..40,
        )
    ) {
        let input = lines.join("\n");
        for file in parse_patch(&input) {
            for hunk in &file.hunks {
                prop_assert!(hunk.lines.len() as u64 <= u64::from(hunk.old_lines) + u64::from(hunk.new_lines));
            }
        }
    }
}
