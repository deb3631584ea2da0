//! Every bundled example validates and runs (horizons shortened), fixed seeds give pinned
//! digests (golden values: a change here means outputs changed — update only on purpose), and
//! streaming the long tables to a sink changes neither the rows nor the digest.
//!
//! The goldens use digest layout 2 (each table digested row by row, see
//! `scenarios::TableDigest`), introduced with streaming outputs; the tables' contents were
//! checked identical to the layout-1 runs when the values were replaced.

use scenarios::tables::dictionary;
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

/// Full nodes an example keeps when the tests run it shortened.
const MAX_TEST_FULL_NODES: u32 = 60;

/// When a timeline event starts, in seconds since genesis.
fn event_start_s(e: &scenarios::format::RawEvent) -> u64 {
    use scenarios::format::RawEvent as E;
    match e {
        E::NodeOutage { day, .. }
        | E::NodeJoin { day, .. }
        | E::NodeExit { day, .. }
        | E::NodeAttack { day, .. }
        | E::Adoption { day, .. }
        | E::CampaignVote { day, .. }
        | E::VoteFee { day, .. } => day * 86_400,
        E::ValidatorOffline { at_s, .. }
        | E::ValidatorSlow { at_s, .. }
        | E::FullNodeOffline { at_s, .. }
        | E::Partition { at_s, .. }
        | E::Stake { at_s, .. }
        | E::Unstake { at_s, .. }
        | E::WithdrawStake { at_s, .. }
        | E::WithdrawIncome { at_s, .. }
        | E::Proposal { at_s, .. }
        | E::ValidatorVote { at_s, .. }
        | E::FeeModel { at_s, .. } => *at_s,
    }
}

#[test]
fn every_example_validates_and_runs_shortened() {
    let files = examples();
    assert!(!files.is_empty());
    for file in files {
        let doc = scenarios::read_document(&file).unwrap_or_else(|e| panic!("{e}"));
        let base = doc.load().unwrap_or_else(|e| panic!("{e}"));
        let plan = scenarios::SweepPlan::new(&base);
        plan.validate_all(&doc).unwrap_or_else(|e| panic!("{e}"));
        // Shortened horizons: chain modes simulate every block, so they get two days.
        let days = if matches!(
            base.spec.engines(),
            scenarios::Engines::Consensus(_) | scenarios::Engines::Coupled { .. }
        ) {
            2
        } else {
            30
        };
        let short = toml::Value::Integer(base.spec.horizon_days().min(days) as i64);
        // Timeline events after the shortened horizon would be refused: they go too.
        let events: Vec<toml::Value> = base
            .resolved
            .events
            .iter()
            .filter(|e| event_start_s(e) < short.as_integer().unwrap_or(0) as u64 * 86_400)
            .map(|e| toml::Value::try_from(e).unwrap())
            .collect();
        let mut overrides = vec![
            ("run.horizon_days".to_owned(), short),
            ("events".to_owned(), toml::Value::Array(events)),
        ];
        // Thousands of full nodes in a debug build take minutes a day: a smaller overlay.
        if base.resolved.consensus.full_nodes > MAX_TEST_FULL_NODES {
            overrides.push((
                "consensus.full_nodes".to_owned(),
                toml::Value::Integer(MAX_TEST_FULL_NODES.into()),
            ));
        }
        let loaded = doc.load_point(&overrides).unwrap_or_else(|e| panic!("{e}"));
        let out =
            scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(out.summary.rows() == 1, "{}", file.display());
        // Every table it writes is defined, column by column, in the data dictionary.
        for t in out.tables.iter().chain([&out.summary]) {
            assert!(
                dictionary::definition_of(t).is_some(),
                "{}: table {} ({:?}) is not in the data dictionary",
                file.display(),
                t.name,
                t.columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn docs_columns_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/columns.md");
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == dictionary::markdown(),
        "docs/columns.md is out of date: run `dcfs-sim columns --markdown > docs/columns.md`"
    );
}

/// Every contract event has its kind and typed fields, whatever its amount (a u128 amount
/// used to leave `kind` empty).
#[test]
fn events_are_typed_rows_with_a_kind() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/staking-churn.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[("run.horizon_days".to_owned(), toml::Value::Integer(1))])
        .unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let events = out.tables.iter().find(|t| t.name == "events").unwrap();
    let col = |n: &str| &events.columns.iter().find(|c| c.name == n).unwrap().data;
    let (scenarios::ColumnData::Str(kinds), scenarios::ColumnData::OptU128(amounts)) =
        (col("kind"), col("amount_wei"))
    else {
        panic!("kind is text and amount_wei optional u128");
    };
    assert!(kinds.iter().all(|k| !k.is_empty()));
    let big_stakes = kinds
        .iter()
        .zip(amounts)
        .filter(|(k, a)| *k == "Staked" && a.is_some_and(|a| a > u128::from(u64::MAX)))
        .count();
    assert!(big_stakes > 100, "{big_stakes} stakes above u64::MAX wei");
    assert!(events.columns.iter().all(|c| !matches!(&c.data, scenarios::ColumnData::Str(v) if v.iter().any(|x| x.starts_with('{')))), "no JSON in any cell");
}

