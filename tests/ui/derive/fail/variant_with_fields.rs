#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope("market:code:europe")]
    Europe(u32),
    #[scope("market:code:usa")]
    Usa { warehouse: String },
}

fn main() {}
