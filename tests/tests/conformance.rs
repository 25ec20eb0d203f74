//! The conformance vectors (`tests/conformance/*.jsonl`: the shared set, copied
//! unchanged, and this project's own additions), checked at run time with
//! `str::parse` and at compile time with `scopes!`: both must agree with every
//! line, and an invalid line must fail both ways with the same message.

use std::collections::BTreeMap;
use std::path::Path;

use scope_core::ScopeSet;
use serde::Deserialize;
use support::{build_errors, probe_crate, run_bin};

mod support;

#[derive(Debug, Deserialize)]
struct Vector {
    input: String,
    valid: bool,
    scopes: Option<usize>,
    hint: Option<String>,
}

fn vectors() -> Vec<Vector> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let mut all = Vec::new();
    for file in ["scopes.jsonl", "extra.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let vector: Vector =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", n + 1));
            all.push(vector);
        }
    }
    assert!(
        all.len() >= 60,
        "expected the shared and extra vectors, found {}",
        all.len()
    );
    all
}

#[test]
fn runtime_parser_agrees_with_every_vector() {
    for v in vectors() {
        match (v.input.parse::<ScopeSet>(), v.valid) {
            (Ok(set), true) => {
                assert_eq!(Some(set.len()), v.scopes, "{:?}", v.input);
                assert_eq!(set.to_string(), v.input);
            }
            (Err(err), false) => {
                let message = err.to_string();
                assert!(message.contains("invalid scope"), "{message}");
                if let Some(hint) = &v.hint {
                    assert!(
                        message.to_lowercase().contains(&hint.to_lowercase()),
                        "message for {:?} lacks hint {hint:?}: {message}",
                        v.input
                    );
                }
            }
            (Ok(set), false) => panic!("{:?} should be refused, parsed as {set:?}", v.input),
            (Err(err), true) => panic!("{:?} should parse: {err}", v.input),
        }
    }
}

#[test]
fn compile_time_macro_agrees_with_every_vector() {
    let vectors = vectors();
    let dir = probe_crate("conformance-probe", "scope-core");

    // Every valid vector compiles to a constant that prints back unchanged.
    let valid: Vec<&Vector> = vectors.iter().filter(|v| v.valid).collect();
    let mut source = String::from("use scope_core::{scopes, ScopeSet};\nfn main() {\n");
    for (i, v) in valid.iter().enumerate() {
        source += &format!(
            "    const V{i}: ScopeSet = scopes!({:?});\n    println!(\"{{}}\\t{{}}\", V{i}.len(), V{i});\n",
            v.input
        );
    }
    source += "}\n";
    let printed = run_bin(&dir, "valid", &source);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), valid.len());
    for (line, v) in lines.iter().zip(&valid) {
        assert_eq!(*line, format!("{}\t{}", v.scopes.unwrap(), v.input));
    }

    // Every invalid vector fails the build, on its own line, with the runtime
    // error's text followed by the caret snippet.
    let invalid: Vec<&Vector> = vectors.iter().filter(|v| !v.valid).collect();
    let mut source = String::from("use scope_core::{scopes, ScopeSet};\nfn main() {\n");
    let first_line = 3;
    for v in &invalid {
        source += &format!("    let _: ScopeSet = scopes!({:?});\n", v.input);
    }
    source += "}\n";
    let stderr = build_errors(&dir, "invalid", &source);
    let errors = errors_by_line(&stderr);
    for (i, v) in invalid.iter().enumerate() {
        let expected = format!("{:#}", v.input.parse::<ScopeSet>().unwrap_err());
        let expected: Vec<&str> = expected.lines().map(str::trim_end).collect();
        let expected = expected.join("\n");
        let found = errors.get(&(first_line + i)).unwrap_or_else(|| {
            panic!(
                "no compile error for {:?} on line {}:\n{stderr}",
                v.input,
                first_line + i
            )
        });
        assert_eq!(found, &expected, "compile error for {:?}", v.input);
    }
    assert_eq!(
        errors.len(),
        invalid.len(),
        "one error per invalid literal, no follow-on errors:\n{stderr}"
    );
}

/// Compiler errors keyed by the line of `src/bin/invalid.rs` they point at,
/// with rustc's indentation of continuation lines removed.
fn errors_by_line(stderr: &str) -> BTreeMap<usize, String> {
    let mut errors = BTreeMap::new();
    for block in stderr
        .split("\nerror")
        .map(|b| b.trim_start_matches("error"))
    {
        let Some(message) = block.strip_prefix(": ") else {
            continue;
        };
        let Some(arrow) = message.find("--> src/bin/invalid.rs:") else {
            continue;
        };
        let location = &message[arrow + "--> src/bin/invalid.rs:".len()..];
        let line: usize = location.split(':').next().unwrap().parse().unwrap();
        let text: Vec<&str> = message[..arrow].trim_end().lines().collect();
        let mut unindented = vec![text[0].to_owned()];
        unindented.extend(text[1..].iter().map(|l| {
            l.strip_prefix("       ")
                .unwrap_or(l.trim())
                .trim_end()
                .to_owned()
        }));
        errors.insert(line, unindented.join("\n"));
    }
    errors
}