#[test]
fn golden_digest_of_the_emission_schedule() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/emissions-40y.toml");
    let loaded = scenarios::load(&file).unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    assert_eq!(out.digest.to_string(), GOLDEN_EMISSIONS_40Y);
}

const GOLDEN_EMISSIONS_40Y: &str =
    "00c0b54024d9fea4991115cf5f7d5122051d31ef17dd47b858ee1b8e19f177d3";

#[test]
fn golden_digest_of_the_economy() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supernode-bootstrap.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[("run.horizon_days".to_owned(), toml::Value::Integer(120))])
        .unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    assert_eq!(out.digest.to_string(), GOLDEN_SUPERNODE_BOOTSTRAP_120D);
    // A different seed draws a different population and different outcomes.
    let other = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(120)),
            ("run.seed".to_owned(), toml::Value::Integer(8)),
        ])
        .unwrap();
    assert_ne!(scenarios::run(&other.spec).unwrap().digest, out.digest);
}

const GOLDEN_SUPERNODE_BOOTSTRAP_120D: &str =
    "53ecc32116b6e45bd4cce4e1f92753a11964d74de3dce8ce66cd53d314d3c2fc";

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
    let loaded = doc.load_point(&overrides).unwrap_or_else(|e| panic!("{e}"));
    scenarios::run(&loaded.spec)
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
    "3ca763fa27fb72b068f89b25d08de6faea6b87433ae349828a6eb25d741d4a0d";
const GOLDEN_BASELINE_1D: &str = "a977caa3ead88245386713f2c787b8936ad8095d32414f1880e6c1af51760eca";

/// Collects every batch a run streams.
#[derive(Default)]
struct Collect(Vec<scenarios::Table>);

impl scenarios::TableSink for Collect {
    fn write_batch(&mut self, batch: scenarios::Table) -> Result<(), scenarios::SinkError> {
        self.0.push(batch);
        Ok(())
    }
}

#[test]
fn streaming_gives_the_same_rows_and_digest_as_memory() {
    for (example, days) in [
        ("staking-churn.toml", 2),
        ("baseline.toml", 2),
        ("partition-healing.toml", 1),
        ("supernode-bootstrap.toml", 90),
        ("emissions-40y.toml", 3000),
    ] {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example);
        let doc = scenarios::read_document(&file).unwrap();
        let loaded = doc
            .load_point(&[("run.horizon_days".to_owned(), toml::Value::Integer(days))])
            .unwrap_or_else(|e| panic!("{e}"));
        let memory = scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}"));
        let mut sink = Collect::default();
        let streamed =
            scenarios::run_streaming(&loaded.spec, &mut sink).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(memory.digest, streamed.digest, "{example}");
        assert_eq!(memory.summary, streamed.summary, "{example}");
        assert!(memory.entries.iter().all(|e| !e.streamed));
        assert_eq!(memory.tables.len(), memory.entries.len());
        // Every table is either returned or streamed, in the same order with the same digests.
        for (m, s) in memory.entries.iter().zip(&streamed.entries) {
            assert_eq!((&m.name, m.rows, m.digest), (&s.name, s.rows, s.digest));
            let whole = memory.tables.iter().find(|t| t.name == m.name).unwrap();
            if s.streamed {
                let mut joined = whole.empty_like();
                for batch in sink.0.iter().filter(|b| b.name == m.name) {
                    assert!(batch.rows() <= scenarios::limits::BATCH_ROWS);
                    assert!(joined.append(batch.clone()), "{example} {}", m.name);
                }
                assert_eq!(&joined, whole, "{example} {}", m.name);
            } else {
                assert!(streamed.tables.contains(whole), "{example} {}", m.name);
            }
        }
        assert!(streamed.entries.iter().any(|e| e.streamed), "{example}");
    }
}

