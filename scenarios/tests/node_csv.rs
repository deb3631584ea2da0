//! Node groups from data (`from_csv`): each row becomes one node with its row's values and the
//! group's keys where the row is silent; the file's hash is recorded and can be pinned; bad
//! files are refused naming the CSV's file, row, column and key; sweep points keep the rows.

use std::fs;
use std::path::{Path, PathBuf};

use scenarios::Engines;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dcfs-nodecsv-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn scenario(d: &Path, csv: &str, group_extra: &str) -> PathBuf {
    fs::write(d.join("nodes.csv"), csv).unwrap();
    let file = d.join("s.toml");
    fs::write(
        &file,
        format!(
            "[run]\nmode = \"economy\"\nhorizon_days = 5\n\n[[economy.node_groups]]\n\
             from_csv = \"nodes.csv\"\nmean_repair_hours = 9\n{group_extra}\n"
        ),
    )
    .unwrap();
    file
}

fn nodes(file: &Path) -> Vec<economics::economy::NodeSpec> {
    let loaded = scenarios::load(file).unwrap_or_else(|e| panic!("{e}"));
    let Engines::Economy(spec) = loaded.spec.engines() else {
        panic!("economy mode")
    };
    scenarios::build::economy(spec, 1, 5, None).unwrap().nodes
}

#[test]
fn each_row_is_a_node_and_the_group_fills_what_the_row_lacks() {
    let d = dir("rows");
    let csv = "node_id,power_units,join_day,mean_up_hours\n0,15,0,100\n1,3,2,0\n2,7,4,50\n";
    let file = scenario(&d, csv, "kind = \"fixed_resources\"");
    let n = nodes(&file);
    assert_eq!(n.len(), 3);
    let power: Vec<u64> = n.iter().map(|x| x.raw_power).collect();
    assert_eq!(
        power,
        [15_000_000, 3_000_000, 7_000_000],
        "power_units × economy.power_unit"
    );
    assert_eq!(n.iter().map(|x| x.join_day).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(n[0].failure.mean_up_ms, 100 * 3_600_000);
    assert_eq!(n[1].failure.mean_up_ms, 0, "the row's 0 beats the group");
    assert_eq!(
        n[2].failure.mean_repair_ms,
        9 * 3_600_000,
        "the group's repair hours"
    );
    assert!(
        n.iter()
            .all(|x| x.kind == economics::economy::PowerKind::FixedResources)
    );
    // The resolved scenario records the row count and the file's hash.
    let loaded = scenarios::load(&file).unwrap();
    let g = &loaded.resolved.economy.node_groups[0];
    assert_eq!(g.count, 3);
    let sha = sim_core::Digest::of_bytes(csv.as_bytes()).to_string();
    assert_eq!(g.csv_sha256.as_deref(), Some(sha.as_str()));
    // A sweep point (serialised and re-read with the override) keeps the rows.
    let doc = scenarios::read_document(&file).unwrap();
    let point = doc
        .load_point(&[("economy.campaign.seats".to_owned(), 5.into())])
        .unwrap();
    let Engines::Economy(spec) = point.spec.engines() else {
        panic!()
    };
    assert_eq!(spec.node_groups[0].rows.len(), 3);
}

#[test]
fn a_pinned_hash_and_a_count_must_match_the_file() {
    let d = dir("pinned");
    let file = scenario(&d, "power_units\n1\n2\n", "csv_sha256 = \"00\"");
    let e = scenarios::load(&file).unwrap_err();
    assert_eq!(e.key_path, "economy.node_groups[0].csv_sha256");
    assert!(e.to_string().contains("s.toml:"), "{e}");
    let file = scenario(&d, "power_units\n1\n2\n", "count = 3");
    let e = scenarios::load(&file).unwrap_err();
    assert_eq!(e.key_path, "economy.node_groups[0].count");
    assert!(e.message.contains("has 2 nodes"), "{e}");
}

#[test]
fn bad_files_name_the_csv_row_column_and_key() {
    let d = dir("bad");
    let file = scenario(&d, "power_units,mean_up_hours\n4,10\n4,ten\n", "");
    let e = scenarios::load(&file).unwrap_err();
    assert!(e.file.ends_with("nodes.csv"), "{e}");
    assert_eq!(
        (e.location, e.key_path.as_str()),
        (Some((3, 3)), "mean_up_hours")
    );
    // Repair hours of 0 (from the group) for a row that fails: named by row.
    let file = scenario(&d, "power_units,mean_up_hours\n4,10\n", "").with_file_name("s.toml");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("mean_repair_hours = 9", "mean_repair_hours = 0");
    fs::write(&file, text).unwrap();
    let e = scenarios::load(&file).unwrap_err();
    assert!(e.message.contains("nodes.csv line 2"), "{e}");
    // A missing file.
    fs::remove_file(d.join("nodes.csv")).unwrap();
    let e = scenarios::load(&file).unwrap_err();
    assert!(
        e.file.ends_with("nodes.csv") && e.to_string().contains("cannot read"),
        "{e}"
    );
    // Neither count nor from_csv.
    fs::write(
        &file,
        "[run]\nmode = \"economy\"\n[[economy.node_groups]]\nkind = \"ethash\"\n",
    )
    .unwrap();
    let e = scenarios::load(&file).unwrap_err();
    assert_eq!(e.key_path, "economy.node_groups[0].count");
}

#[test]
fn the_benchmark_registry_loads_as_ten_thousand_nodes() {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/nodes-10k.csv");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/nodes-10k.csv");
    for csv in [bundled, shared].iter().filter(|p| p.is_file()) {
        let d = dir("registry");
        let file = scenario(&d, &fs::read_to_string(csv).unwrap(), "");
        let n = nodes(&file);
        assert_eq!(n.len(), 10_000, "{}", csv.display());
        let units: u64 = fs::read_to_string(csv)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            n.iter().map(|x| x.raw_power).sum::<u64>(),
            units * 1_000_000
        );
    }
}
