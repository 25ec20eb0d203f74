//! `config_scopes!`: the scopes of a config file of the crate, checked when the
//! crate compiles (feature `config`).
//!
//! The pipeline, a file per step: `input` reads the macro's input; the file is
//! read (paths are relative to the crate's root, `CARGO_MANIFEST_DIR`); `toml`
//! or `dotenv` turns it into `value::Node`s; `select` finds the scope values
//! (`pattern` matches key paths); `check` runs the grammar on each, `escapes`
//! and `crate::position` put a fault's caret in the file; `expand` writes the module.
//! Every fault is a `compile_error!` at the file's path in the macro call, and
//! nothing here panics: a missing file, bad UTF-8, malformed TOML, a pattern
//! that names nothing, a file without scopes are all messages.

mod check;
mod dotenv;
mod escapes;
mod expand;
mod input;
mod pattern;
mod select;
mod toml;
mod value;

use std::path::{Path, PathBuf};

use proc_macro::{Span, TokenStream, TokenTree};

use crate::expand::compile_error_between;
use crate::position;
use crate::scope_literal::split_krate;
use expand::{Constant, FileRef};
use input::Module;
use select::{Format, Selection};
use value::{Node, show_path};

/// Expands `config_scopes!`.
pub(crate) fn config_scopes(input: TokenStream) -> TokenStream {
    let (krate, tokens) = split_krate(input);
    let (modules, input_errors) = input::parse(tokens);
    let mut out = TokenStream::new();
    for error in input_errors {
        out.extend(TokenStream::from(compile_error_between(
            &error.message,
            error.start,
            error.end,
        )));
    }
    for module in &modules {
        out.extend(expand_module(&krate, module));
    }
    out
}

/// Collects one module's errors, each at the file's path in the macro call
/// unless it is about another part of the input.
struct Errors(TokenStream);

impl Errors {
    fn at(&mut self, span: Span, message: &str) {
        self.0.extend(TokenStream::from(compile_error_between(
            message, span, span,
        )));
    }
}

fn expand_module(krate: &TokenTree, module: &Module) -> TokenStream {
    let mut errors = Errors(TokenStream::new());
    let at = module.path_span;
    let shown = module.path.as_str();
    let no_file = |errors: Errors| expand::module(krate, module, None, &[], errors.0);

    let format = match module.format.or_else(|| format_of(shown)) {
        Some(format) => format,
        None => {
            errors.at(
                at,
                &format!(
                    "cannot tell the format of `{shown}` from its name; name it `….toml` or `.env` (`.env.…`, `….env`), or say which with `{{ format = \"toml\" }}` or `{{ format = \"dotenv\" }}`"
                ),
            );
            return no_file(errors);
        }
    };
    let absolute = match resolve(shown) {
        Ok(absolute) => absolute,
        Err(message) => {
            errors.at(at, &message);
            return no_file(errors);
        }
    };
    let bytes = match std::fs::read(&absolute) {
        Ok(bytes) => bytes,
        Err(err) => {
            let why = if err.kind() == std::io::ErrorKind::NotFound {
                "no such file".to_owned()
            } else {
                err.to_string()
            };
            errors.at(
                at,
                &format!(
                    "cannot read `{shown}`: {why}; the path is relative to the crate's root (the folder of its Cargo.toml)"
                ),
            );
            return no_file(errors);
        }
    };
    let Some(absolute) = absolute.to_str() else {
        errors.at(
            at,
            &format!("the path of `{shown}` is not UTF-8, so it cannot be included in the build"),
        );
        return no_file(errors);
    };
    let file = match std::str::from_utf8(&bytes) {
        Ok(file) => file,
        Err(err) => {
            let bad = err.valid_up_to();
            let lossy = String::from_utf8_lossy(&bytes);
            let (line, column) = position::line_column(&lossy, bad);
            let block = position::file_block(&lossy, shown, bad..bad + 1, "");
            errors.at(
                at,
                &format!(
                    "`{shown}` is not UTF-8: byte {bad} (line {line}, column {column}) is not part of a UTF-8 character; a config file that holds scopes must be UTF-8{block}"
                ),
            );
            let file = FileRef {
                absolute,
                utf8: false,
            };
            return expand::module(krate, module, Some(file), &[], errors.0);
        }
    };
    let file_ref = FileRef {
        absolute,
        utf8: true,
    };
    let read = match format {
        Format::Toml => toml::read(file),
        Format::Dotenv => dotenv::read(file),
    };
    let root = match read {
        Ok(root) => root,
        Err(malformed) => {
            let what = match format {
                Format::Toml => "valid TOML",
                Format::Dotenv => "a `.env` file this macro reads",
            };
            let block = position::file_block(file, shown, malformed.span, "");
            errors.at(
                at,
                &format!("`{shown}` is not {what}: {}{block}", malformed.message),
            );
            return expand::module(krate, module, Some(file_ref), &[], errors.0);
        }
    };
    let constants = scopes(file, &root, format, module, &mut errors);
    expand::module(krate, module, Some(file_ref), &constants, errors.0)
}