#[test]
fn the_block_table_marks_exactly_the_canonical_chain() {
    // partition-healing samples every block (`blocks_every = 1`).
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("partition-healing.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[("run.horizon_days".to_owned(), toml::Value::Integer(1))])
        .unwrap_or_else(|e| panic!("{e}"));
    let out = scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}"));
    let column = |t: &scenarios::Table, name: &str| {
        t.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.data.clone())
            .unwrap_or_else(|| panic!("{}.{name} missing", t.name))
    };
    let blocks = out.tables.iter().find(|t| t.name == "blocks").unwrap();
    let (scenarios::ColumnData::Bool(canonical), scenarios::ColumnData::U64(height)) =
        (column(blocks, "canonical"), column(blocks, "height"))
    else {
        panic!("column types");
    };
    let scenarios::ColumnData::U64(top) = column(&out.summary, "canonical_height") else {
        panic!("summary type");
    };
    // One canonical block per height 1..=canonical height, and forks that are not.
    let mut canonical_heights: Vec<u64> = height
        .iter()
        .zip(&canonical)
        .filter(|(_, c)| **c)
        .map(|(h, _)| *h)
        .collect();
    canonical_heights.sort_unstable();
    assert_eq!(canonical_heights, (1..=top[0]).collect::<Vec<_>>());
    assert!(
        canonical.iter().any(|c| !c),
        "the partition should leave losing blocks"
    );
}

#[test]
fn eip3436_fork_choice_keeps_alive_the_chain_the_coin_halts() {
    // fork-choice-deadlock.toml, seed 8: 4 of 5 validators online (≥ L = 3), yet under the
    // HECO coin the chain halts on an equal-difficulty fork; EIP-3436 keeps it growing.
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("fork-choice-deadlock.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let run = |tie_break: &str| {
        let loaded = doc
            .load_point(&[
                ("run.seed".to_owned(), toml::Value::Integer(8)),
                (
                    "consensus.tie_break".to_owned(),
                    toml::Value::String(tie_break.to_owned()),
                ),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        let out = scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}"));
        let get = |name: &str| match out.summary.columns.iter().find(|c| c.name == name) {
            Some(scenarios::Column {
                data: scenarios::ColumnData::U64(v),
                ..
            }) => v[0],
            _ => panic!("summary.{name}"),
        };
        (get("canonical_height"), get("halted_days"))
    };
    let (coin_height, coin_halted) = run("coin");
    let (eip_height, eip_halted) = run("eip3436");
    assert_eq!(coin_halted, 1, "coin: height {coin_height}");
    assert!(coin_height < 10_000);
    assert_eq!(eip_halted, 0);
    assert_eq!(eip_height, 14_409);
}

/// The per-validator figures add up to the chain's.
#[test]
fn validator_stats_add_up_to_the_chain() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/partition-healing.toml");
    let loaded = scenarios::load(&file).unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let table = |name: &str| {
        out.tables
            .iter()
            .chain([&out.summary])
            .find(|t| t.name == name)
            .unwrap()
    };
    let sum = |t: &scenarios::Table, col: &str| match &t
        .columns
        .iter()
        .find(|c| c.name == col)
        .unwrap()
        .data
    {
        scenarios::ColumnData::U64(v) => v.iter().sum::<u64>(),
        other => panic!("{col}: {other:?}"),
    };
    let stats = table("validator_stats");
    assert_eq!(stats.rows(), 21);
    let summary = table("summary");
    assert_eq!(
        sum(stats, "canonical_blocks"),
        sum(summary, "canonical_height")
    );
    // The chain runs 60 s past the horizon (the first block after the last boundary settles the
    // last day): per-validator figures and chain totals include those blocks, the daily
    // figures (and the summary's in_turn, summed from them) end at the horizon.
    // Per validator per day, the days add up to the chain's days.
    let per_day = table("validator_daily");
    assert_eq!(per_day.rows(), 21 * table("chain_daily").rows());
    for col in [
        "canonical_blocks",
        "in_turn",
        "out_of_turn",
        "missed_turns",
        "sealed_blocks",
    ] {
        assert_eq!(sum(per_day, col), sum(table("chain_daily"), col), "{col}");
    }
    // Every node here is a validator: their reorganisations are the chain's.
    assert_eq!(sum(per_day, "reorgs"), sum(table("chain_daily"), "reorgs"));
    assert!(
        sum(per_day, "reorgs") > 0,
        "the partition heals with reorganisations"
    );
    assert_eq!(sum(stats, "reorgs_seen"), sum(summary, "reorgs"));
    let daily_in_turn = sum(table("chain_daily"), "in_turn");
    assert_eq!(daily_in_turn, sum(summary, "in_turn"));
    assert!(sum(stats, "canonical_in_turn") >= daily_in_turn);
    assert_eq!(sum(stats, "sealed_blocks"), sum(summary, "blocks_sealed"));
}

