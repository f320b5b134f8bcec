//! The shape of the library: dependencies between the top-level modules of
//! `src/` point one way (docs/ARCHITECTURE.md draws the layers).
//!
//! The graph is read from the source, not from the compiler: a top-level
//! module is the first path segment under `src/` (`foo.rs` or `foo/`), and it
//! depends on every `crate::X` it names (`use crate::{a, b::c}` included).
//! Comments are skipped, and so is code under `#[cfg(test)]` (a unit-test
//! module, inline or in its own file): a unit test may borrow a helper from a
//! module above the one it tests (cert's tests make certificates with
//! `certgen`, which itself reads certificates with `cert`), and that is no
//! dependency of the product. Any strongly connected component of more than
//! one module is a cycle, and the test lists every one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module → the modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn top_level_modules_have_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph_of(&src);
    assert!(
        graph.contains_key("store") && graph.contains_key("cli"),
        "the scan found no modules in {}: {graph:?}",
        src.display()
    );
    let cycles = cycles(&graph);
    let report: Vec<String> = cycles
        .iter()
        .map(|scc| {
            let members: BTreeSet<&String> = scc.iter().collect();
            let edges: Vec<String> = scc
                .iter()
                .flat_map(|m| {
                    graph[m]
                        .iter()
                        .filter(|t| members.contains(t))
                        .map(move |t| format!("{m} → {t}"))
                })
                .collect();
            format!("{{{}}}: {}", scc.join(", "), edges.join("; "))
        })
        .collect();
    assert!(
        report.is_empty(),
        "cycles between the top-level modules of src/:\n  {}",
        report.join("\n  ")
    );
}

/// Leaf modules of helpers that any layer may use.
const UTILITIES: &[&str] = &["escape", "fsutil"];

#[test]
fn the_model_and_the_store_stay_at_the_bottom() {
    let graph = graph_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    // The utilities (text escaping, file writing) name nothing in the
    // crate; the model names only them; the store speaks only the model.
    for leaf in UTILITIES {
        let names: Vec<&String> = graph[*leaf].iter().collect();
        assert!(names.is_empty(), "the utility {leaf} names {names:?}");
    }
    let model: Vec<&String> = graph["model"]
        .iter()
        .filter(|m| !UTILITIES.contains(&m.as_str()))
        .collect();
    assert!(model.is_empty(), "the model names {model:?}");
    let store: Vec<&String> = graph["store"]
        .iter()
        .filter(|m| m.as_str() != "model" && !UTILITIES.contains(&m.as_str()))
        .collect();
    assert!(store.is_empty(), "the store names {store:?}");
}

#[test]
fn the_scan_sees_grouped_imports_and_skips_tests_and_comments() {
    let text = "//! [`crate::cli`] in a comment\n\
                use crate::{alerts::X, store};\n\
                fn f() { crate::push::run(); let s = \"crate::status\"; }\n\
                #[cfg(test)]\n\
                mod tests { use crate::certgen; fn g() { let x = {1}; } }\n\
                #[cfg(test)]\n\
                mod more;\n\
                fn h() -> crate::clock::Instant { todo!() }\n\
                #[cfg(test)]\n\
                mod last;\n";
    let mut skip = BTreeSet::new();
    let names = names_in(text, Path::new("/x/src/a/b.rs"), &mut skip);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, ["alerts", "clock", "push", "store"]);
    assert!(skip.contains(Path::new("/x/src/a/b/more.rs")), "{skip:?}");
    assert!(skip.contains(Path::new("/x/src/a/b/last.rs")), "{skip:?}");

    let mut g = Graph::new();
    for (a, b) in [
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("d", "e"),
        ("e", "d"),
        ("f", "a"),
    ] {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    }
    assert_eq!(cycles(&g), [vec!["a", "b", "c"], vec!["d", "e"]]);
}

/// Reads every `.rs` file under `src` into the module graph.
fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    collect(src, &mut files);
    files.sort();
    let mut skip = BTreeSet::new();
    let mut graph = Graph::new();
    // A test module in its own file is declared before it is read only if
    // its parent sorts first; two passes make the order not matter.
    for _ in 0..2 {
        graph.clear();
        for file in &files {
            if skip.contains(file) {
                continue;
            }
            let Some(module) = top_level(src, file) else {
                continue;
            };
            let text = std::fs::read_to_string(file).expect("read a source file");
            let names = names_in(&text, file, &mut skip);
            let deps = graph.entry(module.clone()).or_default();
            deps.extend(names.into_iter().filter(|n| *n != module));
        }
    }
    graph
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("read src/").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to; `None` for the crate roots.
fn top_level(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        f => Some(f.trim_end_matches(".rs").to_owned()),
    }
}

/// The top-level modules `text` names through `crate::`, outside comments,
/// string literals and `#[cfg(test)]` items. A `#[cfg(test)] mod x;` adds
/// the file of `x` to `skip`.
fn names_in(text: &str, file: &Path, skip: &mut BTreeSet<PathBuf>) -> BTreeSet<String> {
    let code = strip_comments_and_strings(text);
    let code = strip_test_items(&code, file, skip);
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `mycrate::`, not `crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first segment of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        names.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The text with comments removed and string and character literals
/// emptied, so that neither a doc link nor a message counts as a use.
fn strip_comments_and_strings(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#')) && !ident_before(b, i) {
            // A raw string: r"…", r#"…"#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let open = i + 1 + hashes;
            if b.get(open) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i = open + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '{'), not a lifetime ('a).
            let len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            match len {
                Some(n) => {
                    out.push_str("' '");
                    i += n;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().expect("inside the text");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// The code without the items marked `#[cfg(test)]`; out-of-line test
/// modules are added to `skip`.
fn strip_test_items(code: &str, file: &Path, skip: &mut BTreeSet<PathBuf>) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let item = &rest[at + MARK.len()..];
        let brace = item.find('{');
        let semi = item.find(';');
        let end = match (brace, semi) {
            (Some(br), Some(se)) if se < br => item_end(item, se, file, skip),
            (None, Some(se)) => item_end(item, se, file, skip),
            (Some(br), _) => {
                let mut depth = 0;
                let mut end = item.len();
                for (i, c) in item[br..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = br + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The end of an item that ends at its `;` (at `se`); a module declared so
/// (`mod x;`) has its file added to `skip`.
fn item_end(item: &str, se: usize, file: &Path, skip: &mut BTreeSet<PathBuf>) -> usize {
    let decl = item[..se].trim();
    let decl = decl.strip_prefix("pub ").unwrap_or(decl);
    if let Some(name) = decl.strip_prefix("mod ") {
        skip.insert(module_file(file, name.trim()));
    }
    se + 1
}

/// The file of module `name` declared in `file` (`a.rs` or `a/mod.rs`
/// declares `a/name.rs`; `lib.rs` and `mod.rs` declare a sibling).
fn module_file(file: &Path, name: &str) -> PathBuf {
    let dir = file.parent().expect("a file has a folder");
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_owned()
    } else {
        dir.join(stem)
    };
    let flat = base.join(format!("{name}.rs"));
    if flat.exists() || !base.join(name).join("mod.rs").exists() {
        flat
    } else {
        base.join(name).join("mod.rs")
    }
}

/// Every strongly connected component of more than one module (Tarjan),
/// each sorted, in order of their first member.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }

    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                scc.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }

    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}
