//! A worker of the multi-process fleet tests: see `scope_tests::fleet`.

fn main() {
    scope_tests::fleet::worker_main();
}
