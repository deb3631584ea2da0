//! SPEC §7 with random timelines: whatever `[[events]]` a scenario schedules (node outages,
//! join waves, exits, attacks, adoption changes, whale votes and vote fees; in coupled mode also
//! staking, income withdrawals, proposals, validator votes, validator outages and fee changes),
//! and whatever paper readings it selects, every settled day keeps the buckets at exactly 500M
//! (the economy also checks its agents against the buckets every day and stops the run if they
//! differ), and the contracts conserve what they hold.

use std::path::Path;

use economics::economy::Economy;
use proptest::prelude::*;
use scenarios::run::{ChainOutputs, chain_holdings, run_chain};
use scenarios::{ColumnData, Table};
use sim_core::Amount;

const HORIZON_DAYS: u64 = 14;

/// Group 0 has a constant adoption and group 1 a series (both can be spliced by `adoption`
/// events); group 2 joins on day 4 unless a join wave brings it earlier.
const ECONOMY: &str = r#"
[run]
mode = "economy"
horizon_days = 14
seed = 5
[[economy.node_groups]]
count = 90
raw_power = { dist = "log_uniform", low = 1000000, high = 8000000 }
adoption = { kind = "constant", bps = 7000 }
operator_endowment = "200 DCC"
[[economy.node_groups]]
count = 40
adoption = { kind = "series", bps = [10000, 4000, 8000] }
mean_up_hours = 120
mean_repair_hours = 30
report_bps = 5000
[[economy.node_groups]]
count = 30
join_day = 4
[[economy.voter_groups]]
count = 12
endowment_dcc = 20000
[economy.campaign]
open_threshold_nodes = 20
max_candidates = 30
seats = 8
voting_days = 2
next_voting_lead_days = 2
term_days = 5
"#;

/// Node-group indices and the nodes they hold, in file order.
const GROUPS: [u32; 3] = [90, 40, 30];
const NODES: u32 = 160;
const VOTERS: u32 = 12;

fn node_event() -> impl Strategy<Value = String> {
    let day = 0..HORIZON_DAYS;
    prop_oneof![
        (day.clone(), 0usize..3, 0u32..=10_000).prop_map(|(d, g, f)| format!(
            "action = \"node_exit\"\nday = {d}\ngroup = {g}\nfraction_bps = {f}"
        )),
        (day.clone(), 0usize..3, 0u32..=2_000).prop_map(|(d, g, f)| format!(
            "action = \"node_attack\"\nday = {d}\ngroup = {g}\nfraction_bps = {f}"
        )),
        (0u64..4, 0u32..=10_000).prop_map(|(d, f)| format!(
            "action = \"node_join\"\nday = {d}\ngroup = 2\nfraction_bps = {f}"
        )),
        (
            day.clone(),
            prop::option::of(1u64..=5),
            prop::option::of(0usize..2),
            0u32..=10_000
        )
            .prop_map(|(d, len, g, bps)| {
                let until = len.map_or(String::new(), |l| {
                    format!("until_day = {}\n", (d + l).min(HORIZON_DAYS))
                });
                let group = g.map_or(String::new(), |g| format!("group = {g}\n"));
                format!("action = \"adoption\"\nday = {d}\n{until}{group}bps = {bps}")
            }),
        (day.clone(), 0..VOTERS, 0..NODES, 1u32..=3_000).prop_map(|(d, v, n, dcc)| format!(
            "action = \"campaign_vote\"\nday = {d}\nvoter = {v}\nnode = {n}\namount = \"{dcc} DCC\""
        )),
        (day, 0u32..=50).prop_map(|(d, dcc)| format!(
            "action = \"vote_fee\"\nday = {d}\namount = \"{dcc} DCC\""
        )),
    ]
}

/// At most one outage per group (two outages of one group may not overlap).
fn outages() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::option::of((0..HORIZON_DAYS, 1u64..=80, 0u32..=10_000, any::<bool>())),
        GROUPS.len(),
    )
    .prop_map(|per_group| {
        per_group
            .into_iter()
            .enumerate()
            .filter_map(|(g, o)| {
                o.map(|(d, h, f, reported)| {
                    format!(
                        "action = \"node_outage\"\nday = {d}\nduration_hours = {h}\ngroup = {g}\nfraction_bps = {f}\nreported = {reported}"
                    )
                })
            })
            .collect()
    })
}

