//! Fuzzing the scenario loader: it never panics, on arbitrary bytes or on arbitrary TOML
//! documents built from the real key names, and every file of the kept corpus
//! (`tests/fuzz-corpus/`, past crashers and edge cases) loads or fails cleanly.
//! Shrunk proptest failures are kept by proptest under `tests/proptest-regressions/` and
//! replayed first on every run; commit them.

use std::path::Path;

use proptest::prelude::*;

/// Loads `text` as `name` all the way (syntax, types, validation, sweep expansion): any result
/// is fine, a panic is not. Returns whether it was accepted.
fn load_all(name: &str, text: String) -> bool {
    let Ok(doc) = scenarios::load::parse_document(Path::new(name), text) else {
        return false;
    };
    let Ok(base) = doc.load() else {
        return false;
    };
    let plan = scenarios::SweepPlan::new(&base);
    plan.len() > 10_000 || plan.validate_all(&doc).is_ok()
}

const KEYS: &[&str] = &[
    "run",
    "name",
    "seed",
    "horizon_days",
    "mode",
    "supply",
    "mining_pool",
    "e0",
    "halving_period_days",
    "allocations",
    "airdrop",
    "foundation",
    "total",
    "schedule",
    "kind",
    "cliff_days",
    "duration_days",
    "bps_per_year",
    "start_day",
    "economy",
    "node_groups",
    "voter_groups",
    "count",
    "raw_power",
    "dist",
    "low",
    "high",
    "join_day",
    "campaign",
    "seats",
    "max_candidates",
    "penalties",
    "split_bps",
    "basic",
    "consensus",
    "validators",
    "genesis_validators",
    "latency",
    "min_ms",
    "max_ms",
    "offline",
    "validator",
    "start_s",
    "end_s",
    "partitions",
    "groups",
    "contracts",
    "fees",
    "amount",
    "staker_groups",
    "outputs",
    "daily",
    "blocks_every",
    "sweep",
    "seeds",
    "grid",
    "zip",
    "x",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(KEYS).prop_map(str::to_owned),
        "[a-z_]{1,12}"
    ]
}

fn leaf() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        (0i64..100_000).prop_map(toml::Value::Integer),
        any::<bool>().prop_map(toml::Value::Boolean),
        prop::sample::select(
            &[
                "16 DCC",
                "1.5 DCC",
                "0 wei",
                "-1",
                "schedule",
                "economy",
                "consensus",
                "coupled",
                "uniform",
                "log_uniform",
                "constant",
                "cliff_linear",
                "annual_rate",
                "liquid_at_genesis",
                "gossip",
                "",
            ][..]
        )
        .prop_map(|s| toml::Value::String(s.to_owned())),
        "\\PC{0,20}".prop_map(toml::Value::String),
        any::<f64>().prop_map(toml::Value::Float),
    ]
}

fn value() -> impl Strategy<Value = toml::Value> {
    leaf().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

fn document() -> impl Strategy<Value = toml::Table> {
    prop::collection::btree_map(key(), value(), 0..6).prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        load_all("fuzz.toml", text.clone());
        load_all("fuzz.json", text);
    }

    #[test]
    fn arbitrary_documents_never_panic(doc in document()) {
        let text = toml::to_string(&doc).unwrap_or_default();
        load_all("fuzz.toml", text);
        let json = serde_json::to_string(&doc).unwrap_or_default();
        load_all("fuzz.json", json);
    }
}

#[test]
fn corpus_loads_or_fails_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the corpus is kept in the repository");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).expect("read")).into_owned();
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x.toml")
            .to_owned();
        load_all(&name, text);
    }
}
