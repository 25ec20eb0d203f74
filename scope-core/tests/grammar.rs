//! The grammar, kind by kind: what is accepted, what is refused, where the
//! fault is, and what the message tells the user.

use scope_core::{ErrorKind, Resource, Scope, ScopeError, ScopeSet, Selector};

fn set_error(text: &str) -> ScopeError {
    match text.parse::<ScopeSet>() {
        Ok(set) => panic!("{text:?} parsed as {set:?}, expected an error"),
        Err(err) => err,
    }
}

fn scope_error(text: &str) -> ScopeError {
    match text.parse::<Scope>() {
        Ok(scope) => panic!("{text:?} parsed as {scope:?}, expected an error"),
        Err(err) => err,
    }
}

/// Asserts kind, span and words of the message for a set parse.
#[track_caller]
fn assert_fault(text: &str, kind: ErrorKind, span: std::ops::Range<usize>, words: &[&str]) {
    let err = set_error(text);
    assert_eq!(err.kind(), kind, "kind for {text:?}: {err}");
    assert_eq!(err.span(), span, "span for {text:?}: {err}");
    let message = err.to_string();
    for word in words {
        assert!(
            message.contains(word),
            "message for {text:?} lacks {word:?}: {message}"
        );
    }
    assert_eq!(err.input(), text);
}

#[test]
fn every_form_parses_with_its_parts() {
    let cases = [
        (
            "market:id:xYZkjABcde",
            Resource::Market,
            Some(Selector::Id),
            Some("xYZkjABcde"),
        ),
        (
            "market:code:europe",
            Resource::Market,
            Some(Selector::Code),
            Some("europe"),
        ),
        ("market:all", Resource::Market, Some(Selector::All), None),
        (
            "store:id:bGvCXzYgNB",
            Resource::Store,
            Some(Selector::Id),
            Some("bGvCXzYgNB"),
        ),
        (
            "store:code:outlet_ny",
            Resource::Store,
            Some(Selector::Code),
            Some("outlet_ny"),
        ),
        (
            "stock_location:id:WLgbSXqyoZ",
            Resource::StockLocation,
            Some(Selector::Id),
            Some("WLgbSXqyoZ"),
        ),
        (
            "stock_location:code:eu-warehouse_2",
            Resource::StockLocation,
            Some(Selector::Code),
            Some("eu-warehouse_2"),
        ),
        ("provisioning-api", Resource::ProvisioningApi, None, None),
        ("metrics-api", Resource::MetricsApi, None, None),
    ];
    for (text, resource, selector, value) in cases {
        let scope: Scope = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(scope.resource(), resource, "{text}");
        assert_eq!(scope.selector(), selector, "{text}");
        assert_eq!(scope.value(), value, "{text}");
        assert_eq!(scope.to_string(), text);
        assert_eq!(Scope::from_static(text_static(text)), scope);
    }
}

