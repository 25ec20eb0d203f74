//! The API `#[derive(Scoped)]` generates, and `sales_channel_scopes!`: values,
//! `const` use, names for config files, serde, and the sales-channel rule at run time.

mod support;

use scope_core::auth::Credentials;
use scope_core::{
    ErrorKind, SalesChannelScopes, ScopeSet, Scoped, ScopedEnum, sales_channel_scopes, scope,
    scopes,
};

#[derive(Scoped, Clone, Copy, Debug, PartialEq, Eq)]
#[scope(rename_all = "snake_case", serde)]
enum Storefront {
    #[scope("market:code:europe stock_location:code:eu_warehouse")]
    Europe,
    #[scope("market:code:usa")]
    Usa,
    /// Doc comments and discriminants are fine.
    #[scope(r"store:code:outlet_ny", rename = "ny")]
    UsaOutlet = 7,
}

#[derive(Scoped, Debug, PartialEq)]
#[scope(sales_channel)]
pub(crate) enum Shop {
    #[scope("market:id:xYZkjABcde")]
    Main,
    #[scope("store:code:outlet_ny stock_location:code:ny")]
    Outlet,
}

#[derive(Scoped)]
#[scope("provisioning-api metrics-api")]
struct Provisioner {
    name: &'static str,
}

#[derive(Scoped)]
#[scope("market:code:europe", sales_channel)]
struct EuropeanShop;

#[derive(Scoped)]
#[scope("market:all")]
struct Everything(#[allow(dead_code)] u8);

// Scopes are constants: usable where only `const` is allowed.
const EUROPE: &ScopeSet = Storefront::Europe.scopes();
static PROVISIONING: &ScopeSet = Provisioner::SCOPES;
const SHOP: &SalesChannelScopes = Shop::Outlet.sales_channel_scopes();

#[test]
fn enum_variants_have_their_scopes() {
    assert_eq!(
        EUROPE,
        &scopes!("market:code:europe stock_location:code:eu_warehouse")
    );
    assert_eq!(Storefront::Usa.scopes().to_string(), "market:code:usa");
    assert!(
        Storefront::UsaOutlet
            .scopes()
            .contains(&scope!("store:code:outlet_ny"))
    );
    assert_eq!(Storefront::UsaOutlet as u8, 7);
}

#[test]
fn the_trait_and_the_inherent_fn_agree() {
    for variant in Storefront::ALL {
        assert!(std::ptr::eq(Scoped::scopes(variant), variant.scopes()));
        assert!(std::ptr::eq(Scoped::scopes(&variant), variant.scopes()));
    }
}

#[test]
fn all_lists_every_variant_in_order() {
    assert_eq!(
        Storefront::ALL,
        [Storefront::Europe, Storefront::Usa, Storefront::UsaOutlet]
    );
    assert_eq!(<Storefront as ScopedEnum>::ALL, Storefront::ALL);
    assert_eq!(Shop::ALL, [Shop::Main, Shop::Outlet]);
}

#[test]
fn names_follow_rename_all_and_rename() {
    assert_eq!(Storefront::NAMES, ["europe", "usa", "ny"]);
    assert_eq!(Storefront::UsaOutlet.name(), "ny");
    assert_eq!(Storefront::from_name("usa"), Some(Storefront::Usa));
    assert_eq!(Storefront::from_name("Usa"), None);
    assert_eq!(Storefront::from_name("usa_outlet"), None);
    // Without rename_all, names are the variants as written.
    assert_eq!(Shop::NAMES, ["Main", "Outlet"]);
}

#[test]
fn structs_have_one_set_for_every_value() {
    let provisioner = Provisioner { name: "ops" };
    assert_eq!(provisioner.name, "ops");
    assert!(std::ptr::eq(provisioner.scopes(), PROVISIONING));
    assert_eq!(PROVISIONING.len(), 2);
    assert_eq!(Everything(1).scopes().to_string(), "market:all");
    assert_eq!(
        EuropeanShop.sales_channel_scopes().to_string(),
        "market:code:europe"
    );
    assert_eq!(
        EuropeanShop::SCOPES,
        EuropeanShop::SALES_CHANNEL_SCOPES.scope_set()
    );
}

#[test]
fn sales_channel_enums_give_checked_scopes() {
    assert_eq!(SHOP.scope_set(), Shop::Outlet.scopes());
    assert!(SHOP.has_market_or_store());
    assert!(
        Shop::Main
            .sales_channel_scopes()
            .check_sales_channel()
            .is_ok()
    );
}

/// Generic code takes any scoped config.
fn scope_text(config: &impl Scoped) -> String {
    config.scopes().to_string()
}

#[test]
fn generic_code_takes_any_scoped_value() {
    assert_eq!(scope_text(&Storefront::Usa), "market:code:usa");
    assert_eq!(scope_text(&EuropeanShop), "market:code:europe");
    let boxed: Vec<Box<dyn Scoped>> = vec![Box::new(Shop::Main), Box::new(Everything(0))];
    let texts: Vec<String> = boxed.iter().map(|c| c.scopes().to_string()).collect();
    assert_eq!(texts, ["market:id:xYZkjABcde", "market:all"]);
}

#[test]
fn serde_names_the_variant() {
    assert_eq!(
        serde_json::to_string(&Storefront::UsaOutlet).unwrap(),
        r#""ny""#
    );
    let parsed: Vec<Storefront> = serde_json::from_str(r#"["europe", "usa"]"#).unwrap();
    assert_eq!(parsed, [Storefront::Europe, Storefront::Usa]);
}

#[test]
fn serde_lists_the_accepted_names_for_an_unknown_one() {
    let err = serde_json::from_str::<Storefront>(r#""Europe""#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown variant `Europe`, expected one of `europe`, `usa`, `ny` at line 1 column 8"
    );
    let err = serde_json::from_str::<Storefront>("3").unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one of `europe`, `usa`, `ny`"),
        "{err}"
    );
}

#[test]
fn sales_channel_scopes_macro_is_const() {
    const EU: SalesChannelScopes =
        sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse");
    assert_eq!(EU.len(), 2);
    assert_eq!(
        format!("{EU:?}"),
        r#"SalesChannelScopes("market:code:europe stock_location:code:eu_warehouse")"#
    );
    assert_eq!(
        EU.to_string(),
        "market:code:europe stock_location:code:eu_warehouse"
    );
    assert_eq!(
        ScopeSet::from(EU.clone()),
        scopes!("market:code:europe stock_location:code:eu_warehouse")
    );
}

#[test]
fn the_runtime_rule_accepts_what_the_macro_accepts() {
    for text in [
        "market:code:europe",
        "market:id:xYZkjABcde stock_location:code:eu",
        "store:code:outlet_ny",
        "stock_location:code:eu market:code:europe",
        "market:all market:code:europe",
    ] {
        let parsed: SalesChannelScopes = text.parse().unwrap();
        assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn a_sales_channel_without_a_market_is_an_error_that_says_why() {
    let err = "market:all".parse::<SalesChannelScopes>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SalesChannelWithoutMarket);
    assert_eq!(err.span(), 0..10);
    assert_eq!(
        err.to_string(),
        "invalid sales channel scope: sales channels require a market in scope, and `market:all` names none in particular; add a market by id or code (`market:code:europe`) or a store (`store:code:outlet_ny`)"
    );

    let err = scopes!("provisioning-api")
        .check_sales_channel()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SalesChannelWithoutMarket);
    assert_eq!(err.span(), 0..16);
    assert!(err.to_string().contains(
        "sales channels require a market in scope, but the scopes name no market and no store"
    ));
}

#[test]
fn a_stock_location_without_its_market_is_an_error_at_the_stock_location() {
    let err = "market:all stock_location:id:WLgbSXqyoZ stock_location:code:b"
        .parse::<SalesChannelScopes>()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StockLocationWithoutMarket);
    assert_eq!(err.span(), 11..39);
    assert_eq!(
        format!("{err:#}"),
        "invalid sales channel scope: the stock location `stock_location:id:WLgbSXqyoZ` needs its market beside it, since sales channels require a market in scope; add the market by id or code (`market:code:europe`) or a store (`store:code:outlet_ny`)\n\n    market:all stock_location:id:WLgbSXqyoZ stock_location:code:b\n               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    );
}

#[test]
fn grammar_errors_come_first() {
    let err = "markets:code:europe"
        .parse::<SalesChannelScopes>()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownResource);
}

