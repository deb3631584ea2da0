//! The timeline (`[[events]]`): each event kind changes the run from its time on and not
//! before (a run with the event against one without, same seed), targets only what it names,
//! and bad entries are refused with their `events[i]` key.

use scenarios::{ColumnData, RunOutput};

const ECONOMY: &str = r#"
[run]
mode = "economy"
horizon_days = 12
seed = 4
[[economy.node_groups]]
count = 200
raw_power = { dist = "uniform", low = 1000000, high = 5000000 }
[[economy.node_groups]]
count = 50
[[economy.node_groups]]
count = 40
join_day = 100
[economy.campaign]
open_threshold_nodes = 10
"#;

fn run(text: &str) -> RunOutput {
    let doc =
        scenarios::parse_document(std::path::Path::new("events.toml"), text.to_owned()).unwrap();
    let loaded = doc.load().unwrap_or_else(|e| panic!("{e}"));
    scenarios::run(&loaded.spec).unwrap()
}

/// The first `day` at which table `name` of `a` and `b` differ, if any.
fn first_difference(a: &RunOutput, b: &RunOutput, name: &str) -> Option<u64> {
    let ta = a.tables.iter().find(|t| t.name == name).unwrap();
    let tb = b.tables.iter().find(|t| t.name == name).unwrap();
    let day = |t: &scenarios::Table, r: usize| {
        let c = t.columns.iter().find(|c| c.name == "day").unwrap();
        c.data.cell(r).parse::<u64>().unwrap()
    };
    (0..ta.rows().min(tb.rows()))
        .find(|&r| {
            ta.columns
                .iter()
                .zip(&tb.columns)
                .any(|(x, y)| x.data.cell(r) != y.data.cell(r))
        })
        .map(|r| day(ta, r))
}

/// Why `base` with the one event `event` is refused (it must parse, and must not load).
fn refusal(base: &str, event: &str) -> scenarios::ScenarioError {
    let doc = scenarios::parse_document(
        std::path::Path::new("events.toml"),
        format!("{base}\n[[events]]\n{event}\n"),
    )
    .unwrap_or_else(|e| panic!("{event}: parse {e}"));
    match doc.load() {
        Err(e) => e,
        Ok(_) => panic!("{event}: accepted"),
    }
}

#[test]
fn each_node_event_changes_the_run_from_its_day_on() {
    let calm = run(ECONOMY);
    for event in [
        "action = \"node_outage\"\nday = 5\nduration_hours = 72\ngroup = 0\nfraction_bps = 3000",
        "action = \"node_outage\"\nday = 5\nduration_hours = 3\ngroup = 0\nfraction_bps = 3000\nreported = true",
        "action = \"node_exit\"\nday = 5\ngroup = 1\nfraction_bps = 5000",
        "action = \"node_join\"\nday = 5\ngroup = 2\nfraction_bps = 10000",
        "action = \"node_attack\"\nday = 5\ngroup = 0\nfraction_bps = 100",
    ] {
        let shocked = run(&format!("{ECONOMY}\n[[events]]\n{event}\n"));
        assert_eq!(
            first_difference(&calm, &shocked, "daily"),
            Some(5),
            "{event}"
        );
    }
    // Adoption only weighs once rewards are paid: from the first term (day 7; before it SPEC
    // burns basic and stability whatever the adoption), so this one starts on day 8.
    let adoption = "action = \"adoption\"\nday = 8\nuntil_day = 10\nbps = 2000";
    let shocked = run(&format!("{ECONOMY}\n[[events]]\n{adoption}\n"));
    assert_eq!(first_difference(&calm, &shocked, "daily"), Some(8));
    let daily = |r: &RunOutput, day: usize, col: &str| {
        let t = r.tables.iter().find(|t| t.name == "daily").unwrap();
        t.columns
            .iter()
            .find(|c| c.name == col)
            .unwrap()
            .data
            .cell(day)
    };
    // It ends: day 11 burns no more unadopted stability than the calm run (back to 100%).
    assert_eq!(
        daily(&calm, 11, "burned_unadopted_wei"),
        daily(&shocked, 11, "burned_unadopted_wei")
    );
}