fn text_static(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

#[test]
fn values_keep_their_case_and_long_values_work() {
    let scope: Scope = "store:code:OutLet_NY".parse().unwrap();
    assert_eq!(scope.value(), Some("OutLet_NY"));
    assert_ne!(scope, "store:code:outlet_ny".parse().unwrap());
    let long_code = format!("stock_location:code:{}", "w".repeat(500));
    let scope: Scope = long_code.parse().unwrap();
    assert_eq!(scope.to_string(), long_code);
    let long_id = format!("market:id:{}", "A1".repeat(40));
    assert_eq!(long_id.parse::<Scope>().unwrap().to_string(), long_id);
    // A market code may be 25 characters, not 26.
    assert!(
        format!("market:code:{}", "a".repeat(25))
            .parse::<Scope>()
            .is_ok()
    );
}

#[test]
fn empty_text() {
    assert_fault("", ErrorKind::Empty, 0..0, &["empty"]);
    assert_eq!(scope_error("").kind(), ErrorKind::Empty);
}

#[test]
fn whitespace_is_exactly_one_space_between_scopes() {
    assert_fault(
        " market:all",
        ErrorKind::Whitespace,
        0..1,
        &["starts with whitespace"],
    );
    assert_fault(
        "market:all ",
        ErrorKind::Whitespace,
        10..11,
        &["ends with whitespace"],
    );
    assert_fault(
        "market:all  metrics-api",
        ErrorKind::Whitespace,
        10..12,
        &["more than one space"],
    );
    assert_fault(
        "market:all\tstore:id:a",
        ErrorKind::Whitespace,
        10..11,
        &["other than a single space"],
    );
    assert_fault(
        "market:all\nstore:id:a",
        ErrorKind::Whitespace,
        10..11,
        &["single space"],
    );
    assert_eq!(scope_error("market:all ").kind(), ErrorKind::Whitespace);
}

#[test]
fn commas_and_semicolons_say_use_a_space() {
    assert_fault(
        "market:all,store:id:a",
        ErrorKind::WrongSeparator,
        10..11,
        &["a comma", "single space"],
    );
    assert_fault(
        "market:all;store:id:a",
        ErrorKind::WrongSeparator,
        10..11,
        &["a semicolon", "single space"],
    );
    assert_fault(
        "market:all ,store:id:a",
        ErrorKind::WrongSeparator,
        11..12,
        &["single space"],
    );
    assert_fault(
        ",market:all",
        ErrorKind::WrongSeparator,
        0..1,
        &["single space"],
    );
    assert_eq!(set_error("market:all,store:id:a").suggestion(), Some(" "));
}

#[test]
fn a_single_scope_refuses_several() {
    let err = scope_error("market:all store:id:a");
    assert_eq!(err.kind(), ErrorKind::SeveralScopes);
    assert_eq!(err.span(), 10..11);
    assert!(err.to_string().contains("ScopeSet"), "{err}");
}

#[test]
fn unknown_resources_suggest_the_near_miss() {
    for (text, end, suggestion) in [
        ("markets:id:xYZkjABcde", 7, Some("market")),
        ("Market:id:xYZkjABcde", 6, Some("market")),
        ("MARKET:all", 6, Some("market")),
        ("stock-location:id:WLgbSXqyoZ", 14, Some("stock_location")),
        ("stocklocation:code:eu", 13, Some("stock_location")),
        ("stores:code:outlet", 6, Some("store")),
        ("provisioning_api", 16, Some("provisioning-api")),
        ("metric-api", 10, Some("metrics-api")),
        ("sku:id:xYZkjABcde", 3, None),
    ] {
        let err = set_error(text);
        assert_eq!(err.kind(), ErrorKind::UnknownResource, "{text}");
        assert_eq!(err.span(), 0..end, "{text}");
        assert_eq!(err.suggestion(), suggestion, "{text}");
        assert!(
            err.to_string()
                .contains("expected `market`, `store`, `stock_location`"),
            "{err}"
        );
        if let Some(s) = suggestion {
            assert!(
                err.to_string().contains(&format!("did you mean `{s}`?")),
                "{err}"
            );
        }
    }
    assert_fault(
        ":id:abc",
        ErrorKind::UnknownResource,
        0..7,
        &["start with a resource"],
    );
}

#[test]
fn a_space_inside_a_code_is_explained() {
    let err = set_error("market:code:euro pe");
    assert_eq!(err.kind(), ErrorKind::UnknownResource);
    assert_eq!(err.span(), 17..19);
    assert!(err.to_string().contains("cannot contain spaces"), "{err}");
}

#[test]
fn unknown_selectors_suggest_the_near_miss() {
    for (text, span, suggestion) in [
        ("market:ID:xYZkjABcde", 7..9, Some("id")),
        ("market:Code:europe", 7..11, Some("code")),
        ("market:al", 7..9, Some("all")),
        ("market:ALL", 7..10, Some("all")),
        ("market:name:europe", 7..11, None),
        ("store:cod:outlet", 6..9, Some("code")),
        ("store:1234", 6..10, None),
    ] {
        let err = set_error(text);
        assert_eq!(err.kind(), ErrorKind::UnknownSelector, "{text}: {err}");
        assert_eq!(err.span(), span, "{text}");
        assert_eq!(err.suggestion(), suggestion, "{text}");
    }
    assert!(
        set_error("market:name:europe")
            .to_string()
            .contains("`id`, `code` or `all`")
    );
    assert!(
        set_error("store:name:x")
            .to_string()
            .contains("`id` or `code`")
    );
}

#[test]
fn missing_parts() {
    assert_fault(
        "market",
        ErrorKind::MissingSelector,
        0..6,
        &["`market:id:{id}`", "`market:all`"],
    );
    assert_fault(
        "market:",
        ErrorKind::MissingSelector,
        0..7,
        &["needs a selector"],
    );
    assert_fault(
        "store",
        ErrorKind::MissingSelector,
        0..5,
        &["`store:code:{code}`"],
    );
    assert_fault(
        "market:id",
        ErrorKind::MissingValue,
        0..9,
        &["needs a value", "`market:id:{value}`"],
    );
    assert_fault(
        "stock_location:code",
        ErrorKind::MissingValue,
        0..19,
        &["needs a value"],
    );
    assert_fault(
        "market:id:",
        ErrorKind::EmptyValue,
        10..10,
        &["empty", "id after `market:id:`"],
    );
    assert_fault(
        "market:all store:code:",
        ErrorKind::EmptyValue,
        22..22,
        &["code after `store:code:` is empty"],
    );
}

#[test]
fn retired_numeric_forms_point_to_the_new_ones() {
    let err = set_error("market:1234");
    assert_eq!(err.kind(), ErrorKind::RetiredNumericForm);
    assert_eq!(err.span(), 0..11);
    assert!(err.to_string().contains("`market:id:{id}`"), "{err}");
    assert_eq!(err.suggestion(), Some("market:id:…"));
    let err = set_error("stock_location:4567");
    assert_eq!(err.kind(), ErrorKind::RetiredNumericForm);
    assert!(
        err.to_string().contains("`stock_location:id:{id}`"),
        "{err}"
    );
}

#[test]
fn only_markets_take_all() {
    assert_fault(
        "store:all",
        ErrorKind::AllNotSupported,
        0..9,
        &["only `market` takes `all`"],
    );
    assert_fault(
        "stock_location:all",
        ErrorKind::AllNotSupported,
        0..18,
        &["`market:all`"],
    );
}

#[test]
fn invalid_characters_in_ids_and_codes() {
    assert_fault(
        "market:id:xYZ-kjABcde",
        ErrorKind::InvalidIdCharacter,
        13..14,
        &["`-`", "ASCII letters or digits"],
    );
    assert_fault(
        "market:id:xYZ_kj",
        ErrorKind::InvalidIdCharacter,
        13..14,
        &["id `xYZ_kj`"],
    );
    assert_fault(
        "market:code:europe!",
        ErrorKind::InvalidCodeCharacter,
        18..19,
        &["`!`", "`_` or `-`"],
    );
    assert_fault(
        "market:code:münchen",
        ErrorKind::InvalidCodeCharacter,
        13..15,
        &["`ü`"],
    );
    assert_fault(
        "store:code:a\u{0}b",
        ErrorKind::InvalidCodeCharacter,
        12..13,
        &["\"\\0\""],
    );
}

#[test]
fn market_codes_are_at_most_25_characters() {
    let text = format!("market:code:{}", "a".repeat(26));
    assert_fault(
        &text,
        ErrorKind::MarketCodeTooLong,
        12..38,
        &["26 characters", "at most 25"],
    );
    // Other codes have no documented limit.
    assert!(
        format!("store:code:{}", "a".repeat(26))
            .parse::<ScopeSet>()
            .is_ok()
    );
}

#[test]
fn text_after_a_complete_scope() {
    assert_fault(
        "market:id:xYZkjABcde:extra",
        ErrorKind::UnexpectedSuffix,
        20..26,
        &["`:extra`", "`market:id:xYZkjABcde`"],
    );
    assert_fault(
        "market:all:europe",
        ErrorKind::UnexpectedSuffix,
        10..17,
        &["`market:all`"],
    );
    assert_fault(
        "metrics-api:x",
        ErrorKind::UnexpectedSuffix,
        11..13,
        &["`metrics-api`"],
    );
}

#[test]
fn duplicates_name_both_places() {
    let err = set_error("market:id:xYZkjABcde store:id:a market:id:xYZkjABcde");
    assert_eq!(err.kind(), ErrorKind::DuplicateScope);
    assert_eq!(err.span(), 32..52);
    assert_eq!(err.related_span(), Some(0..20));
    assert!(
        err.to_string()
            .contains("duplicate scope `market:id:xYZkjABcde` at byte 32, first given at byte 0"),
        "{err}"
    );
    // Values are case-sensitive, so these differ.
    assert!("market:code:EU market:code:eu".parse::<ScopeSet>().is_ok());
}

#[test]
fn api_scopes_combine_only_with_each_other() {
    assert!("provisioning-api metrics-api".parse::<ScopeSet>().is_ok());
    let err = set_error("provisioning-api market:id:xYZkjABcde");
    assert_eq!(err.kind(), ErrorKind::ApiScopeMixed);
    assert_eq!(err.span(), 17..37);
    assert!(
        err.to_string()
            .contains("`provisioning-api` cannot be combined with `market:id:xYZkjABcde`"),
        "{err}"
    );
    let err = set_error("market:all metrics-api");
    assert_eq!(err.span(), 11..22);
    assert!(
        err.to_string()
            .contains("`metrics-api` cannot be combined with `market:all`"),
        "{err}"
    );
}

#[test]
fn large_sets_find_the_same_first_conflict() {
    let scopes: Vec<String> = (0..200).map(|i| format!("store:id:s{i}")).collect();
    let mut text = scopes.join(" ");
    assert_eq!(text.parse::<ScopeSet>().unwrap().len(), 200);
    text.push_str(" store:id:s150 store:id:s7");
    let err = set_error(&text);
    assert_eq!(err.kind(), ErrorKind::DuplicateScope);
    assert_eq!(&text[err.span()], "store:id:s150");
    assert_eq!(&text[err.related_span().unwrap()], "store:id:s150");
    assert_eq!(
        err.related_span().unwrap().start,
        text.find("store:id:s150").unwrap()
    );

    let mixed = format!("{} metrics-api store:id:s1", scopes.join(" "));
    let err = set_error(&mixed);
    assert_eq!(err.kind(), ErrorKind::ApiScopeMixed);
    assert_eq!(&mixed[err.span()], "metrics-api");
}

#[test]
fn alternate_display_shows_a_caret_line_under_the_fault() {
    let err = set_error("market:code:europe,market:code:usa");
    let shown = format!("{err:#}");
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], err.to_string());
    assert_eq!(lines[2], "    market:code:europe,market:code:usa");
    assert_eq!(lines[3], "                      ^");
    // Non-ASCII text keeps the carets under the right character.
    let shown = format!("{:#}", set_error("market:code:münchen"));
    assert!(
        shown.ends_with("    market:code:münchen\n                 ^"),
        "{shown}"
    );
    // An empty value puts one caret where the value should be.
    assert!(format!("{:#}", set_error("market:id:")).ends_with("    market:id:\n              ^"));
}

