//! The search job: a `[search]` bisection run into a directory — runs in
//! `runs/run_index=<i>/` exactly as a sweep writes them (so resume and integrity checks are the
//! sweep's), then `search.csv` (one row per evaluated value) and `search.json` (the answer,
//! the evaluations and a digest over every run used; sealed).
//!
//! Sharding: with `--shard K/N` each process computes the runs of every batch whose index is
//! K mod N and waits for the others' runs to appear in the shared directory before it decides;
//! every process therefore takes the same decisions, and shard 0 writes the top level.

use std::path::Path;
use std::time::Duration;

use scenarios::search::{Answer, Bisection, Search, Verdict};
use scenarios::{RunSpec, Shard};
use serde::{Deserialize, Serialize};

use crate::integrity::verify_run;
use crate::job::{JobError, Prepared, SweepWatch, keep_or_compute};
use crate::layout::{
    FileError, PROGRAM, RunManifest, Sealed, SweepIdentity, read_run_manifest, run_dir,
};
use crate::merge::claim_sweep_dir;
use crate::output::{OutputError, write_file, write_json};

/// The search's answer file.
pub const SEARCH_RESULT: &str = "search.json";
/// The table of evaluated values.
pub const SEARCH_TABLE: &str = "search.csv";
/// How often a shard looks for the other shards' runs.
const WAIT_POLL: Duration = Duration::from_millis(200);

/// One evaluated value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Order of evaluation (0 = the first value checked); its runs are
    /// `evaluation × max_seeds + k`.
    pub evaluation: u64,
    /// The search value (an integer, wei, or a list position).
    pub value: String,
    /// What the key was set to, in short (the value, or "first 10 of 21" entries of a list).
    pub setting: String,
    /// Seeds run.
    pub seeds: u64,
    /// Runs whose summary satisfied the predicate.
    pub successes: u64,
    /// successes / seeds.
    pub probability: f64,
    /// Wilson interval at the search's confidence.
    pub wilson_low: f64,
    /// Wilson interval at the search's confidence.
    pub wilson_high: f64,
    /// `holds` or `fails`.
    pub verdict: String,
    /// False if the interval still contained the required probability at `max_seeds` and the
    /// point estimate decided.
    pub confident: bool,
}

/// What `search.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchResult {
    /// Program and version.
    pub program: String,
    /// Scenario file name.
    pub scenario_file: String,
    /// Identity of the search (digest of the resolved scenario with its `[search]`).
    pub search_id: String,
    /// The searched key.
    pub key: String,
    /// `largest` or `smallest`.
    pub find: String,
    /// The predicate.
    pub predicate: String,
    /// Required probability, basis points.
    pub probability_bps: u32,
    /// Confidence of each verdict, basis points.
    pub confidence_bps: u32,
    /// `bracket`, `whole_range` or `nowhere`.
    pub answer: String,
    /// The sought value: the largest (smallest) value that holds (bracket only).
    pub holds: Option<String>,
    /// Its neighbour that fails (bracket only).
    pub fails: Option<String>,
    /// True if every verdict was decided by its interval, not a point estimate.
    pub confident: bool,
    /// Every evaluation, in order.
    pub evaluations: Vec<Evaluation>,
    /// Digest over every run used (index and output digest, in index order).
    pub digest: String,
    /// As [`crate::layout::RunManifest::seal`].
    pub seal: String,
}

impl Sealed for SearchResult {
    fn seal_field(&mut self) -> &mut String {
        &mut self.seal
    }
}

/// How a search runs.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// Runs computed at once (the bytes written do not depend on it).
    pub threads: usize,
    /// This process's share of each batch's runs.
    pub shard: Option<Shard>,
    /// Keep intact runs found on disk.
    pub resume: bool,
}

