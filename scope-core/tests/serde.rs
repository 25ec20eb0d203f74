//! Serde: scopes serialize as their text and deserialize through the same parser
//! as `FromStr`, so a bad scope in a config file is an error that names the fault.
#![cfg(feature = "serde")]

use scope_core::{Scope, ScopeSet, scope, scopes};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Config {
    storefront: ScopeSet,
    warehouse: Scope,
}

#[test]
fn round_trips_as_text() {
    let set = scopes!("market:code:europe stock_location:code:eu_warehouse");
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(
        json,
        r#""market:code:europe stock_location:code:eu_warehouse""#
    );
    assert_eq!(serde_json::from_str::<ScopeSet>(&json).unwrap(), set);
    let one = scope!("store:id:bGvCXzYgNB");
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        r#""store:id:bGvCXzYgNB""#
    );
    assert_eq!(
        serde_json::from_str::<Scope>(r#""store:id:bGvCXzYgNB""#).unwrap(),
        one
    );
}

#[test]
fn a_config_file_with_a_good_scope_loads() {
    let config: Config = serde_json::from_str(
        r#"{"storefront": "market:code:europe", "warehouse": "stock_location:code:eu_warehouse"}"#,
    )
    .unwrap();
    assert_eq!(config.storefront.len(), 1);
    assert_eq!(config.warehouse.value(), Some("eu_warehouse"));
}

#[test]
fn a_bad_scope_in_a_config_file_names_the_fault_and_where() {
    let err = serde_json::from_str::<Config>(
        r#"{"storefront": "market:code:europe,market:code:usa", "warehouse": "stock_location:code:eu"}"#,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("found a comma between scopes at byte 18"),
        "{message}"
    );
    assert!(message.contains("single space"), "{message}");
    assert!(
        message.contains("line 1"),
        "serde_json adds the place in the file: {message}"
    );

    let err = serde_json::from_str::<Config>(
        r#"{"storefront": "market:all", "warehouse": "stock-location:code:eu"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("did you mean `stock_location`?"),
        "{err}"
    );
}

#[test]
fn a_non_string_says_what_was_expected() {
    let err = serde_json::from_str::<ScopeSet>("42").unwrap_err();
    assert!(
        err.to_string()
            .contains("Commerce Layer scopes separated by single spaces"),
        "{err}"
    );
    let err = serde_json::from_str::<Scope>("[]").unwrap_err();
    assert!(err.to_string().contains("a Commerce Layer scope"), "{err}");
}
