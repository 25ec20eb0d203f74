// A bad scope in a nested table, and another in a table under it: each its own error.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/nested.toml";
}

fn main() {}
