//! Threshold search (`[search]`): the largest (or smallest) value of one scenario key at which a
//! predicate over the run summary holds with a required probability over Monte Carlo seeds.
//!
//! A value's verdict comes from its success count: *holds* if the whole Wilson interval at the
//! chosen confidence lies at or above the required probability, *fails* if it lies below,
//! otherwise another batch of seeds is run, up to `max_seeds`, after which the point estimate
//! decides and the verdict is marked uncertain. The test is exact integer arithmetic (p is
//! inside the Wilson interval iff (s − n·p)² ≤ z²·n·p·(1 − p)), so a verdict never depends on
//! float rounding. Every value runs the same seeds (common random numbers), which makes
//! neighbouring values' verdicts differ by the key, not by luck.
//!
//! The search assumes the verdict is monotone in the key and bisects: it checks both ends of
//! the range, then halves the bracket between a value that holds and one that fails. Run
//! numbering: evaluation `e` (0 = the first value checked) and seed `k` is run
//! `e × max_seeds + k`, with seed `run.seed + k`; the order of evaluations is a function of the
//! verdicts, so a resumed or sharded search retraces it.

use sim_core::Amount;

use crate::error::Issue;
use crate::format::{Mode, RawSearch, SearchFind};
use crate::limits::{MAX_SEED, MAX_SEEDS};
use crate::predicate::Predicate;
use crate::tables::dictionary;

/// Confidence levels a verdict may be taken at (basis points) and their two-sided normal
/// quantile z, in millionths.
pub const CONFIDENCE_Z_MICROS: [(u32, u64); 7] = [
    (8_000, 1_281_552),
    (9_000, 1_644_854),
    (9_500, 1_959_964),
    (9_800, 2_326_348),
    (9_900, 2_575_829),
    (9_950, 2_807_034),
    (9_990, 3_290_527),
];

/// What the key takes at a search value.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Integer,
    Amount,
    List(Vec<toml::Value>),
    FirstOf(Vec<toml::Value>),
}

/// A validated `[search]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    key: String,
    lo: i128,
    hi: i128,
    values: Values,
    find: SearchFind,
    predicate: Predicate,
    probability_bps: u32,
    z_micros: u64,
    seeds_per_batch: u64,
    max_seeds: u64,
}

/// A value's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The Wilson interval lies at or above the required probability.
    Holds,
    /// It lies below.
    Fails,
    /// It contains the required probability: more seeds are needed.
    Uncertain,
}

impl Search {
    /// Checks `raw` for a scenario of `mode` whose run seed is `seed`.
    pub fn new(raw: &RawSearch, mode: Mode, seed: u64) -> Result<Search, Issue> {
        check_key(&raw.key)?;
        let predicate = predicate(raw, mode)?;
        let (values, lo, hi) = values_and_range(raw)?;
        if !(1..=9_999).contains(&raw.probability_bps) {
            return Err(Issue::range(
                "search.probability_bps",
                format!(
                    "{} bps is not a probability a test can reach",
                    raw.probability_bps
                ),
                "1 to 9999 basis points, e.g. 9900 for 99%",
            ));
        }
        let z_micros = CONFIDENCE_Z_MICROS
            .iter()
            .find(|(c, _)| *c == raw.confidence_bps)
            .map(|(_, z)| *z)
            .ok_or_else(|| {
                let allowed: Vec<String> = CONFIDENCE_Z_MICROS
                    .iter()
                    .map(|(c, _)| c.to_string())
                    .collect();
                Issue::range(
                    "search.confidence_bps",
                    format!("confidence {} bps is not offered", raw.confidence_bps),
                    &format!("one of {}", allowed.join(", ")),
                )
            })?;
        if !(1..=MAX_SEEDS).contains(&raw.max_seeds)
            || seed
                .checked_add(raw.max_seeds - 1)
                .is_none_or(|s| s > MAX_SEED)
        {
            return Err(Issue::range(
                "search.max_seeds",
                format!("{} seeds per value", raw.max_seeds),
                &format!("1 to {MAX_SEEDS}, and run.seed + max_seeds − 1 at most {MAX_SEED}"),
            ));
        }
        if !(1..=raw.max_seeds).contains(&raw.seeds_per_batch) {
            return Err(Issue::range(
                "search.seeds_per_batch",
                format!("{} seeds per batch", raw.seeds_per_batch),
                &format!("1 to max_seeds ({})", raw.max_seeds),
            ));
        }
        Ok(Search {
            key: raw.key.clone(),
            lo,
            hi,
            values,
            find: raw.find,
            predicate,
            probability_bps: raw.probability_bps,
            z_micros,
            seeds_per_batch: raw.seeds_per_batch,
            max_seeds: raw.max_seeds,
        })
    }