/// Selects, checks and names the scope values; every fault goes to `errors`.
fn scopes<'n>(
    file: &str,
    root: &'n Node,
    format: Format,
    module: &Module,
    errors: &mut Errors,
) -> Vec<Constant<'n>> {
    let shown = module.path.as_str();
    let at = module.path_span;
    let Selection {
        found,
        wrong_types,
        unused_keys,
        unused_sales_channel,
    } = select::select(root, format, &module.keys, &module.sales_channel);

    for i in unused_keys {
        let pattern = &module.keys[i];
        errors.at(
            pattern.span,
            &format!(
                "the key path `{}` names no value in `{shown}`",
                pattern.text
            ),
        );
    }
    for i in unused_sales_channel {
        let pattern = &module.sales_channel[i];
        let known = if found.is_empty() {
            String::new()
        } else {
            format!("; its scope values are {}", select::some_paths(&found))
        };
        errors.at(
            pattern.span,
            &format!(
                "the key path `{}` names no scope value of `{shown}`{known}",
                pattern.text
            ),
        );
    }
    if found.is_empty() && wrong_types.is_empty() && module.keys.is_empty() {
        errors.at(
            at,
            &format!(
                "`{shown}` holds no scope value: {}; name the keys that hold scopes with `{{ keys = [\"…\"] }}`",
                select::default_keys(format)
            ),
        );
    }
    // Faults in the file, reported in the file's order.
    let mut in_file: Vec<(usize, String)> = Vec::new();
    for wrong in &wrong_types {
        let block = position::file_block(file, shown, wrong.span.clone(), "");
        in_file.push((
            wrong.span.start,
            format!(
                "`{}` holds {}, where a scope value is a string (scopes separated by single spaces) or an array of strings (one scope each){block}",
                show_path(&wrong.path),
                wrong.what
            ),
        ));
    }

    // Where each line starts, to number the lines of many values in one pass.
    let newlines: Vec<usize> = file.match_indices('\n').map(|(i, _)| i).collect();
    let mut constants: Vec<Constant<'n>> = Vec::with_capacity(found.len());
    for f in &found {
        let path = show_path(&f.path);
        let start = f.value.start();
        let line = newlines.partition_point(|&newline| newline < start) + 1;
        let context = format!(" (`{path}`)");
        let scopes = match check::check(file, f) {
            Ok(parts) => Some(parts),
            Err(refused) => {
                let block = position::file_block(file, shown, refused.span.clone(), &context);
                in_file.push((refused.span.start, format!("{}{block}", refused.message)));
                None
            }
        };
        let name = constant_name(&f.path);
        let clash = constants
            .iter()
            .find(|c| c.name == name)
            .map(|c| format!("the key path `{}` (line {})", c.path, c.line))
            .or_else(|| {
                ["PATH", "SOURCE", "ALL"]
                    .contains(&name.as_str())
                    .then(|| "the module's own item".to_owned())
            });
        if let Some(other) = clash {
            let block = position::file_block(file, shown, start..start, &context);
            in_file.push((
                start,
                format!(
                    "`{path}` would be the constant `{name}`, a name {other} already takes; rename one of the keys{block}"
                ),
            ));
            continue;
        }
        constants.push(Constant {
            name,
            path,
            line,
            sales_channel: f.sales_channel,
            scopes,
        });
    }
    in_file.sort_by_key(|(start, _)| *start);
    for (_, message) in in_file {
        errors.at(at, &message);
    }
    constants
}

