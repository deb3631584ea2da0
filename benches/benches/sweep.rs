//! Sweep speed-up: the same 8-run Monte Carlo sweep (economy mode, 1,000 nodes, 120 days) on
//! 1 and 2 worker threads through `scenarios::par_map_ordered`, the path `dcfs-sim sweep` uses.
//! Speed-up = time(1 thread) / time(2 threads); target ≥ 1.8× on 2 cores.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

const SWEEP: &str = r#"
[run]
mode = "economy"
horizon_days = 120
[[economy.node_groups]]
count = 1000
raw_power = { dist = "log_uniform", low = 1000000, high = 20000000 }
join_day = { dist = "uniform", low = 0, high = 20 }
mean_up_hours = 720
[[economy.voter_groups]]
count = 300
endowment_dcc = { dist = "uniform", low = 10, high = 10000 }
[economy.campaign]
open_threshold_nodes = 200
[sweep]
seeds = 8
"#;

fn sweep(c: &mut Criterion) {
    let doc =
        scenarios::load::parse_document(Path::new("bench.toml"), SWEEP.to_owned()).expect("valid");
    let base = doc.load().expect("valid");
    let plan = scenarios::SweepPlan::new(&base);
    let indices: Vec<u64> = (0..plan.len()).collect();
    let run = |i: u64| -> Result<sim_core::Digest, String> {
        let loaded = plan
            .load_run(&doc, &plan.spec(i))
            .map_err(|e| e.to_string())?;
        scenarios::run(&loaded.spec)
            .map(|o| o.digest)
            .map_err(|e| e.to_string())
    };
    let one = scenarios::par_map_ordered(&indices, 1, run).expect("runs");
    assert_eq!(
        one,
        scenarios::par_map_ordered(&indices, 2, run).expect("runs"),
        "thread count changed a result"
    );
    let mut group = c.benchmark_group("sweep_8_runs");
    group.sample_size(10);
    for threads in [1_usize, 2] {
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| black_box(scenarios::par_map_ordered(&indices, threads, run).expect("runs")));
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
