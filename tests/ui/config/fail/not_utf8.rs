scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/not_utf8.toml";
}

fn main() {}
