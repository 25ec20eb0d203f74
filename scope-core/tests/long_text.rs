//! Errors in long text stay short: the message quotes a bounded window around
//! the fault, `{:#}` shows one with a caret line under the fault, `span()` stays
//! exact, and a window never cuts a character in two.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use scope_core::{ErrorKind, ScopeError, ScopeSet};

/// Counts the bytes each thread allocates, so a test can bound what parsing and
/// formatting cost without timing them.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// thread-local counter has no destructor and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|n| n.set(n.get() + layout.size()));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|n| n.set(n.get() + new_size));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// What `f` returns and the bytes this thread allocated while it ran.
fn allocated<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let value = f();
    (value, ALLOCATED.with(Cell::get) - before)
}

const MB: usize = 1_000_000;

fn set_error(text: &str) -> ScopeError {
    match text.parse::<ScopeSet>() {
        Ok(set) => panic!("{} bytes parsed as a set of {}", text.len(), set.len()),
        Err(err) => err,
    }
}

/// Valid scopes, distinct, of at least `len` bytes in all.
fn filler(len: usize) -> String {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < len {
        if i > 0 {
            text.push(' ');
        }
        text += &format!("store:id:s{i}");
        i += 1;
    }
    text
}

/// Checks that the message and `{:#}` are short, and that the carets of `{:#}`
/// stand under the faulty characters of `text` (or just past its end).
#[track_caller]
fn assert_short_and_pointing(text: &str, err: &ScopeError) {
    assert_within(text, err, 400);
}

/// [`assert_short_and_pointing`] with the limit for each of the message and `{:#}`.
#[track_caller]
fn assert_within(text: &str, err: &ScopeError, limit: usize) {
    let sentence = err.to_string();
    let full = format!("{err:#}");
    // In bytes for ASCII text; in characters where they take up to four bytes.
    let size = |s: &str| {
        if text.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    };
    assert!(
        size(&sentence) < limit,
        "{} long: {sentence}",
        size(&sentence)
    );
    assert!(size(&full) < limit, "{} long: {full}", size(&full));
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines.len(), 4, "{full}");
    assert_eq!(lines[0], sentence);
    let shown: Vec<char> = lines[2].strip_prefix("    ").unwrap().chars().collect();
    let carets: Vec<char> = lines[3].strip_prefix("    ").unwrap().chars().collect();
    assert!(shown.len() <= 82, "{} characters: {full}", shown.len());

    // The line is a piece of the text, with `…` on each side that is cut.
    let cut_before = shown.first() == Some(&'…');
    let cut_after = shown.last() == Some(&'…');
    let piece: String = shown[usize::from(cut_before)..shown.len() - usize::from(cut_after)]
        .iter()
        .collect();
    assert!(text.contains(&piece), "{full}");
    assert!(cut_before || text.starts_with(&piece), "{full}");
    assert!(cut_after || text.ends_with(&piece), "{full}");
    assert!(cut_before || cut_after || text == piece, "{full}");

    // The carets: one run, under the first faulty characters.
    let first = carets.iter().position(|&c| c == '^').expect("a caret");
    let count = carets[first..].iter().take_while(|&&c| c == '^').count();
    assert_eq!(first + count, carets.len(), "one run of carets: {full}");
    let span = err.span();
    let faulty: Vec<char> = if span.is_empty() {
        text[span.start..].chars().take(1).collect()
    } else {
        text[span].chars().take(count).collect()
    };
    if faulty.is_empty() {
        assert_eq!(first, shown.len(), "a caret just past the end: {full}");
        assert_eq!(count, 1);
    } else {
        assert_eq!(&shown[first..first + count], faulty.as_slice(), "{full}");
    }
}

#[test]
fn a_fault_at_the_start_of_a_megabyte() {
    let text = format!("markets:code:europe {}", filler(MB));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::UnknownResource);
    assert_eq!(err.span(), 0..7);
    assert_eq!(err.input(), text);
    assert!(err.to_string().contains("did you mean `market`?"), "{err}");
    assert_short_and_pointing(&text, &err);
    assert!(format!("{err:#}").contains("\n    markets:code:europe store:id:s0 "));

    // A faulty word of a megabyte at the start.
    let text = format!("{}:id:x {}", "e".repeat(MB), filler(MB));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::UnknownResource);
    assert_eq!(err.span(), 0..MB);
    assert_short_and_pointing(&text, &err);
}

