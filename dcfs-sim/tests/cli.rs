//! End-to-end tests of the dcfs-sim binary: commands, exit codes, error messages, atomic
//! outputs, thread-count independence, sharding + merge, and resume.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dcfs-sim"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcfs-cli-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn emission_csv_matches_spec_to_the_wei() {
    let dir = tmp("emission");
    let out = dir.join("e.csv");
    let o = run(bin()
        .args(["emission", "--days", "2500", "--out"])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2501);
    let header: Vec<&str> = lines[0].split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (day, emission, vested_cum) = (at("day"), at("emission_wei"), at("vested_cumulative_wei"));
    assert_eq!(
        at("emission_dcc"),
        emission + 1,
        "a float DCC partner after each wei column"
    );
    let col = |line: &str, i: usize| line.split(',').nth(i).unwrap().to_owned();
    assert_eq!(col(lines[1], emission), "61643835616438356164383");
    assert_eq!(col(lines[1], emission + 1), "61643.83561643836");
    assert_eq!(col(lines[2191], day), "2190");
    assert_eq!(
        col(lines[2191], emission),
        (61_643_835_616_438_356_164_383_u128 / 2).to_string()
    );
    assert_eq!(col(lines[2434], vested_cum), "55000000000000000000000000");
    assert_ne!(col(lines[2433], vested_cum), "55000000000000000000000000");
}

#[test]
fn bad_flags_exit_2_and_write_nothing() {
    let dir = tmp("flags");
    let out = dir.join("e.csv");
    let o = run(bin().args(["emission", "--days", "0", "--out"]).arg(&out));
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let o = run(bin().args(["sweep", "x.toml", "--shard", "4/4"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("need 0 <= K < N"), "{}", stderr(&o));
}

/// Every class of malformed scenario gives its documented message, exit code 2, and nothing
/// is written to the output directory.
#[test]
fn malformed_scenarios_are_reported_with_file_line_and_key() {
    let dir = tmp("malformed");
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "syntax.toml",
            "[run\nseed = 1\n",
            &["syntax.toml:1:5: syntax error"],
        ),
        (
            "unknown.toml",
            "[run]\nseed = 1\nhorizon_dayz = 5\n",
            &[
                "unknown.toml:3:1: unknown key at `run.horizon_dayz`",
                "did you mean `horizon_days`?",
                "allowed: name, seed, horizon_days, mode",
            ],
        ),
        (
            "type.toml",
            "[run]\nseed = \"one\"\n",
            &["type.toml:2:8: wrong type at `run.seed`", "expected u64"],
        ),
        (
            "range.toml",
            "[run]\nhorizon_days = 0\n",
            &[
                "range.toml:2:1: out of range at `run.horizon_days`",
                "allowed: 1 to 1000000 days",
            ],
        ),
        (
            "cross.toml",
            "[supply.allocations.airdrop]\ntotal = \"6000000 DCC\"\n",
            &[
                "cross.toml:1:2: inconsistent values at `supply`",
                "must sum to exactly 500000000 DCC",
            ],
        ),
        (
            "alloc.toml",
            "[supply.allocations.airdorp]\ntotal = 1\n",
            &[
                "alloc.toml:1:21: unknown key at `supply.allocations.airdorp`",
                "did you mean `airdrop`?",
            ],
        ),
        (
            "json.json",
            "{\"run\": {\"sed\": 3}}",
            &[
                "json.json:1:14: unknown key at `run.sed`",
                "did you mean `seed`?",
            ],
        ),
    ];
    for (name, text, expected) in cases {
        let file = dir.join(name);
        fs::write(&file, text).unwrap();
        let out = dir.join(format!("out-{name}"));
        for args in [vec!["validate"], vec!["run"], vec!["sweep"]] {
            let mut cmd = bin();
            cmd.args(&args).arg(&file);
            if args[0] != "validate" {
                cmd.arg("--out").arg(&out);
            }
            let o = run(&mut cmd);
            assert_eq!(o.status.code(), Some(2), "{name} {args:?}: {}", stderr(&o));
            let err = stderr(&o);
            for e in expected {
                assert!(
                    err.contains(e),
                    "{name} {args:?}: expected {e:?} in {err:?}"
                );
            }
            assert!(!out.exists(), "{name}: output written despite bad input");
        }
    }
}

