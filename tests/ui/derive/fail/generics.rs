#[derive(scope_core::Scoped)]
#[scope("market:all")]
struct Config<T> {
    value: T,
}

fn main() {}