/// `[economy.readings]`: mostly SPEC's, else any combination.
fn readings() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (
            0u32..=400,
            any::<bool>(),
            0u32..=3_000,
            0u64..=6,
            any::<bool>()
        )
            .prop_map(|(hourly, replaces, error, lump, occupancy)| format!(
                "[economy.readings]\noffline_deduction_bps_per_hour = {hourly}\n\
                 offline_deduction_replaces_forfeits = {}\nerror_penalty_bps = {error}\n\
                 stability_lump_days = {lump}\nbasic_weight = \"{}\"\n",
                replaces && hourly > 0,
                if occupancy {
                    "power_times_adoption"
                } else {
                    "power"
                }
            )),
    ]
}

fn with_events(base: &str, extra: &str, events: &[String]) -> String {
    let mut text = format!("{base}\n{extra}\n");
    for e in events {
        text.push_str("\n[[events]]\n");
        text.push_str(e);
        text.push('\n');
    }
    text
}

fn column<'a>(t: &'a Table, name: &str) -> &'a [u128] {
    match &t.columns.iter().find(|c| c.name == name).unwrap().data {
        ColumnData::U128(v) => v,
        other => panic!("{name}: {other:?}"),
    }
}

/// The daily table's SPEC §7 bucket columns sum to 500M on every day, and supply = 500M −
/// burned.
fn buckets_hold(daily: &Table) -> Result<(), TestCaseError> {
    let total = Amount::from_dcc(500_000_000).wei();
    let buckets = [
        "pool_remaining_wei",
        "locked_unvested_wei",
        "circulating_wei",
        "locked_validator_stake_wei",
        "locked_node_pledges_wei",
        "locked_votes_wei",
        "unwithdrawn_income_wei",
        "burned_total_wei",
    ];
    let burned = column(daily, "burned_total_wei");
    for r in 0..daily.rows() {
        let sum: u128 = buckets.iter().map(|b| column(daily, b)[r]).sum();
        prop_assert_eq!(sum, total, "buckets of day {}", r);
        if r > 0 {
            prop_assert!(
                burned[r] >= burned[r - 1],
                "burned total shrank on day {}",
                r
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn economy_buckets_hold_every_day_with_random_timelines(
        mut events in prop::collection::vec(node_event(), 0..8),
        outages in outages(),
        readings in readings(),
    ) {
        events.extend(outages);
        let text = with_events(ECONOMY, &readings, &events);
        let doc = scenarios::parse_document(Path::new("timeline.toml"), text.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let loaded = doc.load().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let out = scenarios::run(&loaded.spec).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let daily = out.tables.iter().find(|t| t.name == "daily").unwrap();
        prop_assert_eq!(daily.rows() as u64, HORIZON_DAYS);
        buckets_hold(daily)?;
    }
}

/// A day of coupled chain and economy: 5 genesis validators of 7, stakers, 120 compute nodes.
const COUPLED: &str = r#"
[run]
mode = "coupled"
horizon_days = 1
seed = 9
[consensus]
validators = 7
genesis_validators = 5
[contracts]
genesis_stake = "100 DCC"
confiscation = "burn"
unbonding_blocks = 300
fees = { kind = "constant", amount = "0.01 DCC" }
voting = { enabled = false }
[[contracts.staker_groups]]
count = 12
endowment = "5000 DCC"
stake_ppm = 0
unstake_ppm = 0
[[economy.node_groups]]
count = 120
raw_power = { dist = "log_uniform", low = 1000000, high = 20000000 }
adoption = { kind = "constant", bps = 9000 }
operator_endowment = "500 DCC"
[[economy.voter_groups]]
count = 10
endowment_dcc = 5000
[economy.campaign]
first_campaign_day = 0
open_threshold_nodes = 10
max_candidates = 20
seats = 5
voting_days = 1
next_voting_lead_days = 1
"#;

fn chain_event() -> impl Strategy<Value = String> {
    let at = 0u64..86_400;
    let from = prop_oneof![
        Just("{ staker_group = 0 }".to_owned()),
        (0u32..12).prop_map(|k| format!("{{ staker_group = 0, staker = {k} }}")),
        (0u32..=10_000).prop_map(|b| format!("{{ staker_group = 0, fraction_bps = {b} }}")),
        (1u32..=5).prop_map(|v| format!("{{ owner = {v} }}")),
    ];
    let validator = 1u32..=7;
    let ids = prop::collection::vec(1u32..=7, 1..4).prop_map(|v| {
        let list: Vec<String> = v.iter().map(u32::to_string).collect();
        format!("[{}]", list.join(", "))
    });
    prop_oneof![
        (at.clone(), from.clone(), validator.clone(), 1u32..=400).prop_map(|(t, f, v, dcc)| format!(
            "action = \"stake\"\nat_s = {t}\nfrom = {f}\nvalidator = {v}\namount = \"{dcc} DCC\""
        )),
        (at.clone(), from.clone(), validator.clone()).prop_map(|(t, f, v)| format!(
            "action = \"unstake\"\nat_s = {t}\nfrom = {f}\nvalidator = {v}"
        )),
        (at.clone(), from, validator.clone()).prop_map(|(t, f, v)| format!(
            "action = \"withdraw_stake\"\nat_s = {t}\nfrom = {f}\nvalidator = {v}"
        )),
        (at.clone(), ids.clone()).prop_map(|(t, v)| format!(
            "action = \"withdraw_income\"\nat_s = {t}\nvalidators = {v}"
        )),
        (at.clone(), 6u32..=7).prop_map(|(t, v)| format!(
            "action = \"proposal\"\nat_s = {t}\nvalidator = {v}"
        )),
        (at.clone(), ids.clone(), 6u32..=7, any::<bool>()).prop_map(|(t, v, c, agree)| format!(
            "action = \"validator_vote\"\nat_s = {t}\nvalidators = {v}\ncandidate = {c}\nagree = {agree}"
        )),
        (at.clone(), ids, 1u64..=6).prop_map(|(t, v, h)| format!(
            "action = \"validator_offline\"\nat_s = {t}\nduration_hours = {h}\nvalidators = {v}"
        )),
        (at, 0u32..=100).prop_map(|(t, milli)| format!(
            "action = \"fee_model\"\nat_s = {t}\nfees = {{ kind = \"constant\", amount = \"0.{milli:03} DCC\" }}"
        )),
        (0u32..10, 0u32..120, 1u32..=2_000).prop_map(|(v, n, dcc)| format!(
            "action = \"campaign_vote\"\nday = 0\nvoter = {v}\nnode = {n}\namount = \"{dcc} DCC\""
        )),
        (0u32..=10_000, 1u64..=12).prop_map(|(f, h)| format!(
            "action = \"node_outage\"\nday = 0\nduration_hours = {h}\ngroup = 0\nfraction_bps = {f}"
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn coupled_ledger_holds_with_random_timelines(
        events in prop::collection::vec(chain_event(), 1..10),
    ) {
        // One outage of group 0 at most (two would overlap).
        let mut seen_outage = false;
        let events: Vec<String> = events
            .into_iter()
            .filter(|e| !e.contains("node_outage") || !std::mem::replace(&mut seen_outage, true))
            .collect();
        let text = with_events(COUPLED, "", &events);
        let doc = scenarios::parse_document(Path::new("timeline.toml"), text.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let spec = doc.load().unwrap_or_else(|e| panic!("{e}\n{text}")).spec;
        let scenarios::Engines::Coupled { chain, economy } = spec.engines() else {
            panic!("a coupled scenario")
        };
        let setup = &chain.contracts;
        let cfg = scenarios::build::economy(economy, spec.seed(), spec.horizon_days(), Some(setup))
            .unwrap_or_else(|e| panic!("{e:?}"));
        let out = run_chain(
            &chain.consensus,
            setup,
            Some(Economy::new(cfg).unwrap()),
            spec.seed(),
            spec.horizon_days(),
            ChainOutputs::default(),
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (economy, rec) = out.economy.as_ref().unwrap();
        let total = Amount::from_dcc(500_000_000);
        // A chain halted past the day's end (validators offline) never settles it: at most one
        // day, and the same days on both sides.
        prop_assert!(rec.days.len() <= 1);
        prop_assert_eq!(out.settled.len(), rec.days.len());
        for (row, (day, acc)) in rec.days.iter().zip(&out.settled) {
            let sum = Amount::checked_sum([
                row.pool_remaining,
                row.locked_unvested,
                row.circulating,
                row.locked_validator_stake,
                row.locked_node_pledges,
                row.locked_votes,
                row.unwithdrawn_income,
                row.burned_total,
            ])
            .unwrap();
            prop_assert_eq!(sum, total, "day {}", day);
            prop_assert_eq!(row.chain, Some(chain_holdings(acc).unwrap()), "day {}", day);
        }
        let contracts = &out.contracts.contracts;
        contracts.check_conservation().unwrap();
        economy.check_invariant(economy.next_day()).unwrap();
        prop_assert_eq!(
            economy.chain_holdings(),
            Some(chain_holdings(&contracts.accounting().unwrap()).unwrap())
        );
    }
}
