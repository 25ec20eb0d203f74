// Mistakes in the macro's input, each at its cause.
scope_core::config_scopes! {
    mod a = "ui/config/fixtures/storefronts.toml" { keys = [], colour = "blue" }
    mod b = "ui/config/fixtures/storefronts.yaml";
    mod c = "ui/config/fixtures/storefronts.toml" { keys = ["storefronts..scope"] }
    mod d = concat!("ui/", "x.toml");
}

fn main() {}
