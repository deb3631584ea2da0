//! `dcfs-sim search` and `dcfs-sim sensitivity`: the commands that answer a question over many
//! runs rather than list them — a threshold bracket, or which keys drive a metric.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use reports::job::{Prepared, SweepWatch};
use reports::layout::{Manifest, read_manifest};
use reports::search::{SearchOptions, SearchResult};

use super::{Usage, job_error, say, stop_signal};

/// Stops a search at a signal; prints each evaluated value as it is decided.
struct SearchWatch;

impl SweepWatch for SearchWatch {
    fn stop(&self) -> bool {
        stop_signal().is_some()
    }
}

pub(super) fn search(p: &Prepared, out: &Path, opts: &SearchOptions) -> anyhow::Result<()> {
    let result = reports::search::search(p, out, opts, &SearchWatch).map_err(job_error)?;
    say(&answer_text(&result, out))
}

fn answer_text(r: &SearchResult, out: &Path) -> String {
    let runs: u64 = r.evaluations.iter().map(|e| e.seeds).sum();
    let setting = |value: &Option<String>| {
        r.evaluations
            .iter()
            .find(|e| Some(&e.value) == value.as_ref())
            .map_or_else(String::new, |e| e.setting.clone())
    };
    let mut text = match r.answer.as_str() {
        "bracket" => format!(
            "{} {} value of {} with P({}) >= {}%: {} (holds); {} fails\n",
            "the",
            r.find,
            r.key,
            r.predicate,
            f64::from(r.probability_bps) / 100.0,
            setting(&r.holds),
            setting(&r.fails)
        ),
        "whole_range" => format!(
            "{} holds with the required probability over the whole range of {}\n",
            r.predicate, r.key
        ),
        _ => format!(
            "{} holds nowhere in the range of {} (not even at its {} end)\n",
            r.predicate,
            r.key,
            if r.find == "largest" {
                "lower"
            } else {
                "upper"
            }
        ),
    };
    if !r.confident {
        text.push_str(
            "note: some verdicts were decided by the point estimate at max_seeds (see search.csv)\n",
        );
    }
    let _ = writeln!(
        text,
        "{} values, {runs} runs in {} (digest {})",
        r.evaluations.len(),
        out.display(),
        r.digest
    );
    text
}

pub(super) fn sensitivity(dir: &Path, metrics: &[String]) -> anyhow::Result<()> {
    let context = || format!("sensitivity of {}", dir.display());
    let recorded = match read_manifest(dir).with_context(context)? {
        Some(Manifest::Sweep(m)) => m,
        _ => {
            return Err(anyhow::Error::new(Usage(format!(
                "{}: not a finished sweep directory (no sweep manifest.json)",
                dir.display()
            ))));
        }
    };
    reports::merge::check_metrics(dir, metrics).map_err(|e| anyhow::Error::new(Usage(e)))?;
    reports::merge::add_sensitivity(dir, &recorded, metrics).map_err(|e| {
        let message = e.to_string();
        match e {
            reports::output::OutputError::Merge(_) => anyhow::Error::new(Usage(message)),
            e => anyhow::Error::new(e).context(context()),
        }
    })?;
    let table = reports::report::load_table(dir, reports::sensitivity::SENSITIVITY)
        .with_context(context)?
        .unwrap_or_else(|| scenarios::Table::new(reports::sensitivity::SENSITIVITY));
    let text = indices_text(&table, metrics);
    say(&text)?;
    if text.lines().count() <= 1 {
        anyhow::bail!(
            "no indices could be computed (see {}): every metric is constant over the design",
            dir.join(reports::layout::INDEX).display()
        );
    }
    Ok(())
}

/// The rows of `metrics` as aligned text.
fn indices_text(t: &scenarios::Table, metrics: &[String]) -> String {
    let mut text = format!(
        "{:<28} {:<40} {:<12} {:>12} {:>25}\n",
        "metric", "key", "index", "estimate", "95% interval"
    );
    for (m, k, i, e, lo, hi) in reports::sensitivity::rows_of(t) {
        if metrics.contains(&m) {
            let _ = writeln!(
                text,
                "{m:<28} {k:<40} {i:<12} {e:>12.4} {lo:>12.4} {hi:>12.4}"
            );
        }
    }
    text
}