#[test]
fn run_writes_manifest_and_is_reproducible() {
    let dir = tmp("run");
    let file = workspace().join("scenarios/examples/emissions-40y.toml");
    let a = run(bin().arg("run").arg(&file).arg("--out").arg(dir.join("a")));
    let b = run(bin().arg("run").arg(&file).arg("--out").arg(dir.join("b")));
    assert!(a.status.success() && b.status.success(), "{}", stderr(&a));
    assert_eq!(
        fs::read(dir.join("a/daily.csv")).unwrap(),
        fs::read(dir.join("b/daily.csv")).unwrap()
    );
    assert_eq!(
        fs::read(dir.join("a/manifest.json")).unwrap(),
        fs::read(dir.join("b/manifest.json")).unwrap()
    );
    let manifest = fs::read_to_string(dir.join("a/manifest.json")).unwrap();
    for key in [
        "\"program\"",
        "\"seed\": 1",
        "\"scenario\"",
        "\"digest\"",
        "\"daily.csv\"",
    ] {
        assert!(manifest.contains(key), "manifest lacks {key}");
    }
    // No temporary files are left behind.
    assert!(
        fs::read_dir(dir.join("a")).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.'))
    );
}

fn sweep_file(dir: &Path) -> PathBuf {
    let file = dir.join("sweep.toml");
    fs::write(
        &file,
        "[run]\nmode = \"schedule\"\nhorizon_days = 400\n[sweep]\nseeds = 2\n[sweep.grid]\n\"supply.halving_period_days\" = [100, 200, 300]\n",
    )
    .unwrap();
    file
}

/// Runs `dcfs-sim sweep FILE --out OUT EXTRA…` and asserts it succeeded.
fn sweep_ok(file: &Path, out: &Path, extra: &[&str]) {
    let o = run(bin()
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(extra));
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn sweep_is_thread_independent_and_shards_merge_to_the_same_bytes() {
    let dir = tmp("sweep");
    let file = sweep_file(&dir);
    let sweep = |out: &str, extra: &[&str]| sweep_ok(&file, &dir.join(out), extra);
    sweep("t1", &["--threads", "1"]);
    sweep("t4", &["--threads", "4"]);
    for k in 0..3 {
        sweep(
            &format!("shard{k}"),
            &["--shard", &format!("{k}/3"), "--threads", "2"],
        );
    }
    assert!(
        !dir.join("shard0/summary.csv").exists(),
        "a shard alone must not claim to be complete"
    );
    let o = run(bin()
        .arg("merge")
        .args(["shard0", "shard1", "shard2"].map(|s| dir.join(s)))
        .arg("--out")
        .arg(dir.join("merged")));
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["summary.csv", "manifest.json"] {
        let one = fs::read(dir.join("t1").join(f)).unwrap();
        assert_eq!(
            one,
            fs::read(dir.join("t4").join(f)).unwrap(),
            "{f}: 1 vs 4 threads"
        );
        assert_eq!(
            one,
            fs::read(dir.join("merged").join(f)).unwrap(),
            "{f}: merged shards"
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join("t1/summary.csv"))
            .unwrap()
            .lines()
            .count(),
        7
    );
    // Merging two of three shards is refused.
    let o = run(bin()
        .arg("merge")
        .args(["shard0", "shard1"].map(|s| dir.join(s)))
        .arg("--out")
        .arg(dir.join("partial")));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("4 of 6 runs are finished"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn interrupted_sweep_resumes_without_recomputing_finished_runs() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tmp("resume");
    let file = sweep_file(&dir);
    let out = dir.join("out");
    sweep_ok(&file, &out, &[]);
    let reference = fs::read(out.join("summary.csv")).unwrap();
    let inode = |p: &Path| fs::metadata(p).unwrap().ino();
    let intact = out.join("runs/run_index=0/daily.csv");
    let intact_inode = inode(&intact);
    // Simulate an interruption and damage: one run lost its manifest, another its whole
    // folder, a third has a truncated table; the sweep lost its manifest.
    fs::remove_file(out.join("runs/run_index=1/manifest.json")).unwrap();
    fs::remove_dir_all(out.join("runs/run_index=4")).unwrap();
    let damaged = out.join("runs/run_index=2/daily.csv");
    let text = fs::read_to_string(&damaged).unwrap();
    fs::write(&damaged, &text[..text.len() / 2]).unwrap();
    fs::remove_file(out.join("manifest.json")).unwrap();
    let o = run(bin().arg("sweep").arg(&file).arg("--out").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(inode(&intact), intact_inode, "an intact run was recomputed");
    assert!(
        stderr(&o).contains("run 2: recomputing") && stderr(&o).contains("daily.csv"),
        "{}",
        stderr(&o)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("3 kept from an earlier attempt, 3 computed"),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&damaged).unwrap(), text);
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), reference);
}