/// The format a file's name says.
fn format_of(path: &str) -> Option<Format> {
    let name = Path::new(path).file_name()?.to_str()?;
    if name.ends_with(".toml") {
        Some(Format::Toml)
    } else if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        Some(Format::Dotenv)
    } else {
        None
    }
}

/// The file's path: relative to the crate's root, as cargo gives it to rustc.
fn resolve(path: &str) -> Result<PathBuf, String> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        format!(
            "cannot find `{path}`: paths are relative to the crate's root, which cargo names in `CARGO_MANIFEST_DIR`, and it is not set (is the crate built by cargo?)"
        )
    })?;
    Ok(Path::new(&root).join(path))
}

/// A constant's name from a key path: its keys and indices upper-cased and joined
/// by `_`, any character other than an ASCII letter or digit made `_`
/// (`storefronts.new-york.scope` is `STOREFRONTS_NEW_YORK_SCOPE`).
fn constant_name(path: &[value::Segment]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            value::Segment::Key(key) => key
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect(),
            value::Segment::Index(i) => i.to_string(),
        })
        .collect();
    let name = parts.join("_");
    // `_` alone is no name (`const _` is an unnamed constant).
    if name.is_empty() || name == "_" || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step that reads the file, on text it was not written for: a fault
    /// at a line's `\r`, escapes, multi-byte characters, cut strings. None may
    /// panic (a panicking macro is an internal error, not a message).
    #[test]
    fn never_panics_on_odd_files() {
        let pieces = [
            "scope = \"market:all\"\r\n",
            "scopes = [\"market:all\", \"market:all\"]\n",
            "[a]\nscope = \"market:code:é\\u00e9\\t\"\n",
            "scope = \"\"\"\\\n  market:x\"\"\"\n",
            "scope = ''\n",
            "scopes = []\n",
            "scope = 'market:id:\u{3000}'\n",
            "CL_SCOPE=market:code:a,b\r\n",
            "CL_SCOPE=\"market:code:\\t\"\n",
            "export X_SCOPE='stock_location:code:x'  # c\n",
            "x = [[\"a\"], {scope = \"é\"}]\n",
            "\u{feff}scope = \"a\"",
            "scope = \"market:all ",
            "[[scope]]\nx = 1\n",
        ];
        let mut seed = 0x2545_f491_u64;
        for round in 0..2000 {
            let mut file = String::new();
            for _ in 0..1 + round % 4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let piece = pieces[(seed % pieces.len() as u64) as usize];
                // Sometimes cut a piece short, on a character boundary.
                let cut = position::floor_boundary(piece, (seed >> 8) as usize % (piece.len() + 8));
                file.push_str(&piece[..cut]);
            }
            for format in [Format::Toml, Format::Dotenv] {
                let read = match format {
                    Format::Toml => toml::read(&file),
                    Format::Dotenv => dotenv::read(&file),
                };
                let root = match read {
                    Ok(root) => root,
                    Err(malformed) => {
                        position::file_block(&file, "f", malformed.span, "");
                        continue;
                    }
                };
                let selection = select::select(&root, format, &[], &[]);
                for wrong in &selection.wrong_types {
                    position::file_block(&file, "f", wrong.span.clone(), "");
                }
                for mut found in selection.found {
                    for sales_channel in [false, true] {
                        found.sales_channel = sales_channel;
                        if let Err(refused) = check::check(&file, &found) {
                            position::file_block(&file, "f", refused.span, "");
                        }
                    }
                    constant_name(&found.path);
                }
            }
        }
    }
}
