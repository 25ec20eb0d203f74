//! Macro output is a constant: `const` and `static` items, every form, raw strings.
use scope_core::{Resource, Scope, ScopeSet, Selector, scope, scopes};

const MARKET_ID: Scope = scope!("market:id:xYZkjABcde");
const MARKET_CODE: Scope = scope!("market:code:europe");
const MARKET_ALL: Scope = scope!("market:all");
const STORE_ID: Scope = scope!("store:id:bGvCXzYgNB");
const STORE_CODE: Scope = scope!("store:code:outlet_ny");
const STOCK_ID: Scope = scope!("stock_location:id:WLgbSXqyoZ");
const STOCK_CODE: Scope = scope!(r"stock_location:code:eu_warehouse");
const PROVISIONING: Scope = scope!("provisioning-api");
static METRICS: Scope = scope!(r#"metrics-api"#);
const STOREFRONT: ScopeSet = scopes!("market:code:europe stock_location:code:eu_warehouse");
static APIS: ScopeSet = scopes!("provisioning-api metrics-api");
const ESCAPED: Scope = scope!("market:code:\x65u\u{72}ope");
// Sets of up to three scopes and longer ones are written differently; both are constants.
const ONE: ScopeSet = scopes!("market:all");
const THREE: ScopeSet = scopes!("market:id:xYZkjABcde store:code:outlet_ny stock_location:id:WLgbSXqyoZ");
static FOUR: ScopeSet = scopes!("market:code:europe store:id:bGvCXzYgNB stock_location:code:eu_warehouse market:all");

fn main() {
    assert_eq!(MARKET_ID.to_string(), "market:id:xYZkjABcde");
    assert_eq!(MARKET_CODE.value(), Some("europe"));
    assert_eq!(MARKET_ALL, Scope::MARKET_ALL);
    assert_eq!(STORE_ID.resource(), Resource::Store);
    assert_eq!(STOCK_ID.value(), Some("WLgbSXqyoZ"));
    assert_eq!(STOCK_CODE.to_string(), "stock_location:code:eu_warehouse");
    assert_eq!(PROVISIONING, Scope::PROVISIONING_API);
    assert_eq!(METRICS, Scope::METRICS_API);
    assert_eq!(STOREFRONT.to_string(), "market:code:europe stock_location:code:eu_warehouse");
    assert_eq!(APIS.len(), 2);
    assert_eq!(ESCAPED, MARKET_CODE);
    assert_eq!(MARKET_ID.resource(), Resource::Market);
    assert_eq!(STORE_CODE.selector(), Some(Selector::Code));
    for (set, text) in [
        (&ONE, "market:all"),
        (&THREE, "market:id:xYZkjABcde store:code:outlet_ny stock_location:id:WLgbSXqyoZ"),
        (&FOUR, "market:code:europe store:id:bGvCXzYgNB stock_location:code:eu_warehouse market:all"),
        (&APIS, "provisioning-api metrics-api"),
    ] {
        assert_eq!(*set, text.parse::<ScopeSet>().unwrap());
        assert_eq!(set.to_string(), text);
    }
    // And as plain expressions.
    let local = scopes!("market:code:usa");
    assert!(local.has_market_or_store());
    let four = scopes!("store:code:outlet_ny market:id:xYZkjABcde stock_location:id:WLgbSXqyoZ market:all");
    assert_eq!(four.len(), 4);
    assert!(four.contains(&scope!("market:id:xYZkjABcde")));
}
