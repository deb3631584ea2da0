//! End-to-end tests of what `write_run` and `merge` put on disk: Parquet frames equal the
//! engine's tables to the wei, charts are valid SVG and PNG, index.html is self-contained, and
//! sweep quantiles are exact, independent of the order runs were written in.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use reports::frame::read_parquet_table;
use reports::layout::{PROGRAM, SweepIdentity};
use reports::merge::{claim_sweep_dir, merge};
use reports::output::{
    RunContext, RunManifest, begin_run, read_manifest, rerender_run, run_dir, scenario_digest,
    write_run,
};
use reports::report::load_table;
use reports::staging::StagedDir;
use scenarios::{ColumnData, RunOutput, RunSpec, Table, TableEntry};
use sim_core::Digest;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcfs-reports-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn scenario(dir: &Path, text: &str) -> (scenarios::Loaded, Digest) {
    let file = dir.join("s.toml");
    fs::write(&file, text).unwrap();
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc.load().unwrap();
    let id = scenario_digest(&loaded.resolved);
    (loaded, id)
}

fn assert_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "not an SVG");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<svg").count(),
        svg.matches("</svg>").count(),
        "unbalanced svg"
    );
}

fn assert_png(bytes: &[u8]) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 5_000, "PNG of {} bytes", bytes.len());
}

#[test]
fn run_writes_exact_parquet_charts_and_report() {
    let dir = tmp("run");
    let (loaded, id) = scenario(
        &dir,
        "[run]\nname = \"t\"\nmode = \"schedule\"\nhorizon_days = 2500\nseed = 3\n",
    );
    let output = scenarios::run(&loaded.spec).unwrap();
    let spec = RunSpec {
        index: 0,
        point: 0,
        seed: 3,
        overrides: Vec::new(),
    };
    let out = dir.join("out");
    let ctx = RunContext {
        scenario_file: "s.toml",
        sweep_id: &id,
        sweep_runs: 1,
        spec: &spec,
        loaded: &loaded,
    };
    let m = write_run(begin_run(&out).unwrap(), ctx, &output, BTreeMap::new()).unwrap();
    for t in &output.tables {
        let back = read_parquet_table(&out.join(format!("{}.parquet", t.name)), &t.name).unwrap();
        assert_eq!(&back, t, "{} differs after the Parquet round trip", t.name);
        // The CSV read back (type inference) is exact too.
        fs::rename(
            out.join(format!("{}.parquet", t.name)),
            dir.join("moved.parquet"),
        )
        .unwrap();
        assert_eq!(load_table(&out, &t.name).unwrap().as_ref(), Some(t));
        fs::rename(
            dir.join("moved.parquet"),
            out.join(format!("{}.parquet", t.name)),
        )
        .unwrap();
    }
    // The manifest lists every file the run owns.
    let mut listed: Vec<&str> = m.files.keys().map(String::as_str).collect();
    listed.retain(|f| !f.starts_with("charts/"));
    assert_eq!(
        listed,
        [
            "daily.csv",
            "daily.parquet",
            "index.html",
            "summary.csv",
            "summary.parquet"
        ]
    );
    // The summary row is a typed one-row table.
    let summary = read_parquet_table(&out.join("summary.parquet"), "summary").unwrap();
    assert_eq!(summary, output.summary);
    assert!(m.files.contains_key("charts/supply_breakdown.svg"));
    for chart in ["supply_breakdown", "emission_burns"] {
        let svg = fs::read_to_string(out.join(format!("charts/{chart}.svg"))).unwrap();
        assert_svg(&svg);
        assert_png(&fs::read(out.join(format!("charts/{chart}.png"))).unwrap());
    }
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in [
        &m.digest,
        "dcfs-sim 0.1.0",
        "Supply breakdown",
        "halving 1",
        "<svg",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
    }
    for remote in ["<script", "<link", "src=\"http", "href=\"http", "url("] {
        assert!(
            !html.contains(remote),
            "index.html must not load anything ({remote})"
        );
    }
    // `report` re-renders the same page, and refuses a damaged directory, naming the file.
    let again = rerender_run(&out).unwrap();
    assert_eq!(again, m);
    assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), html);
    fs::remove_file(out.join("charts/supply_breakdown.png")).unwrap();
    let e = rerender_run(&out).unwrap_err().to_string();
    assert!(e.contains("supply_breakdown.png: missing"), "{e}");
    fs::remove_dir_all(&dir).unwrap();
}

