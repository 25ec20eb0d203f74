//! A worker of the multi-process session tests: see `scope_tests::session_worker`.

fn main() {
    scope_tests::session_worker::session_worker_main();
}
