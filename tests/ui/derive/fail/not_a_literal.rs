const EUROPE: &str = "market:code:europe";

#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope(EUROPE)]
    Europe,
    #[scope(concat!("market:", "code:usa"))]
    Usa,
    #[scope(42)]
    Number,
    #[scope(b"market:all")]
    Bytes,
}

fn main() {}