/// The voters' figures add up to the economy's daily ones.
#[test]
fn voters_add_up_to_the_campaign() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supernode-bootstrap.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(200)),
            (
                "outputs.inequality_every_days".to_owned(),
                toml::Value::Integer(1),
            ),
        ])
        .unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let table = |name: &str| out.tables.iter().find(|t| t.name == name).unwrap();
    let wei = |t: &scenarios::Table, col: &str| match &t
        .columns
        .iter()
        .find(|c| c.name == col)
        .unwrap()
        .data
    {
        scenarios::ColumnData::U128(v) => v.clone(),
        other => panic!("{col}: {other:?}"),
    };
    let (voters, daily) = (table("voters"), table("daily"));
    let total = |v: Vec<u128>| v.iter().sum::<u128>();
    assert!(
        total(wei(voters, "voted_wei")) > 0,
        "nobody voted in 200 days"
    );
    assert_eq!(
        total(wei(voters, "voted_wei")),
        total(wei(daily, "votes_cast_wei"))
    );
    assert_eq!(
        total(wei(voters, "rewards_wei")),
        total(wei(daily, "election_voters_paid_wei"))
    );
    assert_eq!(
        total(wei(voters, "fees_paid_wei")),
        total(wei(daily, "vote_fees_wei"))
    );
    let locked_at_end = *wei(daily, "locked_votes_wei").last().unwrap();
    assert_eq!(total(wei(voters, "locked_wei")), locked_at_end);
    // The inequality windows (one day each by default) hold exactly what nodes were paid.
    let ineq = table("reward_inequality");
    assert_eq!(ineq.rows(), 200);
    let paid: Vec<u128> = [
        "basic_paid_wei",
        "stability_paid_wei",
        "extra_paid_wei",
        "election_super_nodes_paid_wei",
    ]
    .iter()
    .map(|c| wei(daily, c))
    .fold(vec![0; 200], |acc, v| {
        acc.iter().zip(v).map(|(a, b)| a + b).collect()
    });
    assert_eq!(wei(ineq, "rewards_wei"), paid);
    let scenarios::ColumnData::F64(gini) =
        &ineq.columns.iter().find(|c| c.name == "gini").unwrap().data
    else {
        panic!("gini is a float");
    };
    assert!(gini.iter().all(|g| (0.0..1.0).contains(&g.0)));
    assert!(
        gini.iter().any(|g| g.0 > 0.1),
        "log-uniform powers are unequal"
    );
}

