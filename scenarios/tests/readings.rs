//! `[economy.readings]`: SPEC §4.5's paper readings from a scenario file. Each is off by
//! default, first changes a run where its rule first applies (same seed, with vs without), and
//! bad values are refused with their key.

use scenarios::{ColumnData, RunOutput, Table};

/// 120 nodes with random daily adoption, in office from day 7; a fifth of them down (and
/// reporting it) for 5 hours on day 9.
const ECONOMY: &str = r#"
[run]
mode = "economy"
horizon_days = 12
seed = 11
[[economy.node_groups]]
count = 120
raw_power = { dist = "uniform", low = 1000000, high = 3000000 }
adoption = { kind = "uniform_daily", low_bps = 2000, high_bps = 10000 }
[economy.campaign]
open_threshold_nodes = 10
[[events]]
action = "node_outage"
day = 9
duration_hours = 5
group = 0
fraction_bps = 2000
reported = true
"#;

fn load(text: &str) -> Result<scenarios::Loaded, scenarios::ScenarioError> {
    scenarios::parse_document(std::path::Path::new("readings.toml"), text.to_owned())?.load()
}

fn run(readings: &str) -> RunOutput {
    let loaded = load(&format!("{ECONOMY}\n[economy.readings]\n{readings}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    scenarios::run(&loaded.spec).unwrap()
}

fn daily(out: &RunOutput) -> &Table {
    out.tables.iter().find(|t| t.name == "daily").unwrap()
}

fn column<'a>(t: &'a Table, name: &str) -> &'a [u128] {
    match &t.columns.iter().find(|c| c.name == name).unwrap().data {
        ColumnData::U128(v) => v,
        other => panic!("{name}: {other:?}"),
    }
}

/// The first day on which the daily tables of `a` and `b` differ in a column they share.
fn first_difference(a: &RunOutput, b: &RunOutput) -> Option<usize> {
    let (ta, tb) = (daily(a), daily(b));
    (0..ta.rows()).find(|&r| {
        ta.columns.iter().any(|c| {
            tb.columns
                .iter()
                .find(|d| d.name == c.name)
                .is_some_and(|d| d.data.cell(r) != c.data.cell(r))
        })
    })
}

#[test]
fn each_reading_first_changes_the_run_where_its_rule_applies() {
    let spec = run("");
    for (reading, day) in [
        // The outage day: deductions are charged at its settlement.
        ("offline_deduction_bps_per_hour = 50", 9),
        (
            "offline_deduction_bps_per_hour = 50\noffline_deduction_replaces_forfeits = true",
            9,
        ),
        ("error_penalty_bps = 300", 9),
        // The first day anything is paid (before the first term SPEC burns basic and
        // stability whatever the rule).
        ("stability_lump_days = 5", 7),
        ("basic_weight = \"power_times_adoption\"", 7),
    ] {
        let read = run(reading);
        assert_eq!(first_difference(&spec, &read), Some(day), "{reading}");
    }
    // Defaults written out change nothing.
    let same = run(
        "offline_deduction_bps_per_hour = 0\nerror_penalty_bps = 0\nstability_lump_days = 0\nbasic_weight = \"power\"",
    );
    assert_eq!(first_difference(&spec, &same), None);
}

#[test]
fn the_lump_reading_adds_its_columns_and_pays_every_p_days() {
    let out = run("stability_lump_days = 5");
    let t = daily(&out);
    let accrued = column(t, "stability_accrued_wei");
    let lump = column(t, "stability_lump_paid_wei");
    let burned = column(t, "burned_stability_accrual_wei");
    let held = column(t, "stability_accrual_held_wei");
    assert!(column(t, "stability_paid_wei").iter().all(|&w| w == 0));
    // Lumps at the settlements of days 4 and 9 (day 4: nothing accrued yet).
    assert_eq!(lump[9] + burned[9], accrued[7..=9].iter().sum::<u128>());
    assert!(lump[9] > 0 && burned[9] == 0, "every node still pledged");
    assert_eq!(held[11], accrued[10] + accrued[11]);
    assert!(lump.iter().enumerate().all(|(d, &w)| w == 0 || d == 9));
    // The daily table of a run without the reading has none of these columns.
    let spec = run("");
    assert!(
        daily(&spec)
            .columns
            .iter()
            .all(|c| !c.name.starts_with("stability_a") && c.name != "stability_lump_paid_wei")
    );
    assert_eq!(daily(&spec).columns.len() + 4, t.columns.len());
}

#[test]
fn bad_readings_are_refused_with_their_keys() {
    for (readings, key) in [
        (
            "offline_deduction_bps_per_hour = 20000",
            "economy.readings.offline_deduction_bps_per_hour",
        ),
        (
            "error_penalty_bps = 10001",
            "economy.readings.error_penalty_bps",
        ),
        (
            "offline_deduction_replaces_forfeits = true",
            "economy.readings.offline_deduction_replaces_forfeits",
        ),
        (
            "stability_lump_days = 4000",
            "economy.readings.stability_lump_days",
        ),
        ("basic_weight = \"hash\"", "economy.readings.basic_weight"),
        ("lump_days = 3", "economy.readings"),
    ] {
        let e = match load(&format!("{ECONOMY}\n[economy.readings]\n{readings}\n")) {
            Err(e) => e,
            Ok(_) => panic!("{readings}: accepted"),
        };
        assert!(
            e.key_path.starts_with(key),
            "{readings}: {} ({e})",
            e.key_path
        );
        assert!(e.to_string().starts_with("readings.toml:"), "{e}");
    }
}