    /// The searched key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The searched range of values (inclusive).
    pub fn range(&self) -> (i128, i128) {
        (self.lo, self.hi)
    }

    /// Which end is sought.
    pub fn find(&self) -> SearchFind {
        self.find
    }

    /// The predicate.
    pub fn predicate(&self) -> &Predicate {
        &self.predicate
    }

    /// The required probability, in basis points.
    pub fn probability_bps(&self) -> u32 {
        self.probability_bps
    }

    /// z of the confidence level, in millionths.
    pub fn z_micros(&self) -> u64 {
        self.z_micros
    }

    /// Seeds per batch.
    pub fn seeds_per_batch(&self) -> u64 {
        self.seeds_per_batch
    }

    /// Seeds at most at one value.
    pub fn max_seeds(&self) -> u64 {
        self.max_seeds
    }

    /// Most evaluations a search of this range makes: both ends, then one per halving.
    pub fn max_evaluations(&self) -> u64 {
        let width = (self.hi - self.lo) as u128;
        2 + u64::from(u128::BITS - width.leading_zeros())
    }

    /// The scenario override at search value `v`.
    pub fn override_at(&self, v: i128) -> (String, toml::Value) {
        debug_assert!((self.lo..=self.hi).contains(&v));
        let value = match &self.values {
            // Integer ranges lie within i64 (validated).
            Values::Integer => toml::Value::Integer(v as i64),
            Values::Amount => toml::Value::String(format!("{v} wei")),
            Values::List(list) => list[v as usize].clone(),
            Values::FirstOf(list) => toml::Value::Array(list[..v as usize].to_vec()),
        };
        (self.key.clone(), value)
    }