/// Runs the search of `p` into `out` and returns its result (written by shard 0, or when
/// unsharded).
pub fn search(
    p: &Prepared,
    out: &Path,
    opts: &SearchOptions,
    watch: &dyn SweepWatch,
) -> Result<SearchResult, JobError> {
    let raw = p.base.resolved.search.as_ref().ok_or_else(|| {
        OutputError::from(FileError::not_ours(
            &p.doc.path,
            "has no [search] section: add one (see scenarios/README.md) or use `dcfs-sim sweep`",
        ))
    })?;
    let search = Search::new(raw, p.base.spec.mode(), p.base.spec.seed())
        .expect("validation checked the search");
    // Both ends validate before any run: a bad point is the user's, found up front.
    let (lo, hi) = search.range();
    for v in [lo, hi] {
        p.doc.load_point(&[search.override_at(v)])?;
    }
    let total = search.max_evaluations() * search.max_seeds();
    let identity = SweepIdentity {
        program: PROGRAM.to_owned(),
        scenario_file: p.file_name.clone(),
        sweep_id: p.sweep_id.to_string(),
        runs: total,
        design: None,
    };
    claim_sweep_dir(out, &identity)?;
    let shard = opts.shard.unwrap_or(Shard { index: 0, count: 1 });
    let mut bisection = Bisection::new(&search);
    let mut evaluations = Vec::new();
    let mut used: Vec<(u64, sim_core::Digest)> = Vec::new();
    while let Some(value) = bisection.next() {
        let e = evaluations.len() as u64;
        let (ev, runs) = evaluate(p, &search, out, e, value, opts, shard, total, watch)?;
        watch.evaluated(&describe(&search, &ev));
        bisection.record(value, ev.verdict == "holds");
        used.extend(runs);
        evaluations.push(ev);
    }
    let answer = bisection.answer().expect("the bisection ended");
    used.sort_by_key(|(i, _)| *i);
    let digest = scenarios::sweep_digest(used.iter().map(|(i, d)| (*i, d))).to_string();
    let (kind, holds, fails) = match answer {
        Answer::Bracket { holds, fails } => {
            ("bracket", Some(holds.to_string()), Some(fails.to_string()))
        }
        Answer::WholeRange => ("whole_range", None, None),
        Answer::Nowhere => ("nowhere", None, None),
    };
    let result = SearchResult {
        program: PROGRAM.to_owned(),
        scenario_file: p.file_name.clone(),
        search_id: p.sweep_id.to_string(),
        key: search.key().to_owned(),
        find: format!("{:?}", search.find()).to_lowercase(),
        predicate: raw.predicate.clone(),
        probability_bps: raw.probability_bps,
        confidence_bps: raw.confidence_bps,
        answer: kind.to_owned(),
        holds,
        fails,
        confident: evaluations.iter().all(|e| e.confident),
        evaluations,
        digest,
        seal: String::new(),
    }
    .sealed();
    if shard.index == 0 {
        write_search_table(&out.join(SEARCH_TABLE), &result.evaluations)?;
        write_json(&out.join(SEARCH_RESULT), &result)?;
    }
    Ok(result)
}

/// One line saying what an evaluation found.
fn describe(search: &Search, ev: &Evaluation) -> String {
    format!(
        "{} = {}: {} of {} seeds ({:.3}, Wilson [{:.3}, {:.3}]) → {}{}",
        search.key(),
        ev.setting,
        ev.successes,
        ev.seeds,
        ev.probability,
        ev.wilson_low,
        ev.wilson_high,
        ev.verdict,
        if ev.confident {
            ""
        } else {
            " (uncertain at max_seeds: by point estimate)"
        }
    )
}