#[test]
fn sales_channel_scopes_deserialize_through_the_rule() {
    let ok: SalesChannelScopes = serde_json::from_str(r#""store:code:outlet_ny""#).unwrap();
    assert_eq!(
        serde_json::to_string(&ok).unwrap(),
        r#""store:code:outlet_ny""#
    );
    let err =
        serde_json::from_str::<SalesChannelScopes>(r#""stock_location:code:eu""#).unwrap_err();
    assert!(
        err.to_string()
            .contains("sales channels require a market in scope"),
        "{err}"
    );
}

#[test]
fn proven_scopes_make_sales_channel_credentials_without_a_check() {
    let credentials =
        Credentials::for_sales_channel("client", Shop::Outlet.sales_channel_scopes().clone());
    assert!(credentials.is_sales_channel());
    assert_eq!(credentials.scope(), Some(Shop::Outlet.scopes()));
    assert_eq!(credentials.client_id(), "client");
}

/// The run-time check of `Credentials::sales_channel` and the rule of the macro agree.
#[test]
fn credentials_and_the_sales_channel_rule_agree() {
    for text in [
        "market:code:europe",
        "store:id:aBc123",
        "market:all",
        "market:all stock_location:code:eu",
        "stock_location:code:eu",
        "stock_location:code:eu store:code:outlet_ny",
        "provisioning-api",
    ] {
        let set: ScopeSet = text.parse().unwrap();
        assert_eq!(
            Credentials::sales_channel("client", set.clone()).is_ok(),
            set.check_sales_channel().is_ok(),
            "{text}"
        );
    }
}

/// A derive cannot see `$crate`: through a renamed dependency, `crate = "…"` names it.
/// Without scope-core's `serde` feature, `#[scope(serde)]` is an error that says so.
#[test]
fn derive_through_a_renamed_dependency_and_without_serde() {
    let dir = support::probe_crate("derive-renamed-probe", "cl_scopes");
    let renamed = r#"
use cl_scopes::{SalesChannelScopes, Scoped, ScopedEnum};

#[derive(cl_scopes::Scoped)]
#[scope(crate = "cl_scopes", rename_all = "snake_case")]
enum Storefront {
    #[scope("market:code:europe stock_location:code:eu_warehouse")]
    Europe,
    #[scope("market:code:usa")]
    UnitedStates,
}

const OUTLET: SalesChannelScopes = cl_scopes::sales_channel_scopes!("store:code:outlet_ny");

fn main() {
    for s in Storefront::ALL {
        print!("{}={} | ", s.name(), Scoped::scopes(s));
    }
    println!("{OUTLET}");
}
"#;
    assert_eq!(
        support::run_bin(&dir, "renamed", renamed),
        "europe=market:code:europe stock_location:code:eu_warehouse | united_states=market:code:usa | store:code:outlet_ny\n"
    );

    let no_serde = r#"
#[derive(cl_scopes::Scoped)]
#[scope(crate = "cl_scopes", serde)]
enum Storefront {
    #[scope("market:code:europe")]
    Europe,
}

fn main() {}
"#;
    let stderr = support::build_errors(&dir, "no_serde", no_serde);
    assert!(
        stderr
            .contains("`#[scope(serde)]` on `Storefront` needs the `serde` feature of scope-core"),
        "{stderr}"
    );
    assert!(stderr.contains("due to 1 previous error"), "{stderr}");
}

/// One enum per case style, each with a two-word variant.
macro_rules! styled {
    ($($module:ident: $style:literal => $expected:literal,)*) => {
        $(
            mod $module {
                #[derive(scope_core::Scoped)]
                #[scope(rename_all = $style)]
                pub enum Styled {
                    #[scope("market:code:usa store:code:outlet_ny")]
                    UsaOutlet,
                }
            }
        )*

        #[test]
        fn every_case_style_names_variants_like_serde() {
            $(
                assert_eq!(<$module::Styled as ScopedEnum>::NAMES, [$expected], $style);
            )*
        }
    };
}

styled! {
    lower: "lowercase" => "usaoutlet",
    upper: "UPPERCASE" => "USAOUTLET",
    pascal: "PascalCase" => "UsaOutlet",
    camel: "camelCase" => "usaOutlet",
    snake: "snake_case" => "usa_outlet",
    screaming_snake: "SCREAMING_SNAKE_CASE" => "USA_OUTLET",
    kebab: "kebab-case" => "usa-outlet",
    screaming_kebab: "SCREAMING-KEBAB-CASE" => "USA-OUTLET",
}

/// The README's service config (doctested there), read from a config file
/// through serde: the file names the storefront, the scope text stays in code.
mod service_config {
    use scope_core::auth::Credentials;
    use scope_core::{Scoped, ScopedEnum};

    /// One storefront per market, each a sales channel: every literal is checked
    /// by the grammar and by the sales-channel rule when the service compiles.
    #[derive(Scoped, Clone, Copy, Debug, PartialEq)]
    #[scope(sales_channel, rename_all = "snake_case", serde)]
    enum Storefront {
        #[scope("market:code:europe stock_location:code:eu_warehouse")]
        Europe,
        #[scope("market:code:usa")]
        Usa,
        #[scope("store:code:outlet_ny")]
        NewYorkOutlet,
    }

    /// The back office: an integration that sees every market.
    #[derive(Scoped)]
    #[scope("market:all")]
    struct BackOffice;

    /// The config file names the storefront; the scope text stays in code.
    #[derive(serde::Deserialize)]
    struct Config {
        storefront: Storefront,
        client_id: String,
    }

    #[test]
    fn a_config_file_names_a_sales_channel_storefront() {
        let config: Config =
            serde_json::from_str(r#"{"storefront": "new_york_outlet", "client_id": "abc"}"#)
                .unwrap();
        let credentials = Credentials::for_sales_channel(
            config.client_id,
            config.storefront.sales_channel_scopes().clone(),
        );
        assert_eq!(
            credentials.scope().unwrap().to_string(),
            "store:code:outlet_ny"
        );
        assert_eq!(Storefront::NAMES, ["europe", "usa", "new_york_outlet"]);
        assert_eq!(BackOffice.scopes().to_string(), "market:all");

        let err = serde_json::from_str::<Config>(r#"{"storefront": "asia", "client_id": "abc"}"#)
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with(
                "unknown variant `asia`, expected one of `europe`, `usa`, `new_york_outlet`"
            ),
            "{err}"
        );
    }
}
