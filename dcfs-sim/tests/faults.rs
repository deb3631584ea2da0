//! Fault injection on the real binary: SIGKILL and SIGTERM at seeded random moments of `run`
//! and `sweep`, a full disk, damaged and missing files before resume, merge and report, and
//! directories that belong to something else. After each fault the output directory holds the
//! previous results intact or the exact uninterrupted ones — never a mixture — and the next
//! start removes what a killed process left.

// The wall clock only times when a fault is injected; no simulated value depends on it.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reports::integrity::{list_dir, verify_run, verify_sweep_top};
use reports::layout::{Manifest, Sealed as _, read_manifest};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dcfs-sim"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/examples")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcfs-faults-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(cmd: &mut Command) -> Output {
    let o = output(cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// A small deterministic generator for kill moments (the test must be reproducible too).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Kill,
    Term,
}

/// Starts `cmd`, delivers `fault` after `delay`, and waits for it to end; its status and pid.
fn interrupt(mut cmd: Command, delay: Duration, fault: Fault) -> (std::process::ExitStatus, u32) {
    let mut child: Child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    match fault {
        Fault::Kill => {
            let _ = child.kill();
        }
        Fault::Term => {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .stderr(Stdio::null())
                .status();
        }
    }
    (child.wait().unwrap(), child.id())
}

/// The digest of the run in `dir` after checking that its manifest holds, every file it lists
/// is intact, and it holds no file the manifest does not list.
fn intact_run(dir: &Path) -> String {
    let Some(Manifest::Run(m)) = read_manifest(dir).unwrap() else {
        panic!("{}: no run manifest", dir.display());
    };
    verify_run(dir, &m).unwrap_or_else(|e| panic!("a mixture or damage: {e}"));
    let owned = reports::integrity::hash_tree(dir, &[]).unwrap();
    assert_eq!(
        owned.keys().collect::<Vec<_>>(),
        m.files.keys().collect::<Vec<_>>(),
        "{}: files beside the manifest's",
        dir.display()
    );
    m.digest.clone()
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    list_dir(dir)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn elapsed_ms(cmd: &mut Command) -> u64 {
    let start = Instant::now();
    ok(cmd);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn run_cmd(file: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.arg("run").arg(file).arg("--out").arg(out);
    c
}

/// 30 kills of `run` (SIGKILL and SIGTERM alternating) while it replaces a run of another
/// scenario: the directory always holds one of the two runs, whole.
#[test]
fn killed_runs_leave_the_previous_run_or_the_new_one() {
    let dir = tmp("run-kills");
    let cases = [
        (example("emissions-40y.toml"), 20),
        (example("partition-healing.toml"), 10),
    ];
    let mut rng = Lcg(20_261_201);
    let mut faults = 0;
    for (file, kills) in &cases {
        // The other run the directory may hold: the same scenario with another seed.
        let out = dir.join("out");
        let _ = fs::remove_dir_all(&out);
        let mut other = run_cmd(file, &out);
        other.args(["--seed", "99"]);
        ok(&mut other);
        let seed_99 = intact_run(&out);
        let reference = dir.join("reference");
        let took_ms = elapsed_ms(&mut run_cmd(file, &reference));
        let wanted = intact_run(&reference);
        for k in 0..*kills {
            let fault = if k % 2 == 0 { Fault::Kill } else { Fault::Term };
            let delay = Duration::from_millis(rng.below(took_ms + took_ms / 10));
            let previous = intact_run(&out);
            let (status, pid) = interrupt(run_cmd(file, &out), delay, fault);
            faults += 1;
            let now = intact_run(&out);
            assert!(
                now == wanted || (now == previous && now == seed_99),
                "{fault:?} after {delay:?}: digest {now} is neither run"
            );
            if let Fault::Term = fault {
                // Exit 143 if the signal stopped it, 0 if it had finished; either way no
                // temporaries are left behind.
                assert!(
                    matches!(status.code(), Some(143 | 0) | None),
                    "SIGTERM: {status:?}"
                );
                if status.code() == Some(143) {
                    assert_eq!(now, previous, "an interrupted run replaced the directory");
                }
                let own: Vec<String> = hidden_entries(&dir)
                    .into_iter()
                    .filter(|n| n.ends_with(&format!("-{pid}")))
                    .collect();
                assert_eq!(own, Vec::<String>::new(), "left after SIGTERM");
            }
        }
        // The next start clears what SIGKILL left; a finished run is the uninterrupted one.
        ok(&mut run_cmd(file, &out));
        assert_eq!(intact_run(&out), wanted);
        assert_eq!(hidden_entries(&dir), Vec::<String>::new());
        fs::remove_dir_all(&reference).unwrap();
    }
    assert!(faults >= 30);
}

fn sweep_file(dir: &Path) -> PathBuf {
    let file = dir.join("sweep.toml");
    fs::write(
        &file,
        "[run]\nmode = \"schedule\"\nhorizon_days = 1500\n[sweep]\nseeds = 2\n[sweep.grid]\n\"supply.halving_period_days\" = [500, 1000, 2000]\n",
    )
    .unwrap();
    file
}

fn sweep_cmd(file: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(["--threads", "2"]);
    c
}

/// Every run folder with a manifest is whole; a top-level manifest, if any, is whole and has
/// the uninterrupted sweep digest.
fn sweep_state_is_clean(out: &Path, digest: &str) {
    if let Some(Manifest::Sweep(m)) = read_manifest(out).unwrap() {
        verify_sweep_top(out, &m).unwrap();
        assert_eq!(m.digest, digest);
    }
    let runs = out.join("runs");
    if runs.is_dir() {
        for (name, path) in list_dir(&runs).unwrap() {
            if !name.starts_with('.') && path.join("manifest.json").exists() {
                intact_run(&path);
            }
        }
    }
}

/// 20 kills of a sweep at random moments, each followed by a check of what is on disk; the
/// resumed sweep ends with the uninterrupted sweep's files, byte for byte.
#[test]
fn killed_sweeps_resume_to_the_uninterrupted_result() {
    let dir = tmp("sweep-kills");
    let file = sweep_file(&dir);
    let reference = dir.join("reference");
    let took_ms = elapsed_ms(&mut sweep_cmd(&file, &reference));
    let Some(Manifest::Sweep(wanted)) = read_manifest(&reference).unwrap() else {
        panic!("no sweep manifest");
    };
    let out = dir.join("out");
    let mut rng = Lcg(7);
    for k in 0..20 {
        let fault = if k % 2 == 0 { Fault::Kill } else { Fault::Term };
        // Most kills land mid-sweep; a fresh start every fifth time.
        if k % 5 == 0 {
            let _ = fs::remove_dir_all(&out);
        }
        let delay = Duration::from_millis(rng.below(took_ms + took_ms / 10));
        interrupt(sweep_cmd(&file, &out), delay, fault);
        sweep_state_is_clean(&out, &wanted.digest);
    }
    let o = ok(&mut sweep_cmd(&file, &out));
    assert!(String::from_utf8_lossy(&o.stdout).contains("kept from an earlier attempt"));
    let Some(Manifest::Sweep(got)) = read_manifest(&out).unwrap() else {
        panic!("no sweep manifest after resuming");
    };
    assert_eq!(
        got, wanted,
        "the resumed sweep differs from the uninterrupted one"
    );
    for f in ["summary.csv", "index.html", "runs/run_index=3/daily.csv"] {
        assert_eq!(
            fs::read(out.join(f)).unwrap(),
            fs::read(reference.join(f)).unwrap()
        );
    }
    assert_eq!(hidden_entries(&out.join("runs")), Vec::<String>::new());
    assert_eq!(hidden_entries(&dir), Vec::<String>::new());
}

/// Runs `cmd` with files limited to `kib` KiB (writes beyond fail with EFBIG, as on a full disk).
fn with_file_limit(cmd: &Command, kib: u64) -> Output {
    let mut limited = Command::new("bash");
    limited
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    output(&mut limited)
}

/// A tmpfs of `kib` KiB at `dir` where this machine allows mounting one (as root in a
/// container that permits it); `None` elsewhere.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, kib: u64) -> Option<Tmpfs> {
        fs::create_dir_all(dir).ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk fails the command with exit 1 and a message; the previous run stays intact, no
/// temporaries stay behind, and a sweep resumes once there is room.
#[test]
fn a_full_disk_keeps_the_previous_results() {
    let dir = tmp("full");
    let file = example("emissions-40y.toml");
    let out = dir.join("out");
    ok(run_cmd(&file, &out).args(["--seed", "5"]));
    let previous = intact_run(&out);
    for kib in [0, 64, 1024] {
        let o = with_file_limit(&run_cmd(&file, &out), kib);
        assert_eq!(o.status.code(), Some(1), "{kib} KiB: {}", stderr(&o));
        assert!(stderr(&o).contains("File too large"), "{}", stderr(&o));
        assert_eq!(intact_run(&out), previous);
        assert_eq!(hidden_entries(&dir), Vec::<String>::new());
    }
    // A real full file system where one can be mounted.
    if let Some(fs_) = Tmpfs::mount(&dir.join("small"), 512) {
        let small = fs_.0.join("out");
        let o = output(&mut run_cmd(&file, &small));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
        assert_eq!(
            list_dir(&fs_.0).unwrap(),
            Vec::new(),
            "nothing left on the full disk"
        );
    }
    let sweep = sweep_file(&dir);
    let sout = dir.join("sweep");
    let o = with_file_limit(&sweep_cmd(&sweep, &sout), 300);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    sweep_state_is_clean(&sout, "");
    ok(&mut sweep_cmd(&sweep, &sout));
    let reference = dir.join("sweep-ref");
    ok(&mut sweep_cmd(&sweep, &reference));
    assert_eq!(
        fs::read(sout.join("manifest.json")).unwrap(),
        fs::read(reference.join("manifest.json")).unwrap()
    );
}

fn merge_cmd(dirs: &[&Path], out: &Path) -> Command {
    let mut c = bin();
    c.arg("merge").args(dirs).arg("--out").arg(out);
    c
}

/// Damaged, missing, edited and duplicated runs are refused by merge and report, naming the
/// file and both hashes or both copies; identical duplicates are fine.
#[test]
fn merge_and_report_refuse_damaged_or_conflicting_runs() {
    let dir = tmp("damage");
    let file = sweep_file(&dir);
    let shard = |k: u64| {
        let d = dir.join(format!("s{k}"));
        ok(sweep_cmd(&file, &d).args(["--shard", &format!("{k}/2")]));
        d
    };
    let (s0, s1) = (shard(0), shard(1));
    let copy = dir.join("s0-copy");
    ok(Command::new("cp").arg("-r").arg(&s0).arg(&copy));
    // Identical duplicates merge.
    ok(&mut merge_cmd(&[&s0, &copy, &s1], &dir.join("m-ok")));
    let good = fs::read(dir.join("m-ok/manifest.json")).unwrap();
    // The same directory twice.
    let o = output(&mut merge_cmd(&[&s0, &s0, &s1], &dir.join("m-twice")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is given twice"), "{}", stderr(&o));
    type Harm = fn(&Path);
    let damage: [(&str, Harm); 4] = [
        ("truncated table", |run| {
            let t = fs::read(run.join("daily.csv")).unwrap();
            fs::write(run.join("daily.csv"), &t[..t.len() / 3]).unwrap();
        }),
        ("garbage Parquet", |run| {
            fs::write(run.join("daily.parquet"), b"PAR1 garbage").unwrap();
        }),
        ("deleted table", |run| {
            fs::remove_file(run.join("daily.csv")).unwrap()
        }),
        ("edited summary value", |run| {
            let m = fs::read_to_string(run.join("manifest.json")).unwrap();
            let edited = m.replacen("\"days\",\n      \"1500\"", "\"days\",\n      \"1501\"", 1);
            assert_ne!(m, edited, "the summary row has a days column");
            fs::write(run.join("manifest.json"), edited).unwrap();
        }),
    ];
    for (what, harm) in damage {
        let bad = dir.join("bad");
        let _ = fs::remove_dir_all(&bad);
        ok(Command::new("cp").arg("-r").arg(&s0).arg(&bad));
        harm(&bad.join("runs/run_index=2"));
        let o = output(&mut merge_cmd(&[&bad, &s1], &dir.join("m-bad")));
        assert_eq!(o.status.code(), Some(1), "{what}");
        let e = stderr(&o);
        assert!(e.contains("runs/run_index=2"), "{what}: {e}");
        if what == "truncated table" || what == "garbage Parquet" {
            assert!(
                e.contains("SHA-256 is") && e.contains("recorded"),
                "{what}: {e}"
            );
        }
        assert!(
            !dir.join("m-bad/manifest.json").exists(),
            "{what}: merged anyway"
        );
        // A resumed shard recomputes the damaged run and keeps the others.
        let o = ok(sweep_cmd(&file, &bad).args(["--shard", "0/2"]));
        let said = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            said.contains("2 kept from an earlier attempt, 1 computed"),
            "{what}: {said}"
        );
    }
    // The same run in two shards with different (internally consistent) content: the error
    // names both copies.
    let other = dir.join("s0-other");
    ok(Command::new("cp").arg("-r").arg(&s0).arg(&other));
    let mut m = reports::output::read_run_manifest(&other.join("runs/run_index=0"))
        .unwrap()
        .unwrap();
    m.digest = "0".repeat(64);
    let m = m.sealed();
    fs::write(
        other.join("runs/run_index=0/manifest.json"),
        serde_json::to_string_pretty(&m).unwrap(),
    )
    .unwrap();
    let o = output(&mut merge_cmd(&[&s0, &other, &s1], &dir.join("m-conflict")));
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("appears twice with different content")
            && e.contains(&*s0.join("runs/run_index=0").to_string_lossy())
            && e.contains(&*other.join("runs/run_index=0").to_string_lossy()),
        "{e}"
    );
    // report refuses a damaged sweep and leaves it as it was.
    let merged = dir.join("m-ok");
    fs::write(merged.join("runs/run_index=1/daily.csv"), "day\n0\n").unwrap();
    let o = output(bin().arg("report").arg(&merged));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("run_index=1/daily.csv"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(merged.join("manifest.json")).unwrap(), good);
}

/// A sweep into a directory holding another sweep, a run into a sweep, a sweep into a run, and
/// either into a folder of other files are refused before anything is computed or changed;
/// `--replace` replaces a sweep only when the new one is done.
#[test]
fn directories_belong_to_one_run_or_one_sweep() {
    let dir = tmp("belong");
    let file = sweep_file(&dir);
    let out = dir.join("out");
    ok(&mut sweep_cmd(&file, &out));
    let before = reports::integrity::hash_tree(&out, &[]).unwrap();
    let other = dir.join("other.toml");
    fs::write(
        &other,
        fs::read_to_string(&file)
            .unwrap()
            .replace("seeds = 2", "seeds = 3"),
    )
    .unwrap();
    let o = output(&mut sweep_cmd(&other, &out));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds another sweep"), "{}", stderr(&o));
    assert_eq!(reports::integrity::hash_tree(&out, &[]).unwrap(), before);
    let o = output(&mut run_cmd(&example("emissions-40y.toml"), &out));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a sweep"), "{}", stderr(&o));
    let run = dir.join("run");
    ok(&mut run_cmd(&example("emissions-40y.toml"), &run));
    let o = output(&mut sweep_cmd(&file, &run));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a run"), "{}", stderr(&o));
    let foreign = dir.join("foreign");
    fs::create_dir_all(&foreign).unwrap();
    fs::write(foreign.join("notes.txt"), "mine").unwrap();
    for mut cmd in [run_cmd(&file, &foreign), sweep_cmd(&file, &foreign)] {
        let o = output(&mut cmd);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            fs::read_to_string(foreign.join("notes.txt")).unwrap(),
            "mine"
        );
    }
    ok(sweep_cmd(&other, &out).arg("--replace"));
    let Some(Manifest::Sweep(m)) = read_manifest(&out).unwrap() else {
        panic!("no sweep");
    };
    assert_eq!(m.runs, 9);
    assert_eq!(hidden_entries(&dir), Vec::<String>::new());
}

/// A run into the directory of an earlier run with more tables keeps none of them.
#[test]
fn a_new_run_leaves_no_stale_files() {
    let dir = tmp("stale");
    let out = dir.join("out");
    ok(&mut run_cmd(&example("partition-healing.toml"), &out));
    ok(&mut run_cmd(&example("emissions-40y.toml"), &out));
    intact_run(&out);
    assert!(!out.join("blocks.csv").exists());
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("blocks"), "index.html links a stale table");
}

/// Inputs are bounded by the bytes actually read: devices, pipes and FIFOs too.
#[test]
fn inputs_are_bounded_by_bytes_read() {
    let o = output(bin().args(["validate", "/dev/zero"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
    let mut child = bin()
        .args(["validate", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        let chunk = vec![b'#'; 1 << 20];
        for _ in 0..50 {
            if stdin.write_all(&chunk).is_err() {
                break; // the reader stopped at its limit
            }
        }
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
}

/// Shards of one sweep started at the same instant on one shared directory (a Slurm array
/// does this) all claim it, and their merge is the one-machine sweep.
#[test]
fn shards_started_together_share_one_directory() {
    let dir = tmp("together");
    let file = dir.join("tiny.toml");
    fs::write(
        &file,
        "[run]\nmode = \"schedule\"\nhorizon_days = 10\n[outputs]\ndaily = false\n[sweep]\nseeds = 12\n",
    )
    .unwrap();
    let shared = dir.join("shared");
    for attempt in 0..30 {
        let _ = fs::remove_dir_all(&shared);
        let children: Vec<Child> = (0..12)
            .map(|k| {
                sweep_cmd(&file, &shared)
                    .args(["--shard", &format!("{k}/12")])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert!(o.status.success(), "attempt {attempt}: {}", stderr(&o));
        }
    }
    ok(bin().arg("merge").arg(&shared));
    let reference = dir.join("reference");
    ok(&mut sweep_cmd(&file, &reference));
    assert_eq!(
        reports::integrity::hash_tree(&shared, &[]).unwrap(),
        reports::integrity::hash_tree(&reference, &[]).unwrap()
    );
}
