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

const MARKET: &str = "market:id:xYZkjABcde";
const STOCK_LOCATION: &str = "stock_location:code:eu_warehouse";
const THREE: &str = "market:id:xYZkjABcde stock_location:code:eu_warehouse store:code:outlet_ny";

/// The baselines: a regex for one scope, and one for a set.
fn regexes() -> (Regex, Regex) {
    (
        Regex::new(&format!("^{SCOPE_PATTERN}$")).unwrap(),
        Regex::new(&format!("^{SCOPE_PATTERN}(?: {SCOPE_PATTERN})*$")).unwrap(),
    )
}

fn bench_parse(c: &mut Criterion) {
    let (single, set) = regexes();

    for input in [MARKET, STOCK_LOCATION] {
        let mut group = c.benchmark_group(format!("scope/{input}"));
        group.bench_function("regex is_match", |b| {
            b.iter(|| single.is_match(black_box(input)))
        });
        group.bench_function("Scope::from_str", |b| {
            b.iter(|| Scope::from_str(black_box(input)))
        });
        group.finish();
    }

    for (name, input) in [
        ("three scopes", THREE),
        (MARKET, MARKET),
        (STOCK_LOCATION, STOCK_LOCATION),
    ] {
        let mut group = c.benchmark_group(format!("set/{name}"));
        group.bench_function("regex is_match", |b| {
            b.iter(|| set.is_match(black_box(input)))
        });
        group.bench_function("ScopeSet::from_str", |b| {
            b.iter(|| ScopeSet::from_str(black_box(input)))
        });
        group.finish();
    }
}

fn parse_scope(text: &str) {
    let _ = black_box(Scope::from_str(black_box(text)));
}

fn parse_set(text: &str) {
    let _ = black_box(ScopeSet::from_str(black_box(text)));
}

/// Alternates batches of the regex and the parser on each input and prints the
/// median time of each and the median of the per-batch ratios.
fn paired(_: &mut Criterion) {
    const BATCH: u32 = 2_000;
    const ROUNDS: usize = 401;
    let (single, set) = regexes();
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
    // What is measured, the baseline, the input, and our parse of it.
    type Case<'a> = (&'a str, &'a Regex, &'a str, fn(&str));
    let cases: [Case; 3] = [
        ("Scope::from_str", &single, MARKET, parse_scope),
        ("Scope::from_str", &single, STOCK_LOCATION, parse_scope),
        ("ScopeSet::from_str", &set, THREE, parse_set),
    ];
    for (name, regex, input, parse) in cases {
        let regex = || {
            black_box(regex.is_match(black_box(input)));
        };
        let ours = || parse(input);
        let (mut regex_ns, mut ours_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Alternate which side goes first, so neither always follows the other.
            let (r, o) = if round % 2 == 0 {
                let r = time(&regex);
                (r, time(&ours))
            } else {
                let o = time(&ours);
                (time(&regex), o)
            };
            regex_ns.push(r);
            ours_ns.push(o);
            ratios.push(o / r);
        }
        println!(
            "paired/{name} {input}: regex is_match {:.1} ns, ours {:.1} ns, median ratio {:.2} ({ROUNDS} alternating batches of {BATCH})",
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