fn synthetic(run: u64, days: u64) -> RunOutput {
    let mut daily = Table::new("daily");
    daily.push("day", ColumnData::U64((0..days).collect()));
    // Run r, day d: value (r % 4 + 1) · 10^24 + d, beyond f64 precision.
    daily.push(
        "x_wei",
        ColumnData::U128(
            (0..days)
                .map(|d| u128::from(run % 4 + 1) * 10_u128.pow(24) + u128::from(d) + 1)
                .collect(),
        ),
    );
    daily.push("n", ColumnData::U64(vec![run; days as usize]));
    let mut chain = Table::new("chain_daily");
    chain.push("day", ColumnData::U64((0..days).collect()));
    chain.push(
        "reorgs",
        ColumnData::U64((0..days).map(|d| d * 10 + run % 4).collect()),
    );
    let mut summary = Table::new("summary");
    summary.push("final_wei", ColumnData::U128(vec![u128::from(run) * 7]));
    let tables = vec![chain, daily];
    let entries: Vec<TableEntry> = tables
        .iter()
        .map(|t| {
            let (rows, digest) = t.digest();
            TableEntry {
                name: t.name.clone(),
                rows,
                digest,
                streamed: false,
            }
        })
        .collect();
    let mut d = sim_core::OutputDigest::new();
    for e in &entries {
        d.str(&e.name).u64(e.rows).bytes(&e.digest.0);
    }
    RunOutput {
        tables,
        entries,
        summary,
        digest: d.finish(),
    }
}

fn write_sweep(dir: &Path, order: &[u64], loaded: &scenarios::Loaded, id: &Digest) {
    let identity = SweepIdentity {
        program: PROGRAM.to_owned(),
        scenario_file: "s.toml".to_owned(),
        sweep_id: id.to_string(),
        runs: 8,
        design: None,
    };
    claim_sweep_dir(dir, &identity).unwrap();
    for &i in order {
        let spec = RunSpec {
            index: i,
            point: i / 4,
            seed: 10 + i % 4,
            overrides: vec![("run.horizon_days".into(), toml::Value::Integer(5))],
        };
        let ctx = RunContext {
            scenario_file: "s.toml",
            sweep_id: id,
            sweep_runs: 8,
            spec: &spec,
            loaded,
        };
        write_run(
            StagedDir::begin(&run_dir(dir, i)).unwrap(),
            ctx,
            &synthetic(i, 5 + i / 4),
            BTreeMap::new(),
        )
        .unwrap();
    }
}

