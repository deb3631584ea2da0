//! Every bundled example validates and runs (horizons shortened), and fixed seeds give pinned
//! digests (golden values: a change here means outputs changed — update only on purpose).

use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_validates_and_runs_shortened() {
    let files = examples();
    assert!(!files.is_empty());
    for file in files {
        let doc = scenarios::read_document(&file).unwrap_or_else(|e| panic!("{e}"));
        let base = scenarios::load_document(&doc).unwrap_or_else(|e| panic!("{e}"));
        let plan = scenarios::SweepPlan::new(&doc, &base).unwrap_or_else(|e| panic!("{e}"));
        plan.validate_all(&doc).unwrap_or_else(|e| panic!("{e}"));
        // Shortened horizons: chain modes simulate every block, so they get two days.
        let days = if base.scenario.consensus.is_some() {
            2
        } else {
            30
        };
        let short = toml::Value::Integer(base.scenario.horizon_days.min(days) as i64);
        let loaded = scenarios::load_point(&doc, &[("run.horizon_days".to_owned(), short)])
            .unwrap_or_else(|e| panic!("{e}"));
        let out =
            scenarios::run(&loaded.scenario).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(out.summary.rows() == 1, "{}", file.display());
    }
}

#[test]
fn golden_digest_of_the_emission_schedule() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/emissions-40y.toml");
    let loaded = scenarios::load(&file).unwrap();
    let out = scenarios::run(&loaded.scenario).unwrap();
    assert_eq!(out.digest.to_string(), GOLDEN_EMISSIONS_40Y);
}

const GOLDEN_EMISSIONS_40Y: &str =
    "a067df9f4f861b030a19782f5a8d090a8bba8bda15d50abab37869a831e9b9e0";

#[test]
fn golden_digest_of_the_economy() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supernode-bootstrap.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = scenarios::load_point(
        &doc,
        &[("run.horizon_days".to_owned(), toml::Value::Integer(120))],
    )
    .unwrap();
    let out = scenarios::run(&loaded.scenario).unwrap();
    assert_eq!(out.digest.to_string(), GOLDEN_SUPERNODE_BOOTSTRAP_120D);
    // A different seed draws a different population and different outcomes.
    let other = scenarios::load_point(
        &doc,
        &[
            ("run.horizon_days".to_owned(), toml::Value::Integer(120)),
            ("run.seed".to_owned(), toml::Value::Integer(8)),
        ],
    )
    .unwrap();
    assert_ne!(scenarios::run(&other.scenario).unwrap().digest, out.digest);
}

const GOLDEN_SUPERNODE_BOOTSTRAP_120D: &str =
    "598b0dc1a73ace19d76eed749e866c83d51cefa8556c168117f793c53527a6a4";