/// Stake inequality: one row a day, at the day's last epoch block, over the staked validators.
#[test]
fn stake_inequality_is_sampled_at_each_days_last_epoch() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/staking-churn.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(2)),
            (
                "outputs.inequality_every_days".to_owned(),
                toml::Value::Integer(1),
            ),
        ])
        .unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let t = out
        .tables
        .iter()
        .find(|t| t.name == "stake_inequality")
        .unwrap();
    assert_eq!(t.rows(), 2);
    let col = |n: &str| &t.columns.iter().find(|c| c.name == n).unwrap().data;
    let scenarios::ColumnData::U64(heights) = col("height") else {
        panic!("height");
    };
    // 14,400 blocks a day at 6 s, an epoch every 200: the last epoch blocks of days 0 and 1.
    assert!(
        heights.iter().all(|h| h % 200 == 0) && heights[0] < heights[1],
        "{heights:?}"
    );
    let scenarios::ColumnData::F64(gini) = col("gini") else {
        panic!("gini");
    };
    assert!(gini.iter().all(|g| (0.0..1.0).contains(&g.0)));
}

/// `node_daily` samples every node every K days; a node's window rewards add up to its total.
#[test]
fn node_daily_windows_add_up_to_the_node_totals() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supernode-bootstrap.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let loaded = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(120)),
            (
                "outputs.node_daily_every_days".to_owned(),
                toml::Value::Integer(30),
            ),
        ])
        .unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let table = |name: &str| out.tables.iter().find(|t| t.name == name).unwrap();
    let col = |t: &scenarios::Table, n: &str| {
        t.columns.iter().find(|c| c.name == n).unwrap().data.clone()
    };
    let (nd, nodes) = (table("node_daily"), table("nodes"));
    assert!(dictionary::definition_of(nd).is_some());
    assert_eq!(nd.rows(), 4 * nodes.rows());
    let (scenarios::ColumnData::U64(node), scenarios::ColumnData::U128(window)) =
        (col(nd, "node"), col(nd, "rewards_wei"))
    else {
        panic!("types");
    };
    let mut per_node = vec![0_u128; nodes.rows()];
    for (n, w) in node.iter().zip(&window) {
        per_node[*n as usize] += w;
    }
    let parts =
        ["basic_wei", "stability_wei", "extra_wei", "election_wei"].map(|c| match col(nodes, c) {
            scenarios::ColumnData::U128(v) => v,
            other => panic!("{other:?}"),
        });
    let totals: Vec<u128> = (0..nodes.rows())
        .map(|i| parts.iter().map(|p| p[i]).sum())
        .collect();
    assert_eq!(per_node, totals);
    assert!(totals.iter().any(|&t| t > 0));
}

/// Validators offline for good are offline all day, every day, in `validator_daily`.
#[test]
fn validator_daily_counts_offline_time() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/liveness-threshold.toml");
    let doc = scenarios::read_document(&file).unwrap();
    // The sweep's first point: validators 1–10 offline from the start.
    let plan = scenarios::SweepPlan::new(&doc.load().unwrap());
    let mut overrides = plan.spec(0).overrides;
    overrides.push(("run.horizon_days".to_owned(), toml::Value::Integer(2)));
    let loaded = doc.load_point(&overrides).unwrap();
    let out = scenarios::run(&loaded.spec).unwrap();
    let t = out
        .tables
        .iter()
        .find(|t| t.name == "validator_daily")
        .unwrap();
    let col = |n: &str| match &t.columns.iter().find(|c| c.name == n).unwrap().data {
        scenarios::ColumnData::U64(v) => v.clone(),
        other => panic!("{n}: {other:?}"),
    };
    let (validator, offline) = (col("validator"), col("offline_ms"));
    assert_eq!(validator.len(), 2 * 21);
    for (v, ms) in validator.iter().zip(&offline) {
        let expected = if *v <= 10 { 86_400_000 } else { 0 };
        assert_eq!(*ms, expected, "validator {v}");
    }
}

