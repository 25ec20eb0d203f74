#[derive(scope_core::Scoped)]
enum Nothing {}

fn main() {}