#[test]
fn adding_an_event_does_not_shift_another_events_draws() {
    let outage = "[[events]]\naction = \"node_outage\"\nday = 5\nduration_hours = 72\ngroup = 0\nfraction_bps = 3000\n";
    let exit_late = "[[events]]\naction = \"node_exit\"\nday = 9\ngroup = 1\nfraction_bps = 5000\n";
    let one = run(&format!("{ECONOMY}\n{outage}"));
    let two = run(&format!("{ECONOMY}\n{outage}{exit_late}"));
    // The same outage hits the same nodes: nothing differs before the second event's day.
    assert_eq!(first_difference(&one, &two, "daily"), Some(9));
}

#[test]
fn validator_offline_changes_the_chain_from_its_time_on() {
    let chain = "[run]\nmode = \"consensus\"\nhorizon_days = 3\n[consensus]\nvalidators = 7\ngenesis_validators = 7\n";
    let calm = run(chain);
    let shocked = run(&format!(
        "{chain}\n[[events]]\naction = \"validator_offline\"\nat_s = 90000\nduration_hours = 6\nvalidators = [2, 3]\n"
    ));
    assert_eq!(first_difference(&calm, &shocked, "chain_daily"), Some(1));
    let parted = run(&format!(
        "{chain}\n[[events]]\naction = \"partition\"\nat_s = 180000\nduration_hours = 2\ngroups = [[1, 2, 3]]\n"
    ));
    assert_eq!(first_difference(&calm, &parted, "chain_daily"), Some(2));
    // Validator 4 broadcasts 20 s late on day 1 from 06:00 to 12:00: it loses its turns then.
    let slowed = run(&format!(
        "{chain}\n[[events]]\naction = \"validator_slow\"\nat_s = 108000\nduration_hours = 6\nvalidators = [4]\nextra_ms = 20000\n"
    ));
    assert_eq!(first_difference(&calm, &slowed, "chain_daily"), Some(1));
    // Three validators drawn from the event's stream, offline 6 h on day 1: exactly three
    // have offline time that day, none before; another seed may draw others.
    let drawn = |seed: u64| {
        let out = run(&format!(
            "{}\n[[events]]\naction = \"validator_offline\"\nat_s = 90000\nduration_hours = 6\ncount = 3\n",
            chain.replace(
                "horizon_days = 3",
                &format!("horizon_days = 3\nseed = {seed}")
            )
        ));
        let t = out
            .tables
            .iter()
            .find(|t| t.name == "validator_daily")
            .unwrap();
        let col = |n: &str| &t.columns.iter().find(|c| c.name == n).unwrap().data;
        let off: Vec<(String, String)> = (0..t.rows())
            .filter(|&r| col("offline_ms").cell(r) != "0")
            .map(|r| (col("day").cell(r), col("validator").cell(r)))
            .collect();
        assert_eq!(off.len(), 3, "{off:?}");
        assert!(off.iter().all(|(d, _)| d == "1"), "{off:?}");
        off
    };
    assert_eq!(drawn(1), drawn(1));
    assert!(
        (2..6).any(|seed| drawn(seed) != drawn(1)),
        "the draw follows the seed"
    );
    // Full nodes of a gossip overlay offline for 6 h on day 1: on their return they catch up
    // (reorganising onto the chain), which first changes day 1.
    let overlay = chain.replace("horizon_days = 3", "horizon_days = 2").replace(
        "genesis_validators = 7\n",
        "genesis_validators = 7\nfull_nodes = 40\ntopology = { kind = \"gossip\", degree = 4 }\n",
    );
    let calm_overlay = run(&overlay);
    let dark = run(&format!(
        "{overlay}\n[[events]]\naction = \"full_node_offline\"\nat_s = 90000\nduration_hours = 6\nfull_nodes = [0, 19]\n"
    ));
    assert_eq!(
        first_difference(&calm_overlay, &dark, "chain_daily"),
        Some(1)
    );
    let stats = |out: &RunOutput, col: &str, day: usize| {
        let t = out.tables.iter().find(|t| t.name == "chain_daily").unwrap();
        t.columns
            .iter()
            .find(|c| c.name == col)
            .unwrap()
            .data
            .cell(day)
    };
    assert_eq!(stats(&calm, "out_of_turn", 1), "0");
    assert_ne!(stats(&slowed, "out_of_turn", 1), "0");
    assert_eq!(stats(&slowed, "out_of_turn", 2), "0", "the window closed");
    let stats = parted
        .tables
        .iter()
        .find(|t| t.name == "chain_daily")
        .unwrap();
    assert!(matches!(stats.columns[0].data, ColumnData::U64(_)));
}

