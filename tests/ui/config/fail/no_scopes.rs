// No key named `scope` or `scopes`: a wrong path or key name must not pass silently.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/no_scopes.toml";
}

fn main() {}
