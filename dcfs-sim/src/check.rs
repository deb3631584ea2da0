//! `dcfs-sim check`: a determinism self-check. A run is computed on one thread and on N (its
//! settlement chunks, contracts, table writer and inequality samples then use other threads); a
//! sweep with one thread, with N threads, and as two shards merged. Every table digest and every
//! file hash must agree; otherwise the first difference is named and the command fails.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use reports::layout::{MANIFEST, RunManifest, SweepManifest, read_json};
use reports::output::{read_run_manifest, run_dir};
use scenarios::Shard;
use scenarios::load::Format;

use crate::{SweepOptions, bad, merge, prepare, run_one, sweep};

/// How `check` runs.
pub(crate) struct CheckOptions {
    /// Threads of the parallel sweep (compared with one thread).
    pub threads: usize,
    /// Caps `run.horizon_days` (a shortened copy of the file is checked).
    pub max_days: Option<u64>,
    /// Caps `consensus.full_nodes` (likewise): a gossip overlay of thousands of full nodes is
    /// minutes per simulated day in a debug build, and a smaller one exercises the same code.
    pub max_full_nodes: Option<u64>,
    /// Where the copies go; kept. Default: a temporary directory, removed on success.
    pub work: Option<PathBuf>,
}

/// Runs the check; `Ok` with what was compared, or an error naming the first difference.
pub(crate) fn check(file: &Path, opts: &CheckOptions) -> anyhow::Result<String> {
    let work = opts.work.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("dcfs-sim-check-{}", std::process::id()))
    });
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("emptying the work directory {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)
        .with_context(|| format!("creating the work directory {}", work.display()))?;
    let (shown, file) = (file.display().to_string(), file);
    let file = if opts.max_days.is_some() || opts.max_full_nodes.is_some() {
        shortened(file, &work, opts)?
    } else {
        file.to_path_buf()
    };
    let runs = prepare(&file, true)?.plan.len();
    let said = if runs > 1 {
        check_sweep(&file, &work, opts.threads)?
    } else {
        check_run(&file, &work, opts.threads)?
    };
    let mut caps = Vec::new();
    if let Some(d) = opts.max_days {
        caps.push(format!(
            "horizon capped at {d} day{}",
            if d == 1 { "" } else { "s" }
        ));
    }
    if let Some(f) = opts.max_full_nodes {
        caps.push(format!("full nodes capped at {f}"));
    }
    let capped = if caps.is_empty() {
        String::new()
    } else {
        format!(" ({})", caps.join(", "))
    };
    let said = format!("{shown}{capped}: {said}");
    if opts.work.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(said)
}

fn check_run(file: &Path, work: &Path, threads: usize) -> anyhow::Result<String> {
    let (a, b) = (
        work.join("threads-1"),
        work.join(format!("threads-{threads}")),
    );
    sim_core::threads::set_run_threads(1);
    run_one(file, None, &a)?;
    sim_core::threads::set_run_threads(threads);
    run_one(file, None, &b)?;
    let m = compare_runs(&a, &b, &format!("the run on 1 and on {threads} threads"))?;
    Ok(format!(
        "deterministic: the run on 1 and on {threads} threads gave the same {} tables and {} \
         files (digest {})",
        m.tables.len(),
        m.files.len(),
        m.digest
    ))
}

fn check_sweep(file: &Path, work: &Path, threads: usize) -> anyhow::Result<String> {
    let options = |threads, shard| SweepOptions {
        threads,
        shard,
        resume: false,
        replace: false,
    };
    let one = work.join("threads-1");
    let many = work.join(format!("threads-{threads}"));
    sweep(file, &one, &options(1, None))?;
    sweep(file, &many, &options(threads, None))?;
    let shards: Vec<PathBuf> = (0..2)
        .map(|k| work.join(format!("shard-{k}-of-2")))
        .collect();
    for (k, dir) in (0..).zip(&shards) {
        sweep(
            file,
            dir,
            &options(threads, Some(Shard { index: k, count: 2 })),
        )?;
    }
    let merged = work.join("merged");
    merge(&merged, &shards)?;
    let m = compare_sweeps(&one, &many, &format!("1 thread vs {threads} threads"))?;
    compare_sweeps(&one, &merged, "one machine vs 2 shards merged")?;
    Ok(format!(
        "deterministic: {} runs gave the same tables and files with 1 and {threads} threads \
         and as 2 merged shards (sweep digest {})",
        m.runs, m.digest
    ))
}

