scope_core::config_scopes! {
    mod storefronts = "ui/config/fixtures/no-such-file.toml";
}

// The module is still there, so its uses raise no more errors.
fn main() {
    assert_eq!(storefronts::PATH, "ui/config/fixtures/no-such-file.toml");
}
