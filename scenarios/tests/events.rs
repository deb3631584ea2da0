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
        let doc = scenarios::parse_document(
            std::path::Path::new("events.toml"),
            format!("{ECONOMY}\n[[events]]\n{event}\n"),
        )
        .unwrap_or_else(|e| panic!("{event}: parse {e}"));
        match doc.load() {
            Err(e) => {
                assert!(e.key_path.starts_with(key), "{event}: {} ({e})", e.key_path);
                assert!(e.to_string().starts_with("events.toml:"), "{e}");
            }
            Ok(_) => panic!("{event}: accepted"),
        }
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
