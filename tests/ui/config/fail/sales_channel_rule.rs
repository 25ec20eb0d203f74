// The storefronts are sales channels: a stock location without its market, and
// `market:all`, fail the rule; the back office is not a sales channel, so its
// lone stock location passes.
scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/sales_channel.toml" {
        sales_channel = ["storefronts.*.scope"],
    }
}

fn main() {}