/// Evaluates search value `value` as evaluation `e`: batches of seeds until the verdict is
/// certain or `max_seeds` are used. Returns the evaluation and its runs' digests.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    p: &Prepared,
    search: &Search,
    out: &Path,
    e: u64,
    value: i128,
    opts: &SearchOptions,
    shard: Shard,
    total: u64,
    watch: &dyn SweepWatch,
) -> Result<(Evaluation, Vec<(u64, sim_core::Digest)>), JobError> {
    let over = search.override_at(value);
    let setting = search.label(value);
    let loaded = p.doc.load_point(std::slice::from_ref(&over))?;
    let (mut seeds, mut successes) = (0_u64, 0_u64);
    let mut digests = Vec::new();
    let verdict = loop {
        let batch_end = (seeds + search.seeds_per_batch()).min(search.max_seeds());
        let indices: Vec<u64> = (seeds..batch_end)
            .map(|k| e * search.max_seeds() + k)
            .collect();
        let mine: Vec<u64> = indices
            .iter()
            .copied()
            .filter(|i| i % shard.count == shard.index)
            .collect();
        let spec_of = |i: u64| RunSpec {
            index: i,
            point: e,
            seed: p.base.spec.seed() + i % search.max_seeds(),
            overrides: vec![over.clone()],
        };
        // This shard's runs come back with their manifests (computed here, or kept after
        // their check); only other shards' runs are waited for and re-hashed.
        let computed = scenarios::par_map_ordered(&mine, opts.threads, |i| {
            if watch.stop() {
                return Err(JobError::NotStarted(i));
            }
            let spec = spec_of(i);
            let run = loaded.clone().with_seed(spec.seed);
            let (done, m) =
                keep_or_compute(out, p.context(&spec, &run, total), opts.resume, watch)?;
            watch.run_done(i, matches!(done, crate::job::Done::Kept));
            Ok((i, m))
        })?;
        let mut computed = computed.into_iter().peekable();
        for &i in &indices {
            let m = match computed.next_if(|(k, _)| *k == i) {
                Some((_, m)) => m,
                None => wait_for_run(out, i, watch)?,
            };
            let ok = search
                .predicate()
                .eval(&|c| {
                    m.summary
                        .iter()
                        .find(|(k, _)| k == c)
                        .map(|(_, v)| v.as_str())
                })
                .map_err(|why| {
                    OutputError::Merge(format!("run {i}: the search predicate: {why}"))
                })?;
            successes += u64::from(ok);
            digests.push((i, crate::merge::parse_digest(&m.digest)));
        }
        seeds = batch_end;
        let v = search.verdict(successes, seeds);
        if v != Verdict::Uncertain || seeds == search.max_seeds() {
            break v;
        }
    };
    let (wilson_low, wilson_high) = search.wilson_interval(successes, seeds);
    let holds = match verdict {
        Verdict::Holds => true,
        Verdict::Fails => false,
        Verdict::Uncertain => {
            u128::from(successes) * 10_000
                >= u128::from(seeds) * u128::from(search.probability_bps())
        }
    };
    Ok((
        Evaluation {
            evaluation: e,
            value: value.to_string(),
            setting,
            seeds,
            successes,
            probability: successes as f64 / seeds as f64,
            wilson_low,
            wilson_high,
            verdict: if holds { "holds" } else { "fails" }.to_owned(),
            confident: verdict != Verdict::Uncertain,
        },
        digests,
    ))
}

/// Run `i`'s manifest once it is finished and intact (another shard may still be computing it).
fn wait_for_run(out: &Path, i: u64, watch: &dyn SweepWatch) -> Result<RunManifest, JobError> {
    let dir = run_dir(out, i);
    loop {
        if let Some(m) = read_run_manifest(&dir)? {
            verify_run(&dir, &m)?;
            return Ok(m);
        }
        if watch.stop() {
            return Err(JobError::NotStarted(i));
        }
        std::thread::sleep(WAIT_POLL);
    }
}

fn write_search_table(path: &Path, evaluations: &[Evaluation]) -> Result<(), OutputError> {
    // The header is the data dictionary's (tables/ spells every column).
    let columns: Vec<&str> = scenarios::tables::dictionary::TABLES
        .iter()
        .find(|d| d.name == scenarios::tables::names::SEARCH)
        .map(|d| d.all_columns().map(|c| c.name).collect())
        .unwrap_or_default();
    debug_assert_eq!(columns.len(), 10, "search.csv's ten columns");
    let mut text = columns.join(",");
    text.push('\n');
    for e in evaluations {
        let setting = e.setting.replace('"', "\"\"");
        text.push_str(&format!(
            "{},{},\"{setting}\",{},{},{},{},{},{},{}\n",
            e.evaluation,
            e.value,
            e.seeds,
            e.successes,
            e.probability,
            e.wilson_low,
            e.wilson_high,
            e.verdict,
            e.confident
        ));
    }
    write_file(path, |w| std::io::Write::write_all(w, text.as_bytes()))
}
