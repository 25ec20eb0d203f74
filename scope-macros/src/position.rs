//! From a byte range of a file to what a person reads: `path:line:column` and
//! the line itself with a caret line under the fault, as rustc shows code.
//!
//! Lines end at `\n` (a `\r` before it is not shown). Columns count characters
//! from 1, as rustc's do. A tab shows as four spaces, any other control
//! character as `·`, so the carets stay under the fault; a line longer than
//! [`WIDTH`] characters is cut around the fault and marked with `…`.
//!
//! Shared by `config_scopes!` (feature `config`) and the `env_scopes!` family.
#![cfg_attr(not(feature = "config"), allow(dead_code))]

use std::ops::Range;

/// The most characters of a line shown.
const WIDTH: usize = 100;

/// The 1-based line and column (in characters) of byte `at` of `file`.
pub(crate) fn line_column(file: &str, at: usize) -> (usize, usize) {
    let at = floor_boundary(file, at);
    let before = &file[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, file[line_start..at].chars().count() + 1)
}

/// The block that follows a message: where the fault is (`path:line:column`,
/// then `context`, such as the key path), the line, and carets under `range`.
pub(crate) fn file_block(
    file: &str,
    shown_path: &str,
    range: Range<usize>,
    context: &str,
) -> String {
    let start = floor_boundary(file, range.start);
    let (line, column) = line_column(file, start);
    let line_start = file[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = file[start..].find('\n').map_or(file.len(), |i| start + i);
    let text = &file[line_start..line_end];
    let text = text.strip_suffix('\r').unwrap_or(text);
    let end = floor_boundary(file, range.end.min(line_start + text.len()).max(start));
    let (shown, carets) = caret_lines(text, start - line_start..end - line_start);
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    format!(
        "\n\n{gutter}--> {shown_path}:{line}:{column}{context}\n{gutter} |\n{number} | {shown}\n{gutter} | {carets}"
    )
}

/// The block for text that is not in a file (an environment variable's value):
/// `where_from` on the arrow line, the text, and carets under `range`.
pub(crate) fn text_block(text: &str, where_from: &str, range: Range<usize>) -> String {
    let start = floor_boundary(text, range.start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = floor_boundary(text, range.end.min(line_end).max(start));
    let (shown, carets) = caret_lines(
        &text[line_start..line_end],
        start - line_start..end - line_start,
    );
    format!("\n\n--> {where_from}\n |\n | {shown}\n | {carets}")
}

/// One line as shown and the caret line under `fault` (byte offsets in `line`);
/// a fault of no width gets one caret.
fn caret_lines(line: &str, fault: Range<usize>) -> (String, String) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let first = chars
        .iter()
        .position(|&(i, _)| i >= fault.start)
        .unwrap_or(chars.len());
    let last = chars
        .iter()
        .position(|&(i, _)| i >= fault.end)
        .unwrap_or(chars.len())
        .max(first + 1);
    // Cut long lines: some context before the fault, the rest after it.
    let (from, to) = if chars.len() <= WIDTH {
        (0, chars.len())
    } else {
        let from = first.saturating_sub(WIDTH / 4);
        (from, (from + WIDTH).min(chars.len()))
    };
    let mut shown = String::new();
    let mut carets = String::new();
    if from > 0 {
        shown.push('…');
        carets.push(' ');
    }
    for (n, &(_, c)) in chars.iter().enumerate().take(to).skip(from) {
        let (text, width) = match c {
            '\t' => ("    ".to_owned(), 4),
            c if c.is_control() => ("·".to_owned(), 1),
            c => (c.to_string(), 1),
        };
        shown.push_str(&text);
        let mark = if (first..last).contains(&n) { '^' } else { ' ' };
        carets.extend(std::iter::repeat_n(mark, width));
    }
    if first >= to {
        carets.push('^'); // the fault is at the end of the line (or past what is shown)
    }
    if to < chars.len() {
        shown.push('…');
    }
    (shown, carets.trim_end().to_owned())
}

/// The last character boundary of `text` at or before `at`.
pub(crate) fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let file = "a = 1\r\nbé = \"x\"\n";
        assert_eq!(line_column(file, 0), (1, 1));
        assert_eq!(line_column(file, 7), (2, 1));
        assert_eq!(line_column(file, 13), (2, 6)); // `"`, after the two-byte é
    }

    #[test]
    fn carets_under_the_fault_with_tabs_shown_as_spaces() {
        let file = "\tscope = \"market:al\"\r\n";
        let block = file_block(file, "x.toml", 17..19, ", `scope`");
        assert_eq!(
            block,
            format!(
                "\n\n --> x.toml:1:18, `scope`\n  |\n1 |     scope = \"market:al\"\n  | {}^^",
                " ".repeat(20)
            )
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_fault() {
        let line = format!("s = \"{}bad{}\"", "a".repeat(200), "b".repeat(200));
        let start = line.find("bad").unwrap();
        let block = file_block(&line, "x.toml", start..start + 3, "");
        let shown: Vec<&str> = block.lines().collect();
        assert!(shown[4].starts_with("1 | …") && shown[4].ends_with('…'));
        let caret = shown[5].find('^').unwrap();
        let line_chars: Vec<char> = shown[4].chars().collect();
        assert_eq!(
            line_chars[caret..caret + 3].iter().collect::<String>(),
            "bad"
        );
        assert_eq!(shown[4].chars().count(), "1 | ".len() + WIDTH + 2);
    }

    #[test]
    fn a_fault_at_the_end_of_a_line_gets_one_caret() {
        assert_eq!(caret_lines("ab", 2..2), ("ab".to_owned(), "  ^".to_owned()));
    }
}