    /// How search value `v` reads in a table or a message: the integer or amount, the listed
    /// value, or "first v of first_of".
    pub fn label(&self, v: i128) -> String {
        match &self.values {
            Values::Integer => v.to_string(),
            Values::Amount => format!("{v} wei"),
            Values::List(list) => match &list[v as usize] {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            Values::FirstOf(list) => format!("first {v} of {}", list.len()),
        }
    }

    /// The verdict of `successes` out of `trials` runs.
    pub fn verdict(&self, successes: u64, trials: u64) -> Verdict {
        assert!(successes <= trials && trials <= MAX_SEEDS);
        if trials == 0 {
            return Verdict::Uncertain;
        }
        let (s, n) = (u128::from(successes), u128::from(trials));
        let p = u128::from(self.probability_bps);
        let z = u128::from(self.z_micros);
        // p inside the Wilson interval ⇔ (10⁴·s − n·p)² · 10¹² ≤ z² · n · p · (10⁴ − p), with
        // p in bps and z in millionths: all below 2^100 for n ≤ MAX_SEEDS.
        let (scaled, np) = (10_000 * s, n * p);
        let gap = scaled.abs_diff(np);
        let inside = gap * gap * 1_000_000_000_000 <= z * z * n * p * (10_000 - p);
        match (inside, scaled >= np) {
            (true, _) => Verdict::Uncertain,
            (false, true) => Verdict::Holds,
            (false, false) => Verdict::Fails,
        }
    }

    /// The Wilson interval of `successes` out of `trials` at the search's confidence (for
    /// reports; verdicts use [`Search::verdict`]).
    pub fn wilson_interval(&self, successes: u64, trials: u64) -> (f64, f64) {
        if trials == 0 {
            return (0.0, 1.0);
        }
        let (s, n) = (successes as f64, trials as f64);
        let z = self.z_micros as f64 / 1e6;
        let p = s / n;
        let denom = 1.0 + z * z / n;
        let centre = (p + z * z / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        // At 0 or n successes the interval ends exactly at 0 or 1 (not a rounding away).
        let low = if successes == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        };
        let high = if successes == trials {
            1.0
        } else {
            (centre + half).min(1.0)
        };
        (low, high)
    }
}

fn check_key(key: &str) -> Result<(), Issue> {
    let bad = key.is_empty()
        || key.split('.').any(str::is_empty)
        || ["sweep", "search", "run.mode", "run.seed"]
            .iter()
            .any(|k| key == *k || key.starts_with(&format!("{k}.")));
    if bad {
        return Err(Issue::range(
            "search.key",
            format!("`{key}` cannot be searched"),
            "a dotted path to a scenario key other than run.mode, run.seed, [sweep] and \
             [search], e.g. \"consensus.offline\"",
        ));
    }
    Ok(())
}

fn predicate(raw: &RawSearch, mode: Mode) -> Result<Predicate, Issue> {
    let help = "comparisons of summary columns, e.g. \"halted_days == 0 and reorgs < 10\"";
    let p = Predicate::parse(&raw.predicate).map_err(|e| {
        Issue::range(
            "search.predicate",
            format!("`{}`: {e}", raw.predicate),
            help,
        )
    })?;
    let columns = dictionary::summary_columns(mode);
    if let Some(unknown) = p.columns().iter().find(|c| !columns.contains(&c.as_str())) {
        return Err(Issue::range(
            "search.predicate",
            format!("the {mode:?} summary has no column `{unknown}`"),
            &format!("columns: {}", columns.join(", ")),
        ));
    }
    Ok(p)
}

fn values_and_range(raw: &RawSearch) -> Result<(Values, i128, i128), Issue> {
    let help = "range = [lo, hi]: two integers, or two amounts such as [\"1 DCC\", \"500 DCC\"]";
    let (values, len) = match (&raw.values, &raw.first_of) {
        (Some(_), Some(_)) => {
            return Err(Issue::cross(
                "search.first_of",
                "both search.values and search.first_of are given",
                "give one: values (the key takes values[v]) or first_of (its first v entries)",
            ));
        }
        (Some(v), None) => (Values::List(v.clone()), v.len().checked_sub(1)),
        (None, Some(v)) => (Values::FirstOf(v.clone()), Some(v.len())),
        (None, None) => return amount_or_integer_range(&raw.range, help),
    };
    let Some(last) = len.filter(|&l| l >= 1) else {
        return Err(Issue::range(
            if raw.values.is_some() {
                "search.values"
            } else {
                "search.first_of"
            },
            "a search needs at least two candidate values",
            "list at least two values (first_of: at least one entry)",
        ));
    };
    let (lo, hi) = match raw.range.as_slice() {
        [] => (0, last as i128),
        [toml::Value::Integer(lo), toml::Value::Integer(hi)] => (i128::from(*lo), i128::from(*hi)),
        _ => {
            return Err(Issue::range(
                "search.range",
                "with a list, the range is two positions in it",
                &format!("two integers from 0 to {last}, or leave range out for the whole list"),
            ));
        }
    };
    if lo < 0 || hi > last as i128 || lo >= hi {
        return Err(Issue::range(
            "search.range",
            format!("positions [{lo}, {hi}] are not an increasing pair within 0 to {last}"),
            &format!("two integers lo < hi from 0 to {last}"),
        ));
    }
    Ok((values, lo, hi))
}

fn amount_or_integer_range(
    range: &[toml::Value],
    help: &str,
) -> Result<(Values, i128, i128), Issue> {
    let wei = |s: &str| -> Result<i128, Issue> {
        let a: Amount = s
            .parse()
            .map_err(|e| Issue::range("search.range", format!("`{s}`: {e}"), help))?;
        i128::try_from(a.wei())
            .map_err(|_| Issue::range("search.range", format!("`{s}` is too large"), help))
    };
    let (values, lo, hi) = match range {
        [toml::Value::Integer(lo), toml::Value::Integer(hi)] => {
            (Values::Integer, i128::from(*lo), i128::from(*hi))
        }
        [toml::Value::String(lo), toml::Value::String(hi)] => (Values::Amount, wei(lo)?, wei(hi)?),
        _ => {
            return Err(Issue::range(
                "search.range",
                "expected two integers or two amounts",
                help,
            ));
        }
    };
    if lo >= hi {
        return Err(Issue::range(
            "search.range",
            format!("lo {lo} is not below hi {hi}"),
            help,
        ));
    }
    Ok((values, lo, hi))
}

/// Where a bisection stands: the values known to hold and to fail nearest the threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bisection {
    lo: i128,
    hi: i128,
    find: SearchFind,
    /// The value the verdict holds at, nearest the threshold so far.
    holds: Option<i128>,
    /// The value it fails at, nearest the threshold so far.
    fails: Option<i128>,
    /// The search ended: the value where the predicate should hold does not.
    ended: bool,
}

