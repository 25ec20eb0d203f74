// A number under a scope key, and a boolean in an array of scopes.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/wrong_types.toml";
}

fn main() {}