#[test]
fn a_fault_in_the_middle_of_a_megabyte() {
    let text = format!("{} market:ID:x {}", filler(MB / 2), filler(MB / 2));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::UnknownSelector);
    assert_eq!(&text[err.span()], "ID");
    assert_eq!(err.suggestion(), Some("id"));
    assert_short_and_pointing(&text, &err);
    let shown = format!("{err:#}");
    assert!(shown.contains(" market:ID:x "), "{shown}");
    let line = shown.lines().nth(2).unwrap();
    assert!(line.starts_with("    …") && line.ends_with('…'), "{line}");
}

#[test]
fn a_fault_at_the_end_of_a_megabyte() {
    let text = format!("{} market:code:eu,", filler(MB));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::WrongSeparator);
    assert_eq!(err.span(), text.len() - 1..text.len());
    assert_short_and_pointing(&text, &err);
    assert!(format!("{err:#}").contains(" market:code:eu,\n"));

    // Something missing at the end: the caret stands just past the text.
    let text = format!("{} store:id:", filler(MB));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::EmptyValue);
    assert_eq!(err.span(), text.len()..text.len());
    assert_short_and_pointing(&text, &err);

    // A bad character at the end of an id of half a megabyte.
    let text = format!("{} market:id:{}-", filler(MB / 2), "a".repeat(MB / 2));
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::InvalidIdCharacter);
    assert_eq!(err.span(), text.len() - 1..text.len());
    assert_short_and_pointing(&text, &err);
}

#[test]
fn a_fault_of_a_megabyte_is_shown_from_its_start() {
    let code = "e".repeat(MB);
    let text = format!("market:code:{code}");
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::MarketCodeTooLong);
    assert_eq!(err.span(), 12..text.len());
    assert!(
        err.to_string().contains("is 1000000 characters long"),
        "{err}"
    );
    assert!(err.to_string().contains("eeeeeeee…`"), "{err}");
    assert_short_and_pointing(&text, &err);

    let suffix = format!("market:all:{}", "x".repeat(MB));
    let err = set_error(&suffix);
    assert_eq!(err.kind(), ErrorKind::UnexpectedSuffix);
    assert_eq!(err.span(), 10..suffix.len());
    assert_short_and_pointing(&suffix, &err);
}

#[test]
fn every_quoted_piece_of_a_huge_text_is_bounded() {
    let id = "a".repeat(MB);
    let cases = [
        // The id around the bad character, cut on both sides.
        (
            format!("market:id:{id}-{id}"),
            ErrorKind::InvalidIdCharacter,
        ),
        // The complete scope before the suffix and the suffix.
        (format!("market:id:{id}:{id}"), ErrorKind::UnexpectedSuffix),
        (
            format!("market:id:{id} market:id:{id}"),
            ErrorKind::DuplicateScope,
        ),
        (
            format!("market:id:{id} metrics-api"),
            ErrorKind::ApiScopeMixed,
        ),
        (
            format!("market:{}", "1".repeat(MB)),
            ErrorKind::RetiredNumericForm,
        ),
        (format!("market:{id}"), ErrorKind::UnknownSelector),
    ];
    for (text, kind) in cases {
        let err = set_error(&text);
        assert_eq!(err.kind(), kind, "{err}");
        assert_short_and_pointing(&text, &err);
    }
    let err = set_error(&format!("market:id:{id}-{id}"));
    let sentence = err.to_string();
    assert!(
        sentence.contains("in the id `…aaaaaaaaaa-aaaaaaaaaa"),
        "{err}"
    );
    assert!(sentence.contains("aaaa…`; expected"), "{err}");
}

#[test]
fn a_word_of_ten_megabytes_gets_no_suggestion() {
    let word = "m".repeat(10 * MB);
    let text = format!("{word}:id:x");
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::UnknownResource);
    assert_eq!(err.span(), 0..word.len());
    assert_eq!(err.suggestion(), None);
    assert!(!err.to_string().contains("did you mean"), "{err}");
    assert_short_and_pointing(&text, &err);

    let text = format!("market:{word}:x");
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::UnknownSelector);
    assert_eq!(err.suggestion(), None);
    assert_short_and_pointing(&text, &err);
}

