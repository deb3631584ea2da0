//! End-to-end tests of `dcfs-sim search` and `dcfs-sim sensitivity`: the liveness threshold
//! found under both fork-choice rules, answers independent of threads, shards and resumption,
//! sensitivity indices in the sweep report, and bad input refused with exit 2.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dcfs-sim"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/examples")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcfs-study-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn ok(cmd: &mut Command) -> Output {
    let o = cmd.output().expect("binary runs");
    assert!(
        o.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn search(file: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    ok(bin()
        .arg("search")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("CI", "1"));
    serde_json::from_slice(&fs::read(out.join("search.json")).unwrap()).unwrap()
}

/// The crash-tolerance example with `tie_break` set.
fn with_tie_break(dir: &Path, rule: &str) -> PathBuf {
    let text = fs::read_to_string(example("crash-tolerance-search.toml")).unwrap();
    let text = text.replacen(
        "[consensus]\n",
        &format!("[consensus]\ntie_break = \"{rule}\"\n"),
        1,
    );
    let file = dir.join(format!("crash-{rule}.toml"));
    fs::write(&file, text).unwrap();
    file
}

#[test]
fn search_finds_the_n_over_2_threshold_under_both_fork_choice_rules() {
    let dir = tmp("threshold");
    for rule in ["coin", "eip3436"] {
        let result = search(
            &with_tie_break(&dir, rule),
            &dir.join(rule),
            &["--threads", "2"],
        );
        // 10 of 21 offline for good: live; 11: halted (L = 11 must be online).
        assert_eq!(result["answer"], "bracket", "{rule}: {result}");
        assert_eq!(result["holds"], "10", "{rule}");
        assert_eq!(result["fails"], "11", "{rule}");
        assert_eq!(result["confident"], true);
        let csv = fs::read_to_string(dir.join(rule).join("search.csv")).unwrap();
        assert!(csv.contains("\"first 10 of 21\",4,4,1,"), "{csv}");
        assert!(csv.contains("\"first 11 of 21\",4,0,0,"), "{csv}");
    }
}

#[test]
fn search_answers_do_not_depend_on_threads_shards_or_resumption() {
    let dir = tmp("stable");
    let file = example("crash-tolerance-search.toml");
    search(&file, &dir.join("one"), &["--threads", "1"]);
    let one = fs::read(dir.join("one/search.json")).unwrap();
    search(&file, &dir.join("two"), &["--threads", "2"]);
    assert_eq!(one, fs::read(dir.join("two/search.json")).unwrap());
    // Two processes share a directory, each computing its half of every batch.
    let shared = dir.join("shared");
    let spawn = |k: &str| {
        bin()
            .arg("search")
            .arg(&file)
            .arg("--out")
            .arg(&shared)
            .args(["--shard", k, "--threads", "1"])
            .env("CI", "1")
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("0/2"), spawn("1/2"));
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    assert_eq!(one, fs::read(shared.join("search.json")).unwrap());
    // Again in the same directory: every run is kept, the answer the same bytes.
    let before = fs::metadata(dir.join("one/runs/run_index=0/manifest.json"))
        .unwrap()
        .modified()
        .unwrap();
    search(&file, &dir.join("one"), &[]);
    assert_eq!(one, fs::read(dir.join("one/search.json")).unwrap());
    let after = fs::metadata(dir.join("one/runs/run_index=0/manifest.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a resumed search keeps its finished runs");
}

#[test]
fn bad_searches_exit_2_naming_the_file_line_and_key() {
    let dir = tmp("bad-search");
    let text = fs::read_to_string(example("crash-tolerance-search.toml")).unwrap();
    let file = dir.join("bad.toml");
    fs::write(&file, text.replace("halted_days == 0", "halted_dayz == 0")).unwrap();
    let o = bin()
        .arg("search")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("o"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.toml:") && err.contains("search.predicate"),
        "{err}"
    );
    assert!(err.contains("no column `halted_dayz`"), "{err}");
    assert!(!dir.join("o").exists(), "nothing written");
    // A scenario without [search].
    let o = bin()
        .arg("search")
        .arg(example("liveness-threshold.toml"))
        .arg("--out")
        .arg(dir.join("o2"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The supply-sensitivity example shortened: 60 days, 4 base rows (28 points).
fn short_sensitivity(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(example("supply-sensitivity.toml")).unwrap();
    let text = text
        .replace("horizon_days = 1825", "horizon_days = 60")
        .replace("n = 64", "n = 4");
    let file = dir.join("sens.toml");
    fs::write(&file, text).unwrap();
    file
}

#[test]
fn sampled_sweeps_report_sensitivity_indices_and_keep_them() {
    let dir = tmp("sensitivity");
    let out = dir.join("sweep");
    ok(bin()
        .arg("sweep")
        .arg(short_sensitivity(&dir))
        .arg("--out")
        .arg(&out)
        .env("CI", "1"));
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert!(
        csv.starts_with("metric,key,index,estimate,ci_low,ci_high\n"),
        "{csv}"
    );
    // Two metrics × five keys × two indices.
    assert_eq!(csv.lines().count(), 1 + 2 * 5 * 2, "{csv}");
    assert!(out.join("charts/sensitivity_circulating_wei.svg").is_file());
    let page = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("<h2>Sensitivity</h2>") && page.contains("first_order"));
    let o = ok(bin()
        .arg("sensitivity")
        .arg(&out)
        .args(["--metric", "pool_remaining_wei"]));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains("pool_remaining_wei") && printed.contains("total"),
        "{printed}"
    );
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 5 * 2);
    // A re-render keeps the added metric, byte for byte.
    ok(bin().arg("report").arg(&out));
    assert_eq!(
        csv,
        fs::read_to_string(out.join("sensitivity.csv")).unwrap()
    );
    // Unknown metric, or a sweep without a sampled design: exit 2.
    let o = bin()
        .arg("sensitivity")
        .arg(&out)
        .args(["--metric", "no_such"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such column"));
}

#[test]
fn sensitivity_of_a_grid_sweep_is_refused() {
    let dir = tmp("grid");
    let out = dir.join("sweep");
    let file = dir.join("grid.toml");
    fs::write(
        &file,
        "[run]\nmode = \"schedule\"\nhorizon_days = 10\n[sweep.grid]\n\"supply.halving_period_days\" = [100, 200]\n",
    )
    .unwrap();
    ok(bin()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .env("CI", "1"));
    let o = bin()
        .arg("sensitivity")
        .arg(&out)
        .args(["--metric", "mining_pool_wei"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a sampled sweep"), "{err}");
}