#[test]
fn bad_events_name_their_key() {
    for (event, key) in [
        (
            "action = \"node_outage\"\nday = 5\nduration_hours = 0\ngroup = 0\nfraction_bps = 1",
            "events[0].duration_hours",
        ),
        (
            "action = \"node_outage\"\nday = 50\nduration_hours = 1\ngroup = 0\nfraction_bps = 1",
            "events[0].day",
        ),
        (
            "action = \"node_exit\"\nday = 1\ngroup = 7\nfraction_bps = 1",
            "events[0].group",
        ),
        (
            "action = \"node_exit\"\nday = 1\ngroup = 0\nfraction_bps = 10001",
            "events[0].fraction_bps",
        ),
        (
            "action = \"adoption\"\nday = 5\nuntil_day = 5\nbps = 1",
            "events[0].until_day",
        ),
        (
            "action = \"validator_offline\"\nat_s = 1\nvalidators = [1]",
            "events[0].action",
        ),
    ] {
        let e = refusal(ECONOMY, event);
        assert!(e.key_path.starts_with(key), "{event}: {} ({e})", e.key_path);
        assert!(e.to_string().starts_with("events.toml:"), "{e}");
    }
    let meteor = format!("{ECONOMY}\n[[events]]\naction = \"meteor\"\nday = 1\n");
    let e = scenarios::parse_document(std::path::Path::new("events.toml"), meteor).unwrap_err();
    assert_eq!(e.key_path, "events[0].action", "{e}");
    let overlapping = format!(
        "{ECONOMY}\n[[events]]\naction = \"node_outage\"\nday = 2\nduration_hours = 48\ngroup = 0\nfraction_bps = 10\n\
         [[events]]\naction = \"node_outage\"\nday = 3\nduration_hours = 1\ngroup = 0\nfraction_bps = 10\n"
    );
    let doc = scenarios::parse_document(std::path::Path::new("events.toml"), overlapping).unwrap();
    assert_eq!(doc.load().unwrap_err().key_path, "events[1].day");
}

/// A chain with contracts: 7 validator nodes, 5 active at genesis, one staker group that never
/// acts on its own (so every stake below is the timeline's), votes only from the timeline.
const CHAIN: &str = r#"
[run]
mode = "consensus"
horizon_days = 1
seed = 3
[consensus]
validators = 7
genesis_validators = 5
[contracts]
genesis_stake = "50 DCC"
fees = { kind = "constant", amount = "0.01 DCC" }
voting = { enabled = false }
[[contracts.staker_groups]]
count = 10
endowment = "1000 DCC"
stake_ppm = 0
unstake_ppm = 0
[outputs]
contracts = true
fee_events = true
"#;

/// The first contract event in which `a` and `b` differ, as (time_ms, kind in `b`).
fn first_event_difference(a: &RunOutput, b: &RunOutput) -> Option<(u64, String)> {
    let ta = a.tables.iter().find(|t| t.name == "events").unwrap();
    let tb = b.tables.iter().find(|t| t.name == "events").unwrap();
    let col = |t: &scenarios::Table, n: &str, r: usize| {
        t.columns.iter().find(|c| c.name == n).unwrap().data.cell(r)
    };
    (0..ta.rows().max(tb.rows()))
        .find(|&r| {
            r >= ta.rows()
                || r >= tb.rows()
                || ta
                    .columns
                    .iter()
                    .zip(&tb.columns)
                    .any(|(x, y)| x.data.cell(r) != y.data.cell(r))
        })
        .map(|r| {
            let r = r.min(tb.rows() - 1);
            (col(tb, "time_ms", r).parse().unwrap(), col(tb, "kind", r))
        })
}

/// The kinds of the events of `run`, in order.
fn kinds(run: &RunOutput) -> Vec<String> {
    let t = run.tables.iter().find(|t| t.name == "events").unwrap();
    let c = t.columns.iter().find(|c| c.name == "kind").unwrap();
    (0..t.rows()).map(|r| c.data.cell(r)).collect()
}

