//! A worker of the fleet-wide token budget's tests: see `scope_tests::budget_worker`.

fn main() {
    scope_tests::budget_worker::budget_worker_main();
}
