//! Architecture tests: the crate dependency direction (read from `cargo metadata`)
//! and tidy rules every source file follows. See ARCHITECTURE.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// For each workspace crate, the workspace crates it may depend on (normal,
/// dev and build dependencies alike).
const ALLOWED: &[(&str, &[&str])] = &[
    ("cadre-core", &[]),
    ("cadre-store", &["cadre-core"]),
    ("cadre-git", &["cadre-core"]),
    ("cadre-agents", &["cadre-core"]),
    // A test tool; its own tests feed its output through the real parsers.
    ("cadre-fake-agent", &["cadre-core", "cadre-agents"]),
    (
        "cadre-app",
        &["cadre-core", "cadre-store", "cadre-git", "cadre-agents"],
    ),
    ("cadre-web", &["cadre-core", "cadre-app"]),
    // cadre-agents only for `cadre __supervise`, the agent-run shim.
    (
        "cadre",
        &["cadre-core", "cadre-agents", "cadre-app", "cadre-web"],
    ),
];

/// External crates that only some workspace crates may use: the concern they
/// belong to stays in one place.
const EXCLUSIVE: &[(&str, &[&str])] = &[
    ("sqlx", &["cadre-store"]),
    ("axum", &["cadre-web"]),
    ("tower-http", &["cadre-web"]),
    ("utoipa", &["cadre-web"]),
    ("clap", &["cadre"]),
    ("reqwest", &["cadre"]),
    ("anyhow", &["cadre"]),
];

/// cadre-core is pure: none of these may appear among its dependencies.
const CORE_FORBIDDEN: &[&str] = &[
    "tokio", "sqlx", "axum", "hyper", "reqwest", "nix", "notify", "tracing",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Workspace crate name -> names of its direct dependencies (all kinds).
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("name").to_owned();
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|d| d["name"].as_str().expect("dep name").to_owned())
                .collect();
            (name, deps)
        })
        .collect()
}

#[test]
fn workspace_crates_depend_only_in_the_allowed_direction() {
    let deps = dependencies();
    let mut violations = vec![];
    for (krate, its_deps) in &deps {
        let Some((_, allowed)) = ALLOWED.iter().find(|(name, _)| name == krate) else {
            violations.push(format!(
                "{krate} is not in the dependency rules: add it to ALLOWED and ARCHITECTURE.md"
            ));
            continue;
        };
        for dep in its_deps.iter().filter(|d| deps.contains_key(*d)) {
            if !allowed.contains(&dep.as_str()) {
                violations.push(format!("{krate} must not depend on {dep}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn concern_specific_crates_are_used_only_by_their_owner() {
    let deps = dependencies();
    let mut violations = vec![];
    for (external, owners) in EXCLUSIVE {
        for (krate, its_deps) in &deps {
            if its_deps.iter().any(|d| d == external) && !owners.contains(&krate.as_str()) {
                violations.push(format!(
                    "{krate} uses {external}, which belongs to {owners:?}"
                ));
            }
        }
    }
    let core = deps.get("cadre-core").expect("cadre-core exists");
    for forbidden in CORE_FORBIDDEN {
        if core.iter().any(|d| d == forbidden) {
            violations.push(format!(
                "cadre-core must stay free of I/O but depends on {forbidden}"
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc_and_stays_small() {
    let root = workspace_root();
    let mut files = vec![];
    rust_files(&root.join("crates"), &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut problems = vec![];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        if !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{rel}: does not start with a `//!` comment saying what it owns"
            ));
        }
        let lines = text.lines().count();
        if lines > 800 {
            problems.push(format!(
                "{rel}: {lines} lines; split it (aim for under 600)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