#[test]
fn each_contract_event_acts_at_its_time() {
    let calm = run(CHAIN);
    // Blocks come every 3 s: each action lands in the first block at or after its time.
    let at_ms = 20_000_000;
    for (event, kind) in [
        (
            "action = \"stake\"\nat_s = 20000\nfrom = { staker_group = 0, staker = 3 }\nvalidator = 2\namount = \"100 DCC\"",
            "Staked",
        ),
        (
            "action = \"stake\"\nat_s = 20000\nfrom = { staker_group = 0, fraction_bps = 5000 }\nvalidator = 3\namount = \"100 DCC\"",
            "Staked",
        ),
        (
            "action = \"unstake\"\nat_s = 20000\nfrom = { owner = 1 }\nvalidator = 1",
            "Unstaked",
        ),
        (
            "action = \"withdraw_stake\"\nat_s = 20000\nfrom = { owner = 1 }\nvalidator = 1",
            "TxRefused",
        ),
        (
            "action = \"withdraw_income\"\nat_s = 20000\nvalidators = [2]",
            "IncomeWithdrawn",
        ),
        (
            "action = \"proposal\"\nat_s = 20000\nvalidator = 6",
            "ProposalCreated",
        ),
        (
            "action = \"fee_model\"\nat_s = 20000\nfees = { kind = \"constant\", amount = \"0.02 DCC\" }",
            "FeesDistributed",
        ),
    ] {
        let shocked = run(&format!("{CHAIN}\n[[events]]\n{event}\n"));
        let (time_ms, first) = first_event_difference(&calm, &shocked).expect(event);
        assert!(
            (at_ms..at_ms + 6_000).contains(&time_ms),
            "{event}: first difference at {time_ms} ms"
        );
        assert_eq!(first, kind, "{event}");
    }
}

#[test]
fn a_timeline_proposal_passes_on_timeline_votes_only() {
    let proposal = "[[events]]\naction = \"proposal\"\nat_s = 20000\nvalidator = 6\n";
    let votes = "[[events]]\naction = \"validator_vote\"\nat_s = 20100\nvalidators = [1, 2, 3]\ncandidate = 6\n";
    let unvoted = kinds(&run(&format!("{CHAIN}\n{proposal}")));
    let voted = run(&format!("{CHAIN}\n{proposal}{votes}"));
    assert!(!unvoted.iter().any(|k| k == "ProposalPassed"));
    let voted_kinds = kinds(&voted);
    assert_eq!(voted_kinds.iter().filter(|k| *k == "Voted").count(), 3);
    assert!(voted_kinds.iter().any(|k| k == "ProposalPassed"));
    // A vote on a candidate nobody proposed sends nothing.
    let stray =
        "[[events]]\naction = \"validator_vote\"\nat_s = 20100\nvalidators = [1]\ncandidate = 7\n";
    assert_eq!(
        kinds(&run(&format!("{CHAIN}\n{stray}"))),
        kinds(&run(CHAIN))
    );
}

#[test]
fn a_share_of_stakers_is_drawn_from_the_events_own_stream() {
    let wave = |at: u64| {
        format!(
            "[[events]]\naction = \"stake\"\nat_s = {at}\nfrom = {{ staker_group = 0, fraction_bps = 3000 }}\nvalidator = 2\namount = \"100 DCC\"\n"
        )
    };
    let stakers = |run: &RunOutput| {
        let t = run.tables.iter().find(|t| t.name == "events").unwrap();
        let col = |n: &str| t.columns.iter().find(|c| c.name == n).unwrap();
        (0..t.rows())
            .filter(|&r| col("kind").data.cell(r) == "Staked")
            .map(|r| col("account").data.cell(r))
            .collect::<Vec<_>>()
    };
    let one = run(&format!("{CHAIN}\n{}", wave(20000)));
    assert_eq!(stakers(&one).len(), 3);
    // Another event before it takes nothing from its draws: the same three stakers.
    let two = run(&format!(
        "{CHAIN}\n[[events]]\naction = \"withdraw_income\"\nat_s = 10000\nvalidators = [1]\n{}",
        wave(20000)
    ));
    assert_eq!(stakers(&one), stakers(&two));
}

const VOTERS: &str = r#"
[[economy.voter_groups]]
count = 20
endowment_dcc = 100000
"#;