/// The first difference between two run directories, as an error.
fn compare_runs(a: &Path, b: &Path, what: &str) -> anyhow::Result<RunManifest> {
    let read = |dir: &Path| -> anyhow::Result<RunManifest> {
        read_run_manifest(dir)?.with_context(|| format!("{}: no manifest", dir.display()))
    };
    let (ma, mb) = (read(a)?, read(b)?);
    for (ta, tb) in ma.tables.iter().zip(&mb.tables) {
        if ta != tb {
            anyhow::bail!(
                "not deterministic ({what}): table {} differs: {} rows, digest {} in {} vs {} rows, digest {} in {}",
                ta.name,
                ta.rows,
                ta.digest,
                a.display(),
                tb.rows,
                tb.digest,
                b.display()
            );
        }
    }
    if ma.tables.len() != mb.tables.len() || ma.digest != mb.digest {
        anyhow::bail!(
            "not deterministic ({what}): run digest {} in {} vs {} in {} (tables or summary)",
            ma.digest,
            a.display(),
            mb.digest,
            b.display()
        );
    }
    first_file_difference(&ma.files, &mb.files, a, b, what)?;
    Ok(ma)
}

fn first_file_difference(
    fa: &std::collections::BTreeMap<String, String>,
    fb: &std::collections::BTreeMap<String, String>,
    a: &Path,
    b: &Path,
    what: &str,
) -> anyhow::Result<()> {
    let names = fa.keys().chain(fb.keys());
    if let Some(name) = names.into_iter().find(|n| fa.get(*n) != fb.get(*n)) {
        let hash = |f: &std::collections::BTreeMap<String, String>| {
            f.get(name).cloned().unwrap_or_else(|| "absent".to_owned())
        };
        anyhow::bail!(
            "not deterministic ({what}): file {name} differs: SHA-256 {} in {} vs {} in {}",
            hash(fa),
            a.display(),
            hash(fb),
            b.display()
        );
    }
    Ok(())
}

fn compare_sweeps(a: &Path, b: &Path, what: &str) -> anyhow::Result<SweepManifest> {
    let read = |dir: &Path| -> anyhow::Result<SweepManifest> {
        let path = dir.join(MANIFEST);
        read_json(&path)?.with_context(|| format!("{}: no sweep manifest", path.display()))
    };
    let (ma, mb) = (read(a)?, read(b)?);
    for i in 0..ma.runs.min(mb.runs) {
        compare_runs(&run_dir(a, i), &run_dir(b, i), &format!("{what}, run {i}"))?;
    }
    if ma.digest != mb.digest || ma.runs != mb.runs {
        anyhow::bail!(
            "not deterministic ({what}): sweep digest {} in {} vs {} in {}",
            ma.digest,
            a.display(),
            mb.digest,
            b.display()
        );
    }
    first_file_difference(&ma.files, &mb.files, a, b, what)?;
    Ok(ma)
}

/// Sets `run.horizon_days` to `horizon`, caps `consensus.full_nodes` (and the per-full-node
/// region list) at `full_nodes`, makes node CSV paths absolute, and drops timeline events at or
/// after the horizon (they would be refused).
fn shorten(
    v: &mut serde_json::Value,
    horizon: u64,
    full_nodes: Option<u64>,
    absolute: &dyn Fn(&str) -> String,
) {
    if let (Some(cap), Some(consensus)) = (full_nodes, v.get_mut("consensus")) {
        if let Some(count) = consensus.get_mut("full_nodes")
            && count.as_u64().is_some_and(|c| c > cap)
        {
            *count = cap.into();
        }
        let regions = consensus
            .get_mut("latency")
            .and_then(|l| l.get_mut("full_node_regions"))
            .and_then(serde_json::Value::as_array_mut);
        if let Some(regions) = regions {
            regions.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        }
    }
    if let Some(obj) = v.as_object_mut() {
        let run = obj
            .entry("run")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if let Some(run) = run.as_object_mut() {
            run.insert("horizon_days".to_owned(), horizon.into());
        }
    }
    let groups = v
        .get_mut("economy")
        .and_then(|e| e.get_mut("node_groups"))
        .and_then(serde_json::Value::as_array_mut);
    for g in groups.into_iter().flatten() {
        if let Some(serde_json::Value::String(csv)) = g.get_mut("from_csv") {
            *csv = absolute(csv);
        }
    }
    if let Some(serde_json::Value::Array(events)) = v.get_mut("events") {
        events.retain(|e| {
            let at = |k: &str, scale: u64| {
                e.get(k)
                    .and_then(serde_json::Value::as_u64)
                    .map(|v| v.saturating_mul(scale))
            };
            at("day", 86_400).or(at("at_s", 1)).unwrap_or(0) < horizon.saturating_mul(86_400)
        });
    }
}

