// Not TOML at all (a table defined twice): the parser's message and position.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/malformed.toml";
}

fn main() {}
