// Faults inside basic strings with escapes: the caret is placed through them.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/escapes.toml";
}

fn main() {}
