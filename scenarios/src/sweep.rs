//! Sweeps: a grid and/or zip over parameter paths times Monte Carlo seeds, expanded into
//! numbered runs; sharding by run index; and an order-preserving parallel map so that the
//! thread count never changes a result.
//!
//! Run numbering: points are the grid combinations (keys in sorted order, the last key varying
//! fastest) times the zip entries (varying fastest of all); run `i` is point `i / seeds` with
//! seed `run.seed + i % seeds`. Every point uses the same seeds (common random numbers). A
//! sampled sweep (`[sweep.sample]`) takes its points from [`Design`] in its own order instead.

use rayon::prelude::*;
use sim_core::{Digest, OutputDigest};

use crate::error::ScenarioError;
use crate::load::{Document, Loaded};
use crate::sample::Design;

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Run index, `0..plan.len()`.
    pub index: u64,
    /// Parameter point index.
    pub point: u64,
    /// The run's seed.
    pub seed: u64,
    /// Parameter overrides of this point (dotted path → value).
    pub overrides: Vec<(String, toml::Value)>,
}

/// The expanded sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPlan {
    base_seed: u64,
    seeds: u64,
    keys: Vec<String>,
    points: Vec<Vec<toml::Value>>,
    design: Option<Design>,
}

impl SweepPlan {
    /// Expands the `[sweep]` of `base` (a single run when there is none). The sweep's shape was
    /// checked by validation.
    pub fn new(base: &Loaded) -> SweepPlan {
        let base_seed = base.spec.seed();
        let Some(sweep) = &base.resolved.sweep else {
            return SweepPlan {
                base_seed,
                seeds: 1,
                keys: Vec::new(),
                points: vec![Vec::new()],
                design: None,
            };
        };
        if let Some(sample) = &sweep.sample {
            let design = Design::new(sample, base_seed).expect("validation checked the sample");
            return SweepPlan {
                base_seed,
                seeds: sweep.seeds,
                keys: design.keys(),
                points: design.values(),
                design: Some(design),
            };
        }
        let mut keys: Vec<String> = sweep.grid.keys().cloned().collect();
        keys.extend(sweep.zip.keys().cloned());
        let mut points: Vec<Vec<toml::Value>> = vec![Vec::new()];
        for values in sweep.grid.values() {
            points = points
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(v.clone());
                        q
                    })
                })
                .collect();
        }
        let zip_len = sweep.zip.values().next().map_or(0, Vec::len);
        if zip_len > 0 {
            points = points
                .into_iter()
                .flat_map(|p| {
                    (0..zip_len).map(move |i| {
                        let mut q = p.clone();
                        q.extend(sweep.zip.values().map(|v| v[i].clone()));
                        q
                    })
                })
                .collect();
        }
        SweepPlan {
            base_seed,
            seeds: sweep.seeds,
            keys,
            points,
            design: None,
        }
    }

    /// The sampled design the points come from (a `[sweep.sample]`), if any.
    pub fn design(&self) -> Option<&Design> {
        self.design.as_ref()
    }

    /// Parameter points (runs are points × seeds).
    pub fn points(&self) -> u64 {
        self.points.len() as u64
    }

    /// Number of runs.
    pub fn len(&self) -> u64 {
        self.points.len() as u64 * self.seeds
    }

    /// True if the sweep has no runs (never, for a validated scenario).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The swept parameter paths, in column order.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Monte Carlo seeds per point.
    pub fn seeds(&self) -> u64 {
        self.seeds
    }

    /// Run `index` (< `len()`).
    pub fn spec(&self, index: u64) -> RunSpec {
        let point = index / self.seeds;
        let values = &self.points[usize::try_from(point)
            .unwrap_or(usize::MAX)
            .min(self.points.len() - 1)];
        RunSpec {
            index,
            point,
            seed: self.base_seed.wrapping_add(index % self.seeds),
            overrides: self
                .keys
                .iter()
                .cloned()
                .zip(values.iter().cloned())
                .collect(),
        }
    }

    /// The scenario of run `spec`: its point validated, then its seed set (validation does not
    /// depend on the seed).
    pub fn load_run(&self, doc: &Document, spec: &RunSpec) -> Result<Loaded, ScenarioError> {
        Ok(doc.load_point(&spec.overrides)?.with_seed(spec.seed))
    }

    /// Validates every point (the seeds do not change validity). A document without a sweep has
    /// one point, the base document already validated by [`Document::load`].
    pub fn validate_all(&self, doc: &Document) -> Result<(), ScenarioError> {
        if self.keys.is_empty() {
            return Ok(());
        }
        for point in 0..self.points.len() as u64 {
            doc.load_point(&self.spec(point * self.seeds).overrides)?;
        }
        Ok(())
    }
}

/// Which share of a sweep's runs this machine does: runs with `index % count == shard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard number (`< count`), e.g. `$SLURM_ARRAY_TASK_ID` or `$JOB_COMPLETION_INDEX`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N (e.g. 0/4)"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("shard number `{k}` is not a whole number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count `{n}` is not a whole number"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: need 0 <= K < N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The run indices of this shard among `total` runs.
    pub fn indices(self, total: u64) -> Vec<u64> {
        (self.index..total)
            .step_by(usize::try_from(self.count).unwrap_or(usize::MAX))
            .collect()
    }
}

/// Maps `f` over `indices` on `threads` worker threads and returns the results in the order of
/// `indices` (the first error in that order wins). The thread count never changes the result.
pub fn par_map_ordered<T, E, F>(indices: &[u64], threads: usize, f: F) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
    F: Fn(u64) -> Result<T, E> + Sync + Send,
{
    let run = || {
        indices
            .par_iter()
            .map(|&i| f(i))
            .collect::<Vec<Result<T, E>>>()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => indices.iter().map(|&i| f(i)).collect(),
    };
    results.into_iter().collect()
}

/// The digest of a whole sweep: every run's index and digest, in index order.
pub fn sweep_digest<'a>(runs: impl IntoIterator<Item = (u64, &'a Digest)>) -> Digest {
    let mut d = OutputDigest::new();
    for (i, digest) in runs {
        d.u64(i).bytes(&digest.0);
    }
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_runs() {
        let shard: Shard = "1/3".parse().unwrap();
        assert_eq!(shard.indices(8), [1, 4, 7]);
        assert!("3/3".parse::<Shard>().is_err());
        assert!("x/3".parse::<Shard>().is_err());
        assert!("1".parse::<Shard>().is_err());
        let all: Vec<u64> = (0..3)
            .flat_map(|k| Shard { index: k, count: 3 }.indices(10))
            .collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn ordered_map_is_thread_independent() {
        let idx: Vec<u64> = (0..200).collect();
        let f = |i: u64| -> Result<u64, ()> { Ok(i * i) };
        assert_eq!(par_map_ordered(&idx, 1, f), par_map_ordered(&idx, 4, f));
    }
}
