#[derive(scope_core::Scoped)]
#[scope(rename_all = "lowercase")]
enum Storefront {
    #[scope("market:code:europe")]
    Europe,
    #[scope("market:code:usa", rename = "europe")]
    Usa,
}

fn main() {}