#[test]
fn campaign_events_change_the_economy_from_their_day_on() {
    let base = format!("{ECONOMY}\n{VOTERS}");
    let calm = run(&base);
    // Voting opens on day 0 (250 nodes pledge, over the threshold of 10) for a week; node 27
    // is among the strongest (a candidate: candidates are the most powerful nodes).
    let whale = "action = \"campaign_vote\"\nday = 3\nvoter = 0\nnode = 27\namount = \"10000 DCC\"";
    let fee = "action = \"vote_fee\"\nday = 3\namount = \"5 DCC\"";
    for event in [whale, fee] {
        let shocked = run(&format!("{base}\n[[events]]\n{event}\n"));
        assert_eq!(
            first_difference(&calm, &shocked, "daily"),
            Some(3),
            "{event}"
        );
    }
    // A vote for a node that is not a candidate (group 2 joins on day 100) is not cast.
    let stray =
        "action = \"campaign_vote\"\nday = 3\nvoter = 0\nnode = 289\namount = \"10000 DCC\"";
    let shocked = run(&format!("{base}\n[[events]]\n{stray}\n"));
    assert_eq!(first_difference(&calm, &shocked, "daily"), None);
}

#[test]
fn bad_contract_events_name_their_key() {
    for (event, key) in [
        (
            "action = \"stake\"\nat_s = 1\nfrom = { staker_group = 4 }\nvalidator = 2\namount = \"1 DCC\"",
            "events[0].from.staker_group",
        ),
        (
            "action = \"stake\"\nat_s = 1\nfrom = { staker_group = 0, staker = 10 }\nvalidator = 2\namount = \"1 DCC\"",
            "events[0].from.staker",
        ),
        (
            "action = \"stake\"\nat_s = 1\nfrom = {}\nvalidator = 2\namount = \"1 DCC\"",
            "events[0].from",
        ),
        (
            "action = \"stake\"\nat_s = 1\nfrom = { owner = 1 }\nvalidator = 9\namount = \"1 DCC\"",
            "events[0].validator",
        ),
        (
            "action = \"stake\"\nat_s = 1\nfrom = { owner = 1 }\nvalidator = 2\namount = \"0 DCC\"",
            "events[0].amount",
        ),
        (
            "action = \"withdraw_income\"\nat_s = 90000\nvalidators = [1]",
            "events[0].at_s",
        ),
        (
            "action = \"validator_vote\"\nat_s = 1\nvalidators = []\ncandidate = 6",
            "events[0].validators",
        ),
        (
            "action = \"fee_model\"\nat_s = 1\nfees = { kind = \"uniform\", min = \"2 DCC\", max = \"1 DCC\" }",
            "events[0].fees.min",
        ),
        (
            "action = \"campaign_vote\"\nday = 0\nvoter = 0\nnode = 0\namount = \"1 DCC\"",
            "events[0].action",
        ),
    ] {
        let e = refusal(CHAIN, event);
        assert!(e.key_path.starts_with(key), "{event}: {} ({e})", e.key_path);
    }
    let base = format!("{ECONOMY}\n{VOTERS}");
    for (event, key) in [
        (
            "action = \"campaign_vote\"\nday = 1\nvoter = 20\nnode = 0\namount = \"100 DCC\"",
            "events[0].voter",
        ),
        (
            "action = \"campaign_vote\"\nday = 1\nvoter = 0\nnode = 290\namount = \"100 DCC\"",
            "events[0].node",
        ),
        (
            "action = \"campaign_vote\"\nday = 1\nvoter = 0\nnode = 0\namount = \"0.5 DCC\"",
            "events[0].amount",
        ),
    ] {
        assert!(refusal(&base, event).key_path.starts_with(key), "{event}");
    }
}

