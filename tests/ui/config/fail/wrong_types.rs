// A number under a scope key, a boolean in an array of scopes, an empty table.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/wrong_types.toml";
}

fn main() {}
