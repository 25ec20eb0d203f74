// `new-york` and `new_york` would both be `STOREFRONTS_NEW_YORK_SCOPE`.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/clash.toml";
}

fn main() {}
