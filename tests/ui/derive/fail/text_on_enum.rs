#[derive(scope_core::Scoped)]
#[scope("market:code:europe")]
enum Storefront {
    #[scope("market:code:usa")]
    Usa,
}

fn main() {}
