//! Properties over generated input: `Display` after `parse` is the identity, and
//! no input makes the parser panic or report a fault outside the text.

use proptest::prelude::*;
use scope_core::{Scope, ScopeSet};

/// One valid scope, as text.
fn scope_text() -> impl Strategy<Value = String> {
    let id = "[A-Za-z0-9]{1,40}";
    let code = "[A-Za-z0-9_-]{1,40}";
    let market_code = "[A-Za-z0-9_-]{1,25}";
    prop_oneof![
        id.prop_map(|v| format!("market:id:{v}")),
        market_code.prop_map(|v| format!("market:code:{v}")),
        Just("market:all".to_owned()),
        id.prop_map(|v| format!("store:id:{v}")),
        code.prop_map(|v| format!("store:code:{v}")),
        id.prop_map(|v| format!("stock_location:id:{v}")),
        code.prop_map(|v| format!("stock_location:code:{v}")),
    ]
}

/// A valid set: distinct Core API scopes, or API scopes alone.
fn set_text() -> impl Strategy<Value = (String, usize)> {
    // `btree_set` gives distinct scopes, sorted; shuffling keeps the order written meaningful.
    let core = prop::collection::btree_set(scope_text(), 1..12)
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_shuffle();
    let apis = prop::sample::subsequence(
        vec!["provisioning-api".to_owned(), "metrics-api".to_owned()],
        1..=2,
    );
    prop_oneof![4 => core, 1 => apis].prop_map(|scopes| (scopes.join(" "), scopes.len()))
}

/// Text built from the grammar's own pieces, so that near misses are common.
fn grammar_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("market"),
        Just("store"),
        Just("stock_location"),
        Just("provisioning-api"),
        Just("metrics-api"),
        Just("id"),
        Just("code"),
        Just("all"),
        Just(":"),
        Just(" "),
        Just(","),
        Just(";"),
        Just("\t"),
        Just("-"),
        Just("_"),
        Just("Market"),
        Just("ID"),
        Just("1234"),
        Just("xYZkjABcde"),
        Just("ü"),
        Just("europe"),
        Just("!"),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

fn check_any(text: &str) {
    match text.parse::<ScopeSet>() {
        Ok(set) => {
            assert_eq!(set.to_string(), text);
            assert_eq!(text.split(' ').count(), set.len());
        }
        Err(err) => {
            assert!(err.span().end <= text.len() && err.span().start <= err.span().end);
            assert!(
                text.is_char_boundary(err.span().start) && text.is_char_boundary(err.span().end)
            );
            assert!(!err.to_string().is_empty());
            let _ = format!("{err:#}");
        }
    }
    match text.parse::<Scope>() {
        Ok(scope) => {
            assert_eq!(scope.to_string(), text);
            assert_eq!(text.parse::<ScopeSet>().map(|s| s.len()), Ok(1));
        }
        Err(err) => assert!(err.span().end <= text.len()),
    }
}

/// Sets drawn from a small pool, so duplicates, same-shape scopes and API
/// scopes beside Core ones are common.
fn clashing_set_text() -> impl Strategy<Value = String> {
    let pool = prop::sample::select(vec![
        "market:id:aaaa",
        "market:id:aaab",
        "market:code:aaaa",
        "store:id:aaaa",
        "store:code:aaaa",
        "market:all",
        "metrics-api",
        "provisioning-api",
        "stock_location:code:bb",
        "stock_location:code:cc",
    ]);
    prop::collection::vec(pool, 1..14).prop_map(|scopes| scopes.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Parsing screens the set rules cheaply; building a set from parsed scopes
    /// always runs the full check. Both must give the same result, error included.
    #[test]
    fn the_parse_screen_never_misses_a_set_conflict(text in clashing_set_text()) {
        let scopes: Vec<Scope> = text.split(' ').map(|s| s.parse().unwrap()).collect();
        prop_assert_eq!(text.parse::<ScopeSet>(), ScopeSet::from_scopes(scopes));
    }

    #[test]
    fn display_after_parse_is_the_identity((text, count) in set_text()) {
        let set: ScopeSet = text.parse().map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
        prop_assert_eq!(set.len(), count);
        prop_assert_eq!(set.to_string(), text.clone());
        let again: ScopeSet = set.to_string().parse().unwrap();
        prop_assert_eq!(again, set);
    }

    #[test]
    fn single_scopes_round_trip(text in scope_text()) {
        let scope: Scope = text.parse().map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
        prop_assert_eq!(scope.to_string(), text);
    }

    #[test]
    fn no_input_makes_the_parser_panic(text in any::<String>()) {
        check_any(&text);
    }

    #[test]
    fn near_misses_never_panic_and_accepted_text_prints_back(text in grammar_soup()) {
        check_any(&text);
    }
}