/// The answer of a finished search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The threshold lies between `holds` (the predicate holds there) and `fails` (adjacent).
    Bracket {
        /// The sought value: the largest (or smallest) that holds.
        holds: i128,
        /// Its neighbour that fails.
        fails: i128,
    },
    /// The predicate holds over the whole range.
    WholeRange,
    /// It holds nowhere in the range (not even at the end where it should hold most).
    Nowhere,
}

impl Bisection {
    /// A bisection of `search`'s range.
    pub fn new(search: &Search) -> Bisection {
        Bisection {
            lo: search.lo,
            hi: search.hi,
            find: search.find,
            holds: None,
            fails: None,
            ended: false,
        }
    }

    /// The end of the range where the predicate should hold (checked first) and the other end.
    fn ends(&self) -> (i128, i128) {
        match self.find {
            SearchFind::Largest => (self.lo, self.hi),
            SearchFind::Smallest => (self.hi, self.lo),
        }
    }

    /// The next value to evaluate, or `None` when the search is over.
    pub fn next(&self) -> Option<i128> {
        let (good_end, bad_end) = self.ends();
        if self.ended {
            return None;
        }
        match (self.holds, self.fails) {
            (None, _) => Some(good_end),
            (Some(h), None) if h == good_end => Some(bad_end),
            (Some(_), None) => None,
            (Some(h), Some(f)) if h.abs_diff(f) > 1 => Some(h + (f - h) / 2),
            (Some(_), Some(_)) => None,
        }
    }

    /// Records the (final) verdict at `value`, the value [`Bisection::next`] gave.
    pub fn record(&mut self, value: i128, holds: bool) {
        assert_eq!(Some(value), self.next(), "verdicts are recorded in order");
        if holds {
            self.holds = Some(value);
        } else {
            self.fails = Some(value);
            if self.holds.is_none() {
                self.ended = true;
            }
        }
    }

