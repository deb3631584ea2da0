//! Every limit at its edge: the last allowed value validates (and runs or builds its engines
//! where that is cheap enough for a test), the next is refused by validation with the key that
//! names it — so `validate` and `run` agree on every limit.

use std::path::Path;

use scenarios::limits::{
    MAX_CHAIN_DAYS, MAX_ECONOMY_DAYS, MAX_FILE_BYTES, MAX_FULL_NODES, MAX_NODES, MAX_SCHEDULE_DAYS,
    MAX_SEEDS, MAX_STAKERS, MAX_VALIDATOR_NODES, MAX_VOTERS,
};
use scenarios::{Engines, Loaded, ScenarioError};

fn load(text: &str) -> Result<Loaded, ScenarioError> {
    scenarios::parse_document(Path::new("limit.toml"), text.to_owned())?.load()
}

/// `ok` validates; `bad` is refused at `key`.
fn edge(ok: &str, bad: &str, key: &str) -> Loaded {
    let loaded = load(ok).unwrap_or_else(|e| panic!("the last allowed value is refused: {e}"));
    match load(bad) {
        Ok(_) => panic!("the first value past the limit at {key} validates"),
        Err(e) => assert_eq!(e.key_path, key, "{e}"),
    }
    loaded
}

fn runs(loaded: &Loaded) {
    scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("a valid scenario failed: {e}"));
}

#[test]
fn schedule_horizon() {
    let s = |d: u64| format!("[run]\nhorizon_days = {d}\n[outputs]\ndaily = false\n");
    runs(&edge(
        &s(MAX_SCHEDULE_DAYS),
        &s(MAX_SCHEDULE_DAYS + 1),
        "run.horizon_days",
    ));
}

#[test]
fn economy_horizon_is_the_engine_limit() {
    let s = |d: u64| {
        format!("[run]\nmode = \"economy\"\nhorizon_days = {d}\n[outputs]\ndaily = false\n")
    };
    runs(&edge(
        &s(MAX_ECONOMY_DAYS),
        &s(MAX_ECONOMY_DAYS + 1),
        "run.horizon_days",
    ));
}

#[test]
fn chain_horizon() {
    let s = |d: u64| format!("[run]\nmode = \"consensus\"\nhorizon_days = {d}\n");
    edge(
        &s(MAX_CHAIN_DAYS),
        &s(MAX_CHAIN_DAYS + 1),
        "run.horizon_days",
    );
}