#[test]
fn sweep_quantiles_are_exact_and_order_independent() {
    let dir = tmp("sweep");
    let (loaded, id) = scenario(&dir, "[run]\nmode = \"schedule\"\nhorizon_days = 5\n");
    write_sweep(&dir.join("a"), &[0, 1, 2, 3, 4, 5, 6, 7], &loaded, &id);
    write_sweep(&dir.join("b"), &[7, 5, 3, 1, 6, 4, 2, 0], &loaded, &id);
    merge(&dir.join("a"), &[dir.join("a")]).unwrap();
    merge(&dir.join("b"), &[dir.join("b")]).unwrap();
    for f in [
        "summary.csv",
        "manifest.json",
        "summary.parquet",
        "daily_quantiles.csv",
        "daily_quantiles.parquet",
        "chain_daily_quantiles.parquet",
        "index.html",
    ] {
        assert_eq!(
            fs::read(dir.join("a").join(f)).unwrap(),
            fs::read(dir.join("b").join(f)).unwrap(),
            "{f} depends on the order runs were written"
        );
    }
    let q = read_parquet_table(&dir.join("a/daily_quantiles.parquet"), "daily_quantiles").unwrap();
    let col = |n: &str| q.columns.iter().find(|c| c.name == n).unwrap().data.clone();
    // Point 0 has 5 days, point 1 has 6.
    assert_eq!(
        col("point_index"),
        ColumnData::U64(vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    );
    assert_eq!(col("runs"), ColumnData::U64(vec![4; 11]));
    // Values of a day across the 4 runs of a point: k·10^24 + d + 1 for k = 1..4.
    // Nearest rank: p5 → 1st, p50 → 2nd, p95 → 4th.
    let e = |k: u128, d: u128| k * 10_u128.pow(24) + d + 1;
    let days: Vec<u128> = (0..5).chain(0..6).collect();
    assert_eq!(
        col("x_p5_wei"),
        ColumnData::U128(days.iter().map(|&d| e(1, d)).collect())
    );
    assert_eq!(
        col("x_p50_wei"),
        ColumnData::U128(days.iter().map(|&d| e(2, d)).collect())
    );
    assert_eq!(
        col("x_p95_wei"),
        ColumnData::U128(days.iter().map(|&d| e(4, d)).collect())
    );
    assert_eq!(
        col("n_p50"),
        ColumnData::U64(vec![1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5])
    );
    let summary = read_parquet_table(&dir.join("a/summary.parquet"), "summary").unwrap();
    assert_eq!(
        summary
            .columns
            .iter()
            .find(|c| c.name == "final_wei")
            .unwrap()
            .data,
        ColumnData::U128((0..8).map(|r| r * 7).collect())
    );
    let fan = fs::read_to_string(dir.join("a/charts/fan_x_wei.svg")).unwrap();
    assert_svg(&fan);
    assert_png(&fs::read(dir.join("a/charts/fan_x_wei.png")).unwrap());
    // Other per-day tables get their own quantiles: reorgs on day d are 10·d + (run % 4).
    let cq = read_parquet_table(
        &dir.join("a/chain_daily_quantiles.parquet"),
        "chain_daily_quantiles",
    )
    .unwrap();
    let reorgs_p95 = cq.columns.iter().find(|c| c.name == "reorgs_p95").unwrap();
    assert_eq!(
        reorgs_p95.data,
        ColumnData::U64((0..5).chain(0..6).map(|d| 10 * d + 3).collect())
    );
    assert_svg(&fs::read_to_string(dir.join("a/charts/fan_chain_daily_reorgs.svg")).unwrap());
    let html = fs::read_to_string(dir.join("a/index.html")).unwrap();
    assert!(html.contains("x across Monte Carlo runs"));
    assert!(html.contains("horizon_days=5"));
    assert!(html.contains("chain_daily: reorgs across Monte Carlo runs"));
    // `dcfs-sim report` on the sweep directory re-renders the same page and quantiles; a stale
    // file of an earlier report is removed.
    fs::write(dir.join("a/old_quantiles.csv"), "stale").unwrap();
    let Some(reports::output::Manifest::Sweep(recorded)) = read_manifest(&dir.join("a")).unwrap()
    else {
        panic!("not a sweep manifest");
    };
    let again = reports::merge::rerender_sweep(&dir.join("a"), &recorded).unwrap();
    assert_eq!(&again.manifest, recorded.as_ref());
    assert_eq!(fs::read_to_string(dir.join("a/index.html")).unwrap(), html);
    assert!(!dir.join("a/old_quantiles.csv").exists());
    assert_eq!(
        fs::read(dir.join("a/daily_quantiles.csv")).unwrap(),
        fs::read(dir.join("b/daily_quantiles.csv")).unwrap()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_streamed_run_writes_the_same_files_as_one_held_in_memory() {
    // The coupled baseline, one simulated day, with every 7th block sampled too.
    let dir = tmp("streamed");
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/examples/baseline.toml"),
    )
    .unwrap();
    let (_, id) = scenario(&dir, &text);
    let doc = scenarios::read_document(&dir.join("s.toml")).unwrap();
    let loaded = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(1)),
            ("outputs.blocks_every".to_owned(), toml::Value::Integer(7)),
        ])
        .unwrap();
    let spec = RunSpec {
        index: 0,
        point: 0,
        seed: loaded.spec.seed(),
        overrides: Vec::new(),
    };
    let ctx = RunContext {
        scenario_file: "s.toml",
        sweep_id: &id,
        sweep_runs: 2, // no charts: this test is about the tables
        spec: &spec,
        loaded: &loaded,
    };
    let memory = scenarios::run(&loaded.spec).unwrap();
    let a = dir.join("memory");
    let ma = write_run(begin_run(&a).unwrap(), ctx, &memory, BTreeMap::new()).unwrap();

    let b = dir.join("streamed");
    let staged = begin_run(&b).unwrap();
    let mut files = reports::stream::RunFiles::create(staged.path()).unwrap();
    let streamed = scenarios::run_streaming(&loaded.spec, &mut files).unwrap();
    let hashes = files.finish().unwrap();
    assert!(streamed.entries.iter().filter(|e| e.streamed).count() >= 3);
    assert!(streamed.tables.len() < memory.tables.len());
    let mb = write_run(staged, ctx, &streamed, hashes).unwrap();

    // Parquet row groups follow the batches, so only the Parquet hashes (and the seal) differ.
    let records = |m: &RunManifest| {
        let mut m = m.clone();
        m.files.retain(|f, _| !f.ends_with(".parquet"));
        m.seal.clear();
        m
    };
    assert_eq!(
        records(&ma),
        records(&mb),
        "manifests (CSV files, digests, summary) differ"
    );
    assert_eq!(ma.tables.len(), memory.tables.len());
    for t in &memory.tables {
        let csv = format!("{}.csv", t.name);
        assert_eq!(
            fs::read(a.join(&csv)).unwrap(),
            fs::read(b.join(&csv)).unwrap(),
            "{csv}"
        );
        let pq = b.join(format!("{}.parquet", t.name));
        assert_eq!(&read_parquet_table(&pq, &t.name).unwrap(), t, "{}", t.name);
    }
    let hidden = fs::read_dir(&b)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(hidden, 0, "temporary files left behind");
    fs::remove_dir_all(&dir).unwrap();
}
