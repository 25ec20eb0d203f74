scope_core::config_scopes! {
    mod storefront = "ui/config/fixtures/comma.toml";
}

fn main() {}