#[test]
fn errors_in_huge_text_cost_no_more_than_a_copy_of_it() {
    for text in [
        format!("{}:id:x", "m".repeat(10 * MB)),
        format!("market:{}:x", "c".repeat(10 * MB)),
        format!("market:code:{}", "e".repeat(10 * MB)),
    ] {
        // The error keeps a copy of the text (`input()`), and little more.
        let (err, cost) = allocated(|| set_error(&text));
        assert!(cost < text.len() + 4096, "parsing allocated {cost} bytes");
        let (shown, cost) = allocated(|| (err.to_string(), format!("{err:#}")));
        assert!(cost < 16 * 1024, "formatting allocated {cost} bytes");
        assert!(shown.0.len() < 400 && shown.1.len() < 400, "{shown:?}");
    }
}

#[test]
fn windows_never_cut_a_character_in_two() {
    for n in 0..200 {
        for wide in ["é", "€", "😀"] {
            // A faulty word of `n` wide characters, cut at every length.
            let text = format!("{}:id:x market:all", wide.repeat(n + 1));
            let err = set_error(&text);
            assert_eq!(err.span(), 0..wide.len() * (n + 1));
            assert_short_and_pointing(&text, &err);
            // One faulty wide character with `n` more after it.
            let text = format!("market:code:m{}", wide.repeat(n + 1));
            let err = set_error(&text);
            assert_eq!(err.kind(), ErrorKind::InvalidCodeCharacter);
            assert_eq!(&text[err.span()], wide);
            assert_short_and_pointing(&text, &err);
            // A faulty wide character after `n` characters of id, more of them after it.
            let text = format!("market:id:{}{wide}{}", "a".repeat(n), wide.repeat(n));
            let err = set_error(&text);
            assert_eq!(&text[err.span()], wide);
            assert_short_and_pointing(&text, &err);
        }
    }
}

#[test]
fn short_text_is_shown_whole() {
    // Up to 80 characters, wherever the fault is.
    let text = "market:code:europe store:code:outlet_ny stock_location:code:eu_01 market:ID:x";
    assert_eq!(text.len(), 77);
    let shown = format!("{:#}", set_error(text));
    assert_eq!(shown.lines().nth(2), Some(format!("    {text}").as_str()));
    assert_eq!(
        shown.lines().nth(3).unwrap().find('^'),
        Some(4 + text.find("ID").unwrap())
    );
    let shown = format!("{:#}", set_error(&format!("{text} abc")));
    assert!(
        shown.lines().nth(2).unwrap().starts_with("    …"),
        "{shown}"
    );
}

/// Text from the grammar's pieces, wide characters and long runs of both.
fn long_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("market:id:".to_owned()),
        Just("market:code:".to_owned()),
        Just("store:id:s1 ".to_owned()),
        Just("metrics-api".to_owned()),
        Just(":".to_owned()),
        Just(" ".to_owned()),
        Just(",".to_owned()),
        Just("\t".to_owned()),
        Just("é".to_owned()),
        Just("😀".to_owned()),
        (1..300usize).prop_map(|n| "a".repeat(n)),
        (1..120usize).prop_map(|n| "€".repeat(n)),
        (1..60usize).prop_map(|n| "store:id:x".repeat(n)),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever the text, the messages are short, never panic, and point at the fault.
    /// The longest fixed sentence (an unknown word after a value) with its quote and
    /// the two lines of `{:#}` come to about 430 characters: under 500 always.
    #[test]
    fn messages_stay_short_and_point_at_the_fault(text in long_soup()) {
        if let Err(err) = text.parse::<ScopeSet>() {
            prop_assert!(text.is_char_boundary(err.span().start));
            prop_assert!(text.is_char_boundary(err.span().end));
            if !text.contains('\t') {
                assert_within(&text, &err, 500);
            } else {
                // A tab is shown as `·`; the sizes are bounded all the same.
                let full = format!("{err:#}");
                prop_assert!(full.chars().count() < 500, "{}", full);
            }
        }
    }
}

#[test]
fn debug_quotes_a_bounded_part_of_the_input() {
    let text = format!("{}markets:all", "market:code:a ".repeat(100_000));
    let err = text.parse::<ScopeSet>().unwrap_err();
    let debug = format!("{err:?}");
    assert!(debug.len() < 400, "{} bytes", debug.len());
    assert!(debug.contains("markets"), "{debug}");
    assert!(
        debug.contains(&format!("input_len: {}", text.len())),
        "{debug}"
    );
}
