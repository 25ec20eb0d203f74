fn main() {
    // After a line continuation rustc skips only ASCII whitespace: the U+00A0 that
    // starts the next line stays in the text, so this is not `market:all market:code:eu`.
    let _ = scope_core::scopes!("market:all \
 market:code:eu");
}