#[test]
fn long_text_is_shown_around_the_fault() {
    let text = format!(
        "{} market:ID:x",
        (0..40)
            .map(|i| format!("store:id:s{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let shown = format!("{:#}", set_error(&text));
    let line = shown.lines().nth(2).unwrap();
    assert!(
        line.starts_with("    …") && line.chars().count() < 140,
        "{line}"
    );
    let carets = shown.lines().nth(3).unwrap();
    let column = carets.find('^').unwrap();
    assert_eq!(line.chars().skip(column).take(2).collect::<String>(), "ID");
}

#[test]
fn scope_sets_answer_the_questions_a_client_asks() {
    let set: ScopeSet = "market:code:europe store:code:outlet stock_location:code:eu market:all"
        .parse()
        .unwrap();
    assert_eq!(set.len(), 4);
    assert_eq!(set.markets().count(), 2);
    assert_eq!(set.stores().count(), 1);
    assert_eq!(set.stock_locations().count(), 1);
    assert!(set.has_market_or_store());
    assert!(set.contains(&"store:code:outlet".parse().unwrap()));
    assert_eq!((&set).into_iter().count(), 4);
    assert_eq!(
        format!("{set:?}"),
        "ScopeSet(\"market:code:europe store:code:outlet stock_location:code:eu market:all\")"
    );
    let single: ScopeSet = Scope::MARKET_ALL.into();
    assert_eq!(single.to_string(), "market:all");
    assert!(!single.has_market_or_store());
}

#[test]
fn traits_users_rely_on() {
    fn assert_traits<T: Clone + std::fmt::Debug + Eq + std::hash::Hash + Send + Sync + 'static>() {}
    assert_traits::<Scope>();
    assert_traits::<ScopeSet>();
    assert_traits::<ScopeError>();
    let mut seen = std::collections::HashSet::new();
    assert!(seen.insert("market:code:eu".parse::<Scope>().unwrap()));
    assert!(!seen.insert(Scope::from_static("market:code:eu")));
    let err: Box<dyn std::error::Error + Send + Sync> = Box::new(set_error("x"));
    assert!(err.to_string().starts_with("invalid scope"));
}