/// An adoption event gives every node it changes one shared series (not a copy each), also
/// where two events splice the same group in turn.
#[test]
fn adoption_events_share_one_series_per_group() {
    let text = format!(
        "{ECONOMY}\n[[events]]\naction = \"adoption\"\nday = 3\nuntil_day = 9\ngroup = 0\nbps = 2000\n\
         [[events]]\naction = \"adoption\"\nday = 6\nbps = 500\n"
    );
    let doc = scenarios::parse_document(std::path::Path::new("events.toml"), text).unwrap();
    let spec = doc.load().unwrap_or_else(|e| panic!("{e}")).spec;
    let scenarios::Engines::Economy(economy) = spec.engines() else {
        panic!("an economy scenario")
    };
    let cfg = scenarios::build::economy(economy, spec.seed(), spec.horizon_days(), None).unwrap();
    let series = |i: usize| match &cfg.nodes[i].adoption {
        Some(economics::economy::AdoptionModel::Series(s)) => s.clone(),
        other => panic!("node {i}: {other:?}"),
    };
    // Group 0 is nodes 0..200: 100% until day 3, 20% on days 3..6, then 5% for good.
    let first = series(0);
    assert_eq!(
        &first[..],
        &[10_000, 10_000, 10_000, 2_000, 2_000, 2_000, 500]
    );
    assert!((1..200).all(|i| std::sync::Arc::ptr_eq(&series(i), &first)));
    // Groups 1 and 2 only see the second event: one other shared series.
    let other = series(200);
    assert_eq!(
        &other[..],
        &[10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 500]
    );
    assert!((201..290).all(|i| std::sync::Arc::ptr_eq(&series(i), &other)));
}

/// Region targets are checked: a region the latency model lacks, a latency model without
/// regions, and a node named by id and by region are refused at their keys.
#[test]
fn bad_region_targets_name_their_key() {
    let regions = "[consensus.latency]\nkind = \"regions\"\nmatrix_ms = [[10, 50], [50, 10]]\njitter_ms = 5\nvalidator_regions = [0, 0, 0, 1, 1, 1, 1]\n";
    let with_regions = CHAIN.replace(
        "[contracts]",
        &format!("full_nodes = 20\n{regions}[contracts]"),
    );
    for (base, event, key) in [
        (
            CHAIN.to_owned(),
            "action = \"partition\"\nat_s = 10\nduration_hours = 1\nregion_groups = [[1]]",
            "events[0].region_groups",
        ),
        (
            with_regions.clone(),
            "action = \"partition\"\nat_s = 10\nduration_hours = 1\nregion_groups = [[2]]",
            "events[0].region_groups",
        ),
        (
            with_regions.clone(),
            "action = \"partition\"\nat_s = 10\nduration_hours = 1\ngroups = [[4]]\nregion_groups = [[1]]",
            "events[0].region_groups",
        ),
        (
            with_regions.clone(),
            "action = \"partition\"\nat_s = 10\nduration_hours = 1\nregion_groups = [[1], [1]]",
            "events[0].region_groups",
        ),
    ] {
        let e = refusal(&base, event);
        assert!(e.key_path.starts_with(key), "{event}: {} ({e})", e.key_path);
    }
    for (event, key) in [
        (
            "action = \"full_node_offline\"\nat_s = 10\nduration_hours = 1",
            "events[0].full_nodes",
        ),
        (
            "action = \"full_node_offline\"\nat_s = 10\nfull_nodes = [5, 30]",
            "events[0].full_nodes",
        ),
        (
            "action = \"full_node_offline\"\nat_s = 10\nfull_node_region = 4",
            "events[0].full_node_region",
        ),
        (
            "action = \"validator_slow\"\nat_s = 10\nvalidators = [9]\nextra_ms = 5",
            "events[0].validators",
        ),
        (
            "action = \"validator_offline\"\nat_s = 10\ncount = 8",
            "events[0].count",
        ),
        (
            "action = \"validator_offline\"\nat_s = 10\ncount = 2\nvalidators = [1]",
            "events[0].count",
        ),
    ] {
        let e = refusal(&with_regions, event);
        assert!(e.key_path.starts_with(key), "{event}: {} ({e})", e.key_path);
    }
    // A valid cut runs, and so does a region's full nodes going offline.
    let ok = format!(
        "{with_regions}\n[[consensus.offline]]\nfull_node_region = 1\nstart_s = 100\nend_s = 200\n\
         [[events]]\naction = \"partition\"\nat_s = 10\nduration_hours = 1\nregion_groups = [[1]]\n\
         [[events]]\naction = \"full_node_offline\"\nat_s = 300\nduration_hours = 1\nfull_nodes = [0, 9]\n"
    );
    let out = run(&ok);
    assert!(out.tables.iter().any(|t| t.name == "chain_daily"));
}
