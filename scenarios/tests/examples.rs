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

/// Digest of an example shortened to `days` (and `seed`, if given).
fn digest_of(example: &str, days: i64, seed: Option<i64>) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    let doc = scenarios::read_document(&file).unwrap();
    let mut overrides = vec![("run.horizon_days".to_owned(), toml::Value::Integer(days))];
    if let Some(s) = seed {
        overrides.push(("run.seed".to_owned(), toml::Value::Integer(s)));
    }
    let loaded = scenarios::load_point(&doc, &overrides).unwrap_or_else(|e| panic!("{e}"));
    scenarios::run(&loaded.scenario)
        .unwrap_or_else(|e| panic!("{e}"))
        .digest
        .to_string()
}

#[test]
fn golden_digests_of_the_chain_modes() {
    // Consensus with contracts (staking churn) and the coupled baseline, one simulated day each.
    assert_eq!(
        digest_of("staking-churn.toml", 1, None),
        GOLDEN_STAKING_CHURN_1D
    );
    assert_eq!(digest_of("baseline.toml", 1, None), GOLDEN_BASELINE_1D);
    // A different seed changes the out-of-turn races and the stakers' draws.
    assert_ne!(
        digest_of("staking-churn.toml", 1, Some(2)),
        GOLDEN_STAKING_CHURN_1D
    );
}

const GOLDEN_STAKING_CHURN_1D: &str =
    "11abe613e42296602a8929bfd3fac8343d03489bbf77ce751a85e8d3bce7b545";
const GOLDEN_BASELINE_1D: &str = "4d9e48f32eb80842b02c16436eccfa6f0989898a2a17a68fd9234cf209f35bc8";
