//! Parsing speed against the baseline the issue names: a precompiled `regex`
//! that only validates (`is_match`), measured in the same run.
//!
//! `cargo bench -p scope-core --bench parse`

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, criterion_group, criterion_main};
use regex::Regex;
use scope_core::{Scope, ScopeSet};

/// One scope, as a regex: what a careful hand-rolled validator would use.
const SCOPE_PATTERN: &str = r"(?:(?:market|store|stock_location):(?:id:[A-Za-z0-9]+|code:[A-Za-z0-9_-]+)|market:all|provisioning-api|metrics-api)";

fn bench_parse(c: &mut Criterion) {
    let single = Regex::new(&format!("^{SCOPE_PATTERN}$")).unwrap();
    let set = Regex::new(&format!("^{SCOPE_PATTERN}(?: {SCOPE_PATTERN})*$")).unwrap();

    for input in ["market:id:xYZkjABcde", "stock_location:code:eu_warehouse"] {
        let mut group = c.benchmark_group(format!("scope/{input}"));
        group.bench_function("regex is_match", |b| {
            b.iter(|| single.is_match(black_box(input)))
        });
        group.bench_function("Scope::from_str", |b| {
            b.iter(|| Scope::from_str(black_box(input)))
        });
        group.finish();
    }

    let three = "market:id:xYZkjABcde stock_location:code:eu_warehouse store:code:outlet_ny";
    let mut group = c.benchmark_group("set/three scopes");
    group.bench_function("regex is_match", |b| {
        b.iter(|| set.is_match(black_box(three)))
    });
    group.bench_function("ScopeSet::from_str", |b| {
        b.iter(|| ScopeSet::from_str(black_box(three)))
    });
    group.finish();

    for input in ["market:id:xYZkjABcde", "stock_location:code:eu_warehouse"] {
        let mut group = c.benchmark_group(format!("set/{input}"));
        group.bench_function("regex is_match", |b| {
            b.iter(|| set.is_match(black_box(input)))
        });
        group.bench_function("ScopeSet::from_str", |b| {
            b.iter(|| ScopeSet::from_str(black_box(input)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench_parse
}
criterion_main!(benches);
