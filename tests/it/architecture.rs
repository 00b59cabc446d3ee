//! The engine's shape, checked: no import cycle among its modules, the spine
//! names no channel and no feature, a channel kind names no feature and no
//! other kind, and no Rust source file (engine, shell, tests, examples)
//! grows past what one can read.
//!
//! Modules are read from `use crate::…`, `crate::…::` and `super::…` paths in
//! the library's sources (comments and `#[cfg(test)]` parts left out). Each
//! top-level module is one node, except that every folder under
//! `src/channels/` is a node of its own (`channels::avito`): the channel
//! interface (`channels`) and each kind are kept apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The spine: it may use itself and the channel interface, nothing else.
const SPINE: &[&str] = &[
    "clock",
    "contacts",
    "error",
    "events",
    "files",
    "hooks",
    "inbox",
    "keyring",
    "logging",
    "model",
    "outbox",
    "preferences",
    "queue",
    "relay",
    "sealed",
    "secret",
    "settings",
    "store",
];
/// Features: they react to the spine through hooks.
const FEATURES: &[&str] = &["operators", "assistant", "notices"];
/// What only the engine's assembly and its callers use.
const TOP: &[&str] = &["api", "cli", "engine", "http"];
const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a library file: `src/channels/avito/mod.rs` → channels, avito.
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("a file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn ident(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The module paths named after `crate::` or `super::` at `rest` (a group
/// `{a::b, c}` names several).
fn paths_after(rest: &str, base: &[String], out: &mut Vec<Vec<String>>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    paths_after(&item, base, out);
                    item.clear();
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        paths_after(&item, base, out);
        return;
    }
    let mut path = base.to_vec();
    let mut rest = rest;
    loop {
        let (name, after) = ident(rest);
        if name.is_empty() {
            break;
        }
        if name == "super" {
            path.pop();
        } else if name != "self" {
            path.push(name.to_owned());
        }
        match after.strip_prefix("::") {
            Some(next) if next.trim_start().starts_with('{') => {
                paths_after(next, &path, out);
                return;
            }
            Some(next) => rest = next,
            None => break,
        }
    }
    out.push(path);
}

fn node(path: &[String], kinds: &BTreeSet<String>) -> Option<String> {
    let first = path.first()?;
    if first == "channels"
        && let Some(kind) = path.get(1).filter(|k| kinds.contains(*k))
    {
        return Some(format!("channels::{kind}"));
    }
    Some(first.clone())
}

/// Which node uses which, from the library's sources.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let kinds: BTreeSet<String> = std::fs::read_dir(src.join("channels"))
        .expect("src/channels")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&file, &src);
        if module.first().is_none_or(|m| m == "main") {
            continue;
        }
        let from = node(&module, &kinds).expect("a module");
        let text = code(&std::fs::read_to_string(&file).expect("readable source"));
        let mut paths = Vec::new();
        for (i, _) in text.match_indices("crate::") {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            paths_after(&text[i + "crate::".len()..], &[], &mut paths);
        }
        for (i, _) in text.match_indices("super::") {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            paths_after(&text[i..], &module, &mut paths);
        }
        let uses = graph.entry(from.clone()).or_default();
        for path in paths {
            if let Some(to) = node(&path, &kinds)
                && to != from
            {
                uses.insert(to);
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        if let Some(cycle) = visit(start, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_engine_modules_import_each_other_without_a_cycle() {
    let graph = graph();
    assert!(
        graph.contains_key("relay") && graph.contains_key("channels::avito"),
        "the sources were read: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_spine_names_no_channel_and_no_feature_and_a_channel_no_feature() {
    let graph = graph();
    let mut wrong = Vec::new();
    for (from, uses) in &graph {
        let spine = SPINE.contains(&from.as_str()) || from == "channels";
        let kind = from.starts_with("channels::");
        for to in uses {
            let named_kind = to.starts_with("channels::");
            let bad = (spine && (named_kind || FEATURES.contains(&to.as_str())))
                || (kind && (named_kind || FEATURES.contains(&to.as_str())))
                || ((spine || kind || FEATURES.contains(&from.as_str()))
                    && TOP.contains(&to.as_str()));
            if bad {
                wrong.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layout: {wrong:?}");
}

#[test]
fn the_cycle_check_finds_a_cycle_and_reads_grouped_paths() {
    let mut paths = Vec::new();
    paths_after(
        "{relay::Relay, channels::avito::{self, Avito}, super::x};",
        &[],
        &mut paths,
    );
    let kinds: BTreeSet<String> = ["avito".to_owned()].into();
    let nodes: Vec<_> = paths.iter().filter_map(|p| node(p, &kinds)).collect();
    assert!(nodes.contains(&"relay".to_owned()), "{nodes:?}");
    assert!(nodes.contains(&"channels::avito".to_owned()), "{nodes:?}");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn no_rust_source_file_is_longer_than_600_lines() {
    let mut files = Vec::new();
    for dir in ["src", "src-tauri/src", "tests", "examples"] {
        rust_files(&root().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines})", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}
