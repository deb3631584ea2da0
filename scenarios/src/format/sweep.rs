//! `[sweep]` (a grid, a zip or a sampled design, times Monte Carlo seeds) and `[search]` (a
//! threshold search over one key): the sections that say which runs to make of a scenario.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `[sweep]`: a grid and/or zip over parameter paths, or a sampled design, times Monte Carlo
/// seeds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// Monte Carlo runs per parameter point (seeds `run.seed`, `run.seed + 1`, …).
    #[serde(default = "one")]
    pub seeds: u64,
    /// Cartesian product: every combination of the listed values, keys in sorted order.
    #[serde(default)]
    pub grid: BTreeMap<String, Vec<toml::Value>>,
    /// Zipped lists: the i-th values of every key together; all lists have the same length.
    #[serde(default)]
    pub zip: BTreeMap<String, Vec<toml::Value>>,
    /// Points drawn from ranges for a sensitivity analysis (instead of a grid or zip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<RawSample>,
}

/// How the points of a sampled sweep are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleMethod {
    /// `n` points, each key's range cut into `n` equal strata, one point per stratum.
    LatinHypercube,
    /// Saltelli's design for Sobol' indices: `n` rows of A, B and each AB_i, `n × (k + 2)` points.
    Sobol,
    /// Morris elementary effects: `n` one-at-a-time trajectories of `k + 1` points.
    Morris,
}

/// `[sweep.sample]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSample {
    /// The design.
    pub method: SampleMethod,
    /// Points (Latin hypercube), base rows (Sobol') or trajectories (Morris).
    pub n: u64,
    /// Grid levels of the Morris design (even); the other methods ignore it.
    #[serde(default = "four")]
    pub levels: u64,
    /// Each swept key's closed range `[lo, hi]`: integers (counts, days, bps) or amounts
    /// (`"10 DCC"`, `"5000 wei"`).
    pub ranges: BTreeMap<String, Vec<toml::Value>>,
    /// Summary columns whose indices the sweep report shows (`dcfs-sim sensitivity` computes
    /// any others).
    #[serde(default)]
    pub metrics: Vec<String>,
}

/// Which end of the key's range a search looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchFind {
    /// The largest value at which the predicate holds with the required probability (it holds
    /// below the threshold and fails above).
    Largest,
    /// The smallest such value (it fails below the threshold and holds above).
    Smallest,
}

/// `[search]`: the threshold of one scenario key at which a predicate over the run summary
/// stops (or starts) holding with a required probability over Monte Carlo seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSearch {
    /// The dotted scenario key searched.
    pub key: String,
    /// The searched values `[lo, hi]`: integers or amounts set at `key`; with `values` or
    /// `first_of`, list positions (default: the whole list).
    #[serde(default)]
    pub range: Vec<toml::Value>,
    /// The key takes `values[v]` at search value `v` (a list index searched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<toml::Value>>,
    /// The key takes the first `v` entries of this list at search value `v` (e.g. how many
    /// validators are offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_of: Option<Vec<toml::Value>>,
    /// Largest or smallest value such that the predicate holds.
    pub find: SearchFind,
    /// A condition on summary columns, e.g. `"halted_days == 0 and reorgs < 10"`.
    pub predicate: String,
    /// The probability over seeds the predicate must hold with, in basis points.
    #[serde(default = "nine_thousand")]
    pub probability_bps: u32,
    /// Confidence of each verdict (a Wilson interval entirely on one side), in basis points.
    #[serde(default = "ninety_five_hundred")]
    pub confidence_bps: u32,
    /// Seeds run at once at a value; more batches follow while the verdict is uncertain.
    #[serde(default = "eight")]
    pub seeds_per_batch: u64,
    /// Seeds at most at one value; then the point estimate decides (reported as uncertain).
    #[serde(default = "sixty_four")]
    pub max_seeds: u64,
}

const fn one() -> u64 {
    1
}

const fn four() -> u64 {
    4
}

const fn eight() -> u64 {
    8
}

const fn sixty_four() -> u64 {
    64
}

const fn nine_thousand() -> u32 {
    9_000
}

const fn ninety_five_hundred() -> u32 {
    9_500
}
