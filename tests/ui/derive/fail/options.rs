// Unknown, misplaced, repeated and malformed options.
#[derive(scope_core::Scoped)]
#[scope(rename_all = "Title Case", serd)]
#[scope(serde, serde)]
enum Storefront {
    #[scope("market:code:europe", rename_all = "snake_case")]
    Europe,
    #[scope("market:code:usa", rename)]
    Usa,
}

#[derive(scope_core::Scoped)]
#[scope("market:all", rename_all = "snake_case", crate = "not a path")]
struct Everything;

fn main() {}