#[test]
fn validators_are_consensus_models_limit() {
    assert_eq!(MAX_VALIDATOR_NODES, 254);
    let s = |n: u32| {
        format!("[run]\nmode = \"consensus\"\nhorizon_days = 1\n[consensus]\nvalidators = {n}\n")
    };
    let loaded = edge(
        &s(MAX_VALIDATOR_NODES),
        &s(MAX_VALIDATOR_NODES + 1),
        "consensus.validators",
    );
    // The engine accepts the largest chain (building it checks every engine rule).
    let Engines::Consensus(chain) = loaded.spec.engines() else {
        panic!("consensus mode")
    };
    scenarios::run::ChainRun::start(
        &chain.consensus,
        &chain.contracts,
        None,
        1,
        1,
        scenarios::run::ChainOutputs::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn full_nodes() {
    let s = |n: u32| {
        format!("[run]\nmode = \"consensus\"\nhorizon_days = 1\n[consensus]\nfull_nodes = {n}\n")
    };
    edge(
        &s(MAX_FULL_NODES),
        &s(MAX_FULL_NODES + 1),
        "consensus.full_nodes",
    );
}

#[test]
fn stakers() {
    let s = |n: u64| {
        format!(
            "[run]\nmode = \"consensus\"\nhorizon_days = 1\n[[contracts.staker_groups]]\ncount = {n}\nendowment = \"1 DCC\"\n"
        )
    };
    edge(
        &s(MAX_STAKERS),
        &s(MAX_STAKERS + 1),
        "contracts.staker_groups",
    );
}

#[test]
fn nodes_and_voters_are_the_economy_limits() {
    let nodes = |n: u64| {
        format!(
            "[run]\nmode = \"economy\"\nhorizon_days = 1\n[outputs]\nnodes = false\n[[economy.node_groups]]\ncount = {n}\noperator_endowment = 0\n"
        )
    };
    runs(&edge(
        &nodes(MAX_NODES),
        &nodes(MAX_NODES + 1),
        "economy.node_groups",
    ));
    let voters = |n: u64| {
        format!(
            "[run]\nmode = \"economy\"\nhorizon_days = 1\n[[economy.voter_groups]]\ncount = {n}\nendowment_dcc = 0\n"
        )
    };
    edge(
        &voters(MAX_VOTERS),
        &voters(MAX_VOTERS + 1),
        "economy.voter_groups",
    );
}

#[test]
fn the_market_account_funds_every_endowment_or_validation_refuses() {
    // What is liquid at genesis under the SPEC allocations: 175,000,000 DCC.
    let s = |endowment: &str| {
        format!(
            "[run]\nmode = \"economy\"\nhorizon_days = 1\n[[economy.node_groups]]\ncount = 1\noperator_endowment = \"{endowment}\"\n"
        )
    };
    let all = "175000000000000000000000000 wei";
    let one_more = "175000000000000000000000001 wei";
    runs(&edge(&s(all), &s(one_more), "economy.node_groups"));
    // A million nodes with the default 1,000 DCC each need a billion DCC.
    let default =
        "[run]\nmode = \"economy\"\nhorizon_days = 1\n[[economy.node_groups]]\ncount = 1000000\n";
    let e = load(default).expect_err("refused");
    assert_eq!(e.key_path, "economy.node_groups", "{e}");
}

#[test]
fn seeds_per_point() {
    let s = |n: u64| format!("[sweep]\nseeds = {n}\n");
    edge(&s(MAX_SEEDS), &s(MAX_SEEDS + 1), "sweep.seeds");
}

#[test]
fn file_size_counts_the_bytes_read() {
    let dir = std::env::temp_dir().join(format!("dcfs-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, bytes: u64| {
        let path = dir.join(name);
        let mut text = "# padding\n".repeat(usize::try_from(bytes / 10).unwrap());
        text.push_str(&"#".repeat(usize::try_from(bytes % 10).unwrap()));
        std::fs::write(&path, text).unwrap();
        path
    };
    scenarios::read_document(&file("ok.toml", MAX_FILE_BYTES)).unwrap_or_else(|e| panic!("{e}"));
    let e = scenarios::read_document(&file("big.toml", MAX_FILE_BYTES + 1)).expect_err("too large");
    assert!(e.to_string().contains("too large"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Values that are fine alone but contradict each other are refused at their key.
#[test]
fn contradictions_are_refused_at_their_key() {
    let chain = "[run]\nmode = \"consensus\"\nhorizon_days = 1\n";
    let cases = [
        (
            format!("{chain}[contracts]\nfees = {{ kind = \"uniform\", min = 2, max = 1 }}\n"),
            "contracts.fees.min",
        ),
        (
            format!("{chain}[contracts.voting]\nagree_ppm = 1000001\n"),
            "contracts.voting.agree_ppm",
        ),
        (
            format!(
                "{chain}[[consensus.partitions]]\ngroups = [[1, 2], [2, 3]]\nstart_s = 0\nend_s = 10\n"
            ),
            "consensus.partitions[0].groups",
        ),
        (
            format!(
                "{chain}[consensus]\nfull_nodes = 10\ntopology = {{ kind = \"gossip\", degree = 0 }}\n"
            ),
            "consensus.topology.degree",
        ),
        (
            format!("{chain}[contracts]\ngenesis_stake = \"30000000 DCC\"\n"),
            "contracts",
        ),
        ("[supply]\ne0 = \"300000001 DCC\"\n".to_owned(), "supply.e0"),
        (
            "[sweep]\ngrid = { \"run.mode\" = [\"schedule\", \"economy\"] }\n".to_owned(),
            "sweep.grid.run.mode",
        ),
    ];
    for (text, key) in cases {
        match load(&text) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => assert_eq!(e.key_path, key, "{e}\n{text}"),
        }
    }
}