#[test]
fn report_rerenders_the_same_page_from_written_outputs() {
    let dir = tmp("report");
    let file = workspace().join("scenarios/examples/emissions-40y.toml");
    let out = dir.join("run");
    let o = run(bin().arg("run").arg(&file).arg("--out").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let page = fs::read(out.join("index.html")).unwrap();
    assert!(String::from_utf8_lossy(&page).contains("<svg"));
    let o = run(bin().arg("report").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read(out.join("index.html")).unwrap(), page);
    // A damaged directory is refused, naming the file.
    fs::remove_file(out.join("index.html")).unwrap();
    let o = run(bin().arg("report").arg(&out));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("index.html: missing"), "{}", stderr(&o));
    // A directory without outputs is refused, not a panic.
    let o = run(bin().arg("report").arg(dir.join("missing")));
    assert!(!o.status.success());
}

/// Where randomness matters (the economy draws populations, failures and votes from streams),
/// the thread count and the shard layout still never change a byte.
#[test]
fn random_sweep_is_thread_and_shard_independent() {
    let dir = tmp("random-sweep");
    let file = dir.join("sweep.toml");
    fs::write(
        &file,
        "[run]\nmode = \"economy\"\nhorizon_days = 45\n\
         [[economy.node_groups]]\ncount = 300\nraw_power = { dist = \"log_uniform\", low = 1000000, high = 9000000 }\n\
         mean_up_hours = 200\nreport_bps = 5000\n\
         [[economy.voter_groups]]\ncount = 40\nendowment_dcc = { dist = \"uniform\", low = 10, high = 5000 }\n\
         [economy.campaign]\nopen_threshold_nodes = 100\n\
         [sweep]\nseeds = 3\n[sweep.grid]\n\"economy.campaign.seats\" = [5, 11]\n",
    )
    .unwrap();
    let sweep = |out: &str, extra: &[&str]| sweep_ok(&file, &dir.join(out), extra);
    sweep("t1", &["--threads", "1"]);
    sweep("t3", &["--threads", "3"]);
    sweep("s0", &["--shard", "0/2"]);
    sweep("s1", &["--shard", "1/2"]);
    let o = run(bin()
        .arg("merge")
        .arg(dir.join("s0"))
        .arg(dir.join("s1"))
        .arg("--out")
        .arg(dir.join("m")));
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = fs::read_to_string(dir.join("t1/summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 7);
    // Different seeds of one point give different runs: randomness is really exercised.
    let digests: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_ne!(digests[0], digests[1]);
    for f in ["summary.csv", "manifest.json", "daily_quantiles.csv"] {
        let one = fs::read(dir.join("t1").join(f)).unwrap();
        assert_eq!(
            one,
            fs::read(dir.join("t3").join(f)).unwrap(),
            "{f}: 1 vs 3 threads"
        );
        assert_eq!(
            one,
            fs::read(dir.join("m").join(f)).unwrap(),
            "{f}: merged shards"
        );
    }
}

/// What `dcfs-sim check FILE ARGS` printed; it must succeed.
fn check_says(file: &Path, args: &[&str]) -> String {
    let o = run(bin().arg("check").arg(file).args(args));
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_finds_a_run_and_a_sweep_deterministic() {
    let dir = tmp("check");
    let said = check_says(&sweep_file(&dir), &["--max-days", "50", "--threads", "3"]);
    assert!(
        said.contains("(horizon capped at 50 days): deterministic: 6 runs"),
        "{said}"
    );
    assert!(
        said.contains("1 and 3 threads and as 2 merged shards"),
        "{said}"
    );
    let said = check_says(
        &workspace().join("scenarios/examples/emissions-40y.toml"),
        &["--max-days", "10", "--threads", "2"],
    );
    assert!(said.contains("the run on 1 and on 2 threads"), "{said}");
}

/// A 10,000-node economy settles in two chunks, streams through the writer thread and sorts
/// its inequality windows on a helper with two threads: the same bytes as on one.
#[test]
fn a_registry_economy_is_the_same_on_one_thread_and_two() {
    let said = check_says(
        &workspace().join("scenarios/examples/node-registry.toml"),
        &["--max-days", "15", "--threads", "2"],
    );
    assert!(
        said.contains("the run on 1 and on 2 threads gave"),
        "{said}"
    );
}

#[test]
fn columns_describes_every_table_and_refuses_an_unknown_one() {
    let o = run(bin().arg("columns"));
    assert!(o.status.success(), "{}", stderr(&o));
    let all = String::from_utf8_lossy(&o.stdout).into_owned();
    for t in ["daily", "events", "validators", "summary", "reorg_depths"] {
        assert!(all.contains(t), "{t} missing from\n{all}");
    }
    let o = run(bin().args(["columns", "events"]));
    let events = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        events.contains("amount_wei") && events.contains("may be empty"),
        "{events}"
    );
    let o = run(bin().args(["columns", "nope"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no table `nope`"), "{}", stderr(&o));
    let o = run(bin().args(["columns", "--markdown"]));
    let md = fs::read_to_string(workspace().join("docs/columns.md")).unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), md);
}