/// whale-exit.toml, shortened to two days (its stake and unstake; the withdrawal is later):
/// validator 22 is in the active set only between the whale's stake and its exit.
#[test]
fn the_whale_moves_the_active_set_and_back() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/whale-exit.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let events: Vec<toml::Value> = doc
        .load()
        .unwrap()
        .resolved
        .events
        .iter()
        .filter(|e| event_start_s(e) < 2 * 86_400)
        .map(|e| toml::Value::try_from(e).unwrap())
        .collect();
    let loaded = doc
        .load_point(&[
            ("run.horizon_days".to_owned(), toml::Value::Integer(2)),
            ("events".to_owned(), toml::Value::Array(events)),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    let out = scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}"));
    let t = out.tables.iter().find(|t| t.name == "validators").unwrap();
    let col = |n: &str| &t.columns.iter().find(|c| c.name == n).unwrap().data;
    // The active set after the epoch block at `height`.
    let active_after = |height: u64| -> Vec<u64> {
        (0..t.rows())
            .filter(|&r| {
                col("height").cell(r) == height.to_string() && col("active_next").cell(r) == "true"
            })
            .map(|r| col("validator").cell(r).parse().unwrap())
            .collect()
    };
    let genesis: Vec<u64> = (1..=21).collect();
    // Blocks every 6 s: the stake lands at height 15,000 (90,000 s), the exit at 24,999.
    assert_eq!(active_after(14_800), genesis);
    let with_whale = active_after(15_200);
    assert!(with_whale.contains(&22), "{with_whale:?}");
    assert_eq!(with_whale.len(), 21);
    assert_eq!(active_after(24_800), with_whale);
    assert_eq!(active_after(25_000), genesis);
}

/// region-cut.toml (with fewer full nodes), against the same run without the cut: while
/// region 2 is cut off, the majority seals out of turn for region 2's missed turns, region 2's
/// validators seal blocks that are not kept, and healing reorganises deeper than the overlay's
/// own one-block races; the majority side keeps the chain growing (no halted day).
#[test]
fn the_region_cut_forks_and_heals() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/region-cut.toml");
    let doc = scenarios::read_document(&file).unwrap();
    let fewer = (
        "consensus.full_nodes".to_owned(),
        toml::Value::Integer(MAX_TEST_FULL_NODES.into()),
    );
    let run = |overrides: &[(String, toml::Value)]| {
        let loaded = doc.load_point(overrides).unwrap_or_else(|e| panic!("{e}"));
        scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}"))
    };
    let cut = run(std::slice::from_ref(&fewer));
    let calm = run(&[fewer, ("events".to_owned(), toml::Value::Array(Vec::new()))]);
    let cell = |out: &scenarios::RunOutput, t: &str, c: &str, r: usize| {
        let t = out.tables.iter().find(|x| x.name == t).unwrap();
        t.columns.iter().find(|x| x.name == c).unwrap().data.cell(r)
    };
    let num = |out: &scenarios::RunOutput, c: &str| {
        cell(out, "chain_daily", c, 0).parse::<u64>().unwrap()
    };
    assert_eq!(num(&calm, "out_of_turn"), 0);
    assert!(
        num(&cut, "out_of_turn") > 100,
        "{}",
        num(&cut, "out_of_turn")
    );
    assert!(num(&cut, "deepest_reorg") > num(&calm, "deepest_reorg"));
    assert_eq!(cell(&cut, "chain_daily", "halted", 0), "false");
    assert_eq!(
        num(&cut, "canonical_blocks"),
        num(&calm, "canonical_blocks")
    );
    // Region 2 (validators 15–21) sealed blocks during the cut that were not kept.
    let blocks = cut.tables.iter().find(|t| t.name == "blocks").unwrap();
    let during = 21_600_000..28_800_000u64;
    let orphaned_in_region_2 = (0..blocks.rows())
        .filter(|&r| {
            let t = cell(&cut, "blocks", "sealed_at_ms", r)
                .parse::<u64>()
                .unwrap();
            let p = cell(&cut, "blocks", "producer", r).parse::<u64>().unwrap();
            during.contains(&t) && p >= 15 && cell(&cut, "blocks", "canonical", r) == "false"
        })
        .count();
    assert!(orphaned_in_region_2 > 0);
}
