//! Every option: the crate path, each case style, per-variant names, serde (on
//! directly or through `cfg_attr`), and sales channels.
use scope_core::{SalesChannelScopes, Scoped, ScopedEnum};

mod reexport {
    pub use scope_core as renamed;
}

#[derive(Scoped)]
#[scope(crate = "crate::reexport::renamed", rename_all = "SCREAMING-KEBAB-CASE")]
enum ThroughPath {
    #[scope("market:code:europe")]
    EuropeMain,
}

#[derive(Scoped)]
#[scope(crate = "::scope_core")]
#[scope(rename_all = "camelCase")]
enum Camel {
    #[scope("market:code:europe")]
    EuropeMain,
    #[scope("market:code:usa", rename = "us")]
    Usa,
}

#[derive(Scoped, Debug, PartialEq)]
#[cfg_attr(all(), scope(serde))]
#[scope(rename_all = "kebab-case")]
enum Configured {
    #[scope("market:id:xYZkjABcde")]
    EuropeMain,
}

#[derive(Scoped)]
#[scope(sales_channel)]
enum Channel {
    #[scope("store:code:outlet_ny stock_location:code:ny")]
    Outlet,
}

#[derive(Scoped)]
#[scope("market:code:europe", sales_channel)]
struct EuropeOnly;

const CHANNEL: &SalesChannelScopes = Channel::Outlet.sales_channel_scopes();
const EUROPE: &SalesChannelScopes = EuropeOnly::SALES_CHANNEL_SCOPES;

fn main() {
    assert_eq!(ThroughPath::EuropeMain.name(), "EUROPE-MAIN");
    assert_eq!(Camel::NAMES, ["europeMain", "us"]);
    let parsed: Configured = serde_json::from_str(r#""europe-main""#).unwrap();
    assert_eq!(parsed, Configured::EuropeMain);
    assert_eq!(CHANNEL.scope_set(), Channel::Outlet.scopes());
    assert_eq!(EUROPE.len(), EuropeOnly.scopes().len());
}
