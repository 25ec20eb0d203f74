//! Parsing speed against the baseline the issue names: a precompiled `regex`
//! that only validates (`is_match`), measured in the same run.
//!
//! `cargo bench -p scope-core --bench parse`
//!
//! Criterion measures each side in turn, so a load that comes and goes on the
//! machine can favour either. The paired run at the end alternates short
//! batches of the two and reports the median of the per-batch ratios, which
//! such load moves far less.

use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

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

/// Alternates batches of the regex and the parser on each input and prints the
/// median time of each and the median of the per-batch ratios.
fn paired(_: &mut Criterion) {
    const BATCH: u32 = 2_000;
    const ROUNDS: usize = 401;
    let single = Regex::new(&format!("^{SCOPE_PATTERN}$")).unwrap();
    let set = Regex::new(&format!("^{SCOPE_PATTERN}(?: {SCOPE_PATTERN})*$")).unwrap();
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..BATCH {
            f();
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(BATCH)
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let three = "market:id:xYZkjABcde stock_location:code:eu_warehouse store:code:outlet_ny";
    type Case<'a> = (&'a str, Box<dyn Fn() + 'a>, Box<dyn Fn() + 'a>);
    let cases: [Case; 3] = [
        (
            "Scope::from_str market:id:xYZkjABcde",
            Box::new(|| {
                black_box(single.is_match(black_box("market:id:xYZkjABcde")));
            }),
            Box::new(|| {
                let _ = black_box(Scope::from_str(black_box("market:id:xYZkjABcde")));
            }),
        ),
        (
            "Scope::from_str stock_location:code:eu_warehouse",
            Box::new(|| {
                black_box(single.is_match(black_box("stock_location:code:eu_warehouse")));
            }),
            Box::new(|| {
                let _ = black_box(Scope::from_str(black_box(
                    "stock_location:code:eu_warehouse",
                )));
            }),
        ),
        (
            "ScopeSet::from_str three scopes",
            Box::new(|| {
                black_box(set.is_match(black_box(three)));
            }),
            Box::new(|| {
                let _ = black_box(ScopeSet::from_str(black_box(three)));
            }),
        ),
    ];
    for (name, regex, ours) in &cases {
        let (mut regex_ns, mut ours_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Alternate which side goes first, so neither always follows the other.
            let (r, o) = if round % 2 == 0 {
                let r = time(regex);
                (r, time(ours))
            } else {
                let o = time(ours);
                (time(regex), o)
            };
            regex_ns.push(r);
            ours_ns.push(o);
            ratios.push(o / r);
        }
        println!(
            "paired/{name}: regex is_match {:.1} ns, ours {:.1} ns, median ratio {:.2} ({ROUNDS} alternating batches of {BATCH})",
            median(regex_ns),
            median(ours_ns),
            median(ratios)
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench_parse, paired
}
criterion_main!(benches);
