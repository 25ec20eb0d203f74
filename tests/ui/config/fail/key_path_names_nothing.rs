scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/storefronts.toml" {
        keys = ["storefronts.*.scope", "storefronts.*.token_scope"],
        sales_channel = ["storefront.*.scope"],
    }
}

fn main() {}
