// The constants equal what serde reads from the same files at run time.
use std::collections::BTreeMap;

use scope_core::{SalesChannelScopes, Scope, ScopeSet};
use serde::Deserialize;

scope_core::config_scopes! {
    /// The storefronts of `storefronts.toml`: sales channels.
    pub mod storefronts = "ui/config/fixtures/storefronts.toml" {
        sales_channel = ["storefronts.**"],
    }
    pub(crate) mod deploy = "ui/config/fixtures/storefront.env" {
        sales_channel = ["CL_SCOPE"],
    }
}

#[derive(Deserialize)]
struct Config {
    storefronts: BTreeMap<String, Storefront>,
    back_office: BackOffice,
}

#[derive(Deserialize)]
struct Storefront {
    scope: SalesChannelScopes,
}

#[derive(Deserialize)]
struct BackOffice {
    scopes: Vec<Scope>,
}

// Constants, usable in const items.
const EUROPE: SalesChannelScopes = storefronts::STOREFRONTS_EUROPE_SCOPE;
const BACK_OFFICE: ScopeSet = storefronts::BACK_OFFICE_SCOPES;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(storefronts::PATH);
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text, storefronts::SOURCE);
    let config: Config = toml::from_str(&text).unwrap();

    assert_eq!(config.storefronts["europe"].scope, EUROPE);
    assert_eq!(config.storefronts["usa"].scope, storefronts::STOREFRONTS_USA_SCOPE);
    assert_eq!(config.storefronts["new-york"].scope, storefronts::STOREFRONTS_NEW_YORK_SCOPE);
    assert_eq!(ScopeSet::from_scopes(config.back_office.scopes).unwrap(), BACK_OFFICE);

    let all: Vec<(&str, String)> = storefronts::ALL.iter().map(|(k, v)| (*k, v.to_string())).collect();
    assert_eq!(
        all,
        [
            ("storefronts.europe.scope", "market:code:europe stock_location:code:eu_warehouse".to_owned()),
            ("storefronts.usa.scope", "market:code:usa stock_location:code:us_east".to_owned()),
            ("storefronts.new-york.scope", "store:code:outlet_ny".to_owned()),
            ("back_office.scopes", "market:all stock_location:code:eu_warehouse".to_owned()),
        ]
    );
    assert_eq!(storefronts::get("storefronts.usa.scope"), Some(&*storefronts::STOREFRONTS_USA_SCOPE));
    assert_eq!(storefronts::get("title"), None);

    // The `.env` file, as a reader of it (here, by hand) sees it.
    let env = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(deploy::PATH)).unwrap();
    let line = env.lines().find(|l| l.starts_with("export CL_SCOPE=")).unwrap();
    let value = line["export CL_SCOPE=".len()..].trim_matches('"');
    assert_eq!(value.parse::<SalesChannelScopes>().unwrap(), deploy::CL_SCOPE);
    assert_eq!(deploy::CL_BACK_OFFICE_SCOPE.to_string(), "market:all");
    assert_eq!(deploy::ALL.len(), 2);
}