/// A copy of `file` in `work` within the caps of `opts` (same file name, so manifests name the
/// original).
fn shortened(file: &Path, work: &Path, opts: &CheckOptions) -> anyhow::Result<PathBuf> {
    let doc = scenarios::read_document(file).map_err(bad)?;
    let horizon = doc.load().map_err(bad)?.spec.horizon_days();
    let horizon = opts.max_days.map_or(horizon, |d| horizon.min(d));
    // The copy lives elsewhere: data files it names relative to the original must still resolve.
    let folder = file.parent().unwrap_or(Path::new("."));
    let absolute = |rel: &str| -> String {
        let p = folder.join(rel);
        std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
    };
    // One edit for both formats: TOML goes through the same JSON value and back.
    let mut v: serde_json::Value = match doc.format {
        Format::Toml => {
            let t: toml::Table = toml::from_str(&doc.text).context("re-reading the TOML")?;
            serde_json::to_value(t).context("reading the TOML as a value")?
        }
        Format::Json => serde_json::from_str(&doc.text).context("re-reading the JSON")?,
    };
    shorten(&mut v, horizon, opts.max_full_nodes, &absolute);
    let text = match doc.format {
        Format::Toml => {
            let t: toml::Table = serde_json::from_value(v).context("back to TOML")?;
            toml::to_string(&t).context("writing the shortened TOML")?
        }
        Format::Json => serde_json::to_string_pretty(&v).context("writing the shortened JSON")?,
    };
    let name = file
        .file_name()
        .context("the scenario path names no file")?;
    let copy = work.join(name);
    std::fs::write(&copy, text).with_context(|| format!("writing {}", copy.display()))?;
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(dir: &Path, name: &str, days: u64) -> PathBuf {
        let file = dir.join(name);
        let text = format!("[run]\nmode = \"schedule\"\nhorizon_days = {days}\n");
        std::fs::write(&file, text).unwrap();
        file
    }

    #[test]
    fn a_difference_names_the_first_differing_table_or_file() {
        let dir = std::env::temp_dir().join(format!("dcfs-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        run_one(&scenario(&dir, "s.toml", 30), None, &a).unwrap();
        run_one(&scenario(&dir, "s.toml", 30), None, &b).unwrap();
        run_one(&scenario(&dir, "s.toml", 31), None, &c).unwrap();
        compare_runs(&a, &b, "twice").unwrap();
        let e = compare_runs(&a, &c, "twice").unwrap_err().to_string();
        assert!(e.contains("table daily differs: 30 rows"), "{e}");
        // Same tables, one file's bytes different (as a nondeterministic writer would give).
        let path = b.join(MANIFEST);
        let mut m: RunManifest =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        m.files.insert("index.html".to_owned(), "0".repeat(64));
        std::fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
        let e = compare_runs(&a, &b, "twice").unwrap_err().to_string();
        assert!(e.contains("file index.html differs"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The full-node cap shortens the count and the per-node region list, and nothing else.
    #[test]
    fn full_nodes_are_capped_with_their_regions() {
        let mut v = serde_json::json!({
            "run": { "horizon_days": 3 },
            "consensus": {
                "validators": 21,
                "full_nodes": 2000,
                "latency": { "kind": "regions", "full_node_regions": [0, 1, 2, 0, 1] }
            }
        });
        shorten(&mut v, 1, Some(3), &str::to_owned);
        assert_eq!(v["run"]["horizon_days"], 1);
        assert_eq!(v["consensus"]["full_nodes"], 3);
        assert_eq!(v["consensus"]["validators"], 21);
        assert_eq!(
            v["consensus"]["latency"]["full_node_regions"],
            serde_json::json!([0, 1, 2])
        );
        // Under the cap: unchanged.
        shorten(&mut v, 1, Some(200), &str::to_owned);
        assert_eq!(v["consensus"]["full_nodes"], 3);
    }
}
