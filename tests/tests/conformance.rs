//! The conformance vectors (`tests/conformance/*.jsonl`: the shared set, copied
//! unchanged, and this project's own additions), checked at run time with
//! `str::parse`, at compile time with `scopes!`, and in a config file with
//! `config_scopes!`: all must agree with every line, and an invalid line must fail
//! every way with the same message.

use std::collections::BTreeMap;
use std::path::Path;

use scope_core::ScopeSet;
use serde::Deserialize;
use support::{build_errors, probe_crate, probe_crate_with, run_bin};

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

#[test]
fn config_file_agrees_with_every_vector() {
    let vectors = vectors();
    let dir = probe_crate_with("conformance-config-probe", "scope-core", &["config"]);
    std::fs::create_dir_all(dir.join("config")).unwrap();
    // Each vector is the `scope` of a table of its own, in a TOML basic string:
    // the line of vector `i` is `2 * i + 2`.
    let toml = |vectors: &[&Vector]| {
        let mut text = String::new();
        for (i, v) in vectors.iter().enumerate() {
            text += &format!("[v{i}]\nscope = \"{}\"\n", toml_escape(&v.input));
        }
        text
    };

    // Every valid vector is a constant that prints back unchanged.
    let valid: Vec<&Vector> = vectors.iter().filter(|v| v.valid).collect();
    std::fs::write(dir.join("config/valid.toml"), toml(&valid)).unwrap();
    let mut source = String::from(
        "scope_core::config_scopes! { mod valid = \"config/valid.toml\"; }\nfn main() {\n",
    );
    for i in 0..valid.len() {
        source += &format!(
            "    println!(\"{{}}\\t{{}}\", valid::V{i}_SCOPE.len(), valid::V{i}_SCOPE);\n"
        );
    }
    source += "}\n";
    let printed = run_bin(&dir, "valid", &source);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), valid.len());
    for (line, v) in lines.iter().zip(&valid) {
        assert_eq!(*line, format!("{}\t{}", v.scopes.unwrap(), v.input));
    }

    // Every invalid vector is one error: the runtime error's sentence, at the
    // vector's line, the column of the fault counted through the escapes.
    let invalid: Vec<&Vector> = vectors.iter().filter(|v| !v.valid).collect();
    std::fs::write(dir.join("config/invalid.toml"), toml(&invalid)).unwrap();
    let source =
        "scope_core::config_scopes! { mod invalid = \"config/invalid.toml\"; }\nfn main() {}\n";
    let stderr = build_errors(&dir, "invalid", source);
    let errors = config_errors(&stderr, "config/invalid.toml");
    for (i, v) in invalid.iter().enumerate() {
        let err = v.input.parse::<ScopeSet>().unwrap_err();
        let line = 2 * i + 2;
        let prefix = toml_escape(&v.input[..err.span().start]);
        // An empty value has nothing to point into: the caret is under its `""`.
        let column = if v.input.is_empty() {
            "scope = ".len() + 1
        } else {
            "scope = \"".len() + prefix.chars().count() + 1
        };
        let found = errors
            .get(&line)
            .unwrap_or_else(|| panic!("no error for {:?} on line {line}:\n{stderr}", v.input));
        assert_eq!(found, &(err.to_string(), column), "error for {:?}", v.input);
    }
    assert_eq!(
        errors.len(),
        invalid.len(),
        "one error per invalid value:\n{stderr}"
    );
}

/// `text` as the inside of a TOML basic string: quotes, backslashes and control
/// characters escaped.
fn toml_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\t' => out += "\\t",
            '\n' => out += "\\n",
            '\r' => out += "\\r",
            c if c.is_control() => out += &format!("\\u{:04X}", c as u32),
            c => out.push(c),
        }
    }
    out
}

/// `config_scopes!`'s errors about `file`: the sentence, and the column, by line.
fn config_errors(stderr: &str, file: &str) -> BTreeMap<usize, (String, usize)> {
    let mut errors = BTreeMap::new();
    let arrow = format!("--> {file}:");
    for block in stderr
        .split("\nerror")
        .map(|b| b.trim_start_matches("error"))
    {
        let Some(message) = block.strip_prefix(": ") else {
            continue;
        };
        let Some(at) = message.find(&arrow) else {
            continue;
        };
        let place = &message[at + arrow.len()..];
        let mut numbers = place.split([':', ' ']);
        let line: usize = numbers.next().unwrap().parse().unwrap();
        let column: usize = numbers.next().unwrap().parse().unwrap();
        let sentence = message.lines().next().unwrap().to_owned();
        errors.insert(line, (sentence, column));
    }
    errors
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