    /// The answer, once [`Bisection::next`] is `None`.
    pub fn answer(&self) -> Option<Answer> {
        if self.next().is_some() {
            return None;
        }
        Some(match (self.holds, self.fails) {
            (Some(holds), Some(fails)) => Answer::Bracket { holds, fails },
            (Some(_), None) => Answer::WholeRange,
            (None, _) => Answer::Nowhere,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSearch {
        RawSearch {
            key: "consensus.validators".into(),
            range: vec![0.into(), 100.into()],
            values: None,
            first_of: None,
            find: SearchFind::Largest,
            predicate: "halted_days == 0".into(),
            probability_bps: 9_000,
            confidence_bps: 9_500,
            seeds_per_batch: 8,
            max_seeds: 64,
        }
    }

    fn search() -> Search {
        Search::new(&raw(), Mode::Consensus, 1).unwrap()
    }

    #[test]
    fn verdicts_match_the_wilson_interval() {
        let s = search();
        for n in 1..=64 {
            for k in 0..=n {
                let (lo, hi) = s.wilson_interval(k, n);
                let expected = if lo > 0.9 + 1e-9 {
                    Some(Verdict::Holds)
                } else if hi < 0.9 - 1e-9 {
                    Some(Verdict::Fails)
                } else if lo < 0.9 - 1e-9 && hi > 0.9 + 1e-9 {
                    Some(Verdict::Uncertain)
                } else {
                    None // on the boundary: floats cannot say
                };
                if let Some(v) = expected {
                    assert_eq!(s.verdict(k, n), v, "{k} of {n}: ({lo}, {hi})");
                }
            }
        }
        assert_eq!(s.verdict(8, 8), Verdict::Uncertain);
        assert_eq!(s.verdict(0, 8), Verdict::Fails);
        assert_eq!(s.verdict(64, 64), Verdict::Holds);
    }

    fn bisect(find: SearchFind, lo: i128, hi: i128, threshold: i128) -> (Answer, usize) {
        let mut r = raw();
        r.find = find;
        r.range = vec![(lo as i64).into(), (hi as i64).into()];
        let s = Search::new(&r, Mode::Consensus, 0).unwrap();
        let mut b = Bisection::new(&s);
        let mut steps = 0;
        while let Some(v) = b.next() {
            let holds = match find {
                SearchFind::Largest => v <= threshold,
                SearchFind::Smallest => v >= threshold,
            };
            b.record(v, holds);
            steps += 1;
            assert!(steps as u64 <= s.max_evaluations());
        }
        (b.answer().unwrap(), steps)
    }

    #[test]
    fn bisection_finds_every_threshold() {
        for t in -1..=21 {
            let (a, _) = bisect(SearchFind::Largest, 0, 20, t);
            let expected = match t {
                -1 => Answer::Nowhere,
                20.. => Answer::WholeRange,
                t => Answer::Bracket {
                    holds: t,
                    fails: t + 1,
                },
            };
            assert_eq!(a, expected, "largest, threshold {t}");
            let (a, _) = bisect(SearchFind::Smallest, 0, 20, t);
            let expected = match t {
                21 => Answer::Nowhere,
                ..=0 => Answer::WholeRange,
                t => Answer::Bracket {
                    holds: t,
                    fails: t - 1,
                },
            };
            assert_eq!(a, expected, "smallest, threshold {t}");
        }
        let (_, steps) = bisect(SearchFind::Largest, 0, 1 << 40, 12_345);
        assert!(steps <= 42, "{steps}");
    }

    #[test]
    fn bad_searches_name_the_key() {
        type Edit = fn(&mut RawSearch);
        let cases: [(Edit, &str); 7] = [
            (
                |r| r.predicate = "halted_days = 0".into(),
                "search.predicate",
            ),
            (
                |r| r.predicate = "no_such_column > 1".into(),
                "search.predicate",
            ),
            (|r| r.range = vec![5.into(), 5.into()], "search.range"),
            (|r| r.confidence_bps = 9_700, "search.confidence_bps"),
            (|r| r.seeds_per_batch = 65, "search.seeds_per_batch"),
            (|r| r.key = "run.mode".into(), "search.key"),
            (
                |r| {
                    r.first_of = Some(vec![1.into()]);
                    r.range = vec![0.into(), 3.into()];
                },
                "search.range",
            ),
        ];
        for (edit, path) in cases {
            let mut r = raw();
            edit(&mut r);
            assert_eq!(
                Search::new(&r, Mode::Consensus, 0).unwrap_err().key_path,
                path
            );
        }
    }

    #[test]
    fn list_values_and_prefixes() {
        let mut r = raw();
        r.range = Vec::new();
        r.first_of = Some(vec![1.into(), 2.into(), 3.into()]);
        let s = Search::new(&r, Mode::Consensus, 0).unwrap();
        assert_eq!(s.range(), (0, 3));
        assert_eq!(
            s.override_at(2).1,
            toml::Value::Array(vec![1.into(), 2.into()])
        );
        r.first_of = None;
        r.values = Some(vec!["a".into(), "b".into()]);
        let s = Search::new(&r, Mode::Consensus, 0).unwrap();
        assert_eq!((s.range(), s.override_at(1).1), ((0, 1), "b".into()));
    }
}
