//! Sampled sweep designs for sensitivity analysis: Latin hypercube, Saltelli's A/B/AB_i design
//! for Sobol' indices, and Morris trajectories — drawn from the scenario seed, in integers.
//!
//! A point's position in the unit hypercube is a fixed-point fraction (`u64`, units of 2^-64),
//! and a key's value is `lo + floor(u × (hi − lo + 1))` computed exactly, so a design is the
//! same on every platform. Each method draws from its own stream domain (one stream per
//! dimension or trajectory), apart from every simulation stream of the runs.
//!
//! Point order (what `dcfs-sim sensitivity` reads back through [`Design::roles`]):
//! - Latin hypercube: point `i` is sample `i`.
//! - Sobol': row `j` is points `j(k+2) … j(k+2)+k+1`: A_j, B_j, then AB_1,j … AB_k,j (A_j with
//!   factor i taken from B_j), so any prefix of whole rows is a smaller valid design.
//! - Morris: trajectory `t` is points `t(k+1) … t(k+1)+k`, each moving one factor by
//!   `levels / 2` grid steps from the one before.

use sim_core::{Amount, Domain, Streams};

use crate::error::Issue;
use crate::format::{RawSample, SampleMethod};

/// One sampled key's closed range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampledRange {
    /// The dotted scenario key.
    pub key: String,
    lo: i128,
    hi: i128,
    /// Written as amount strings in wei (else as TOML integers).
    amount: bool,
}

impl SampledRange {
    /// The value at unit position `u` (a fraction of 2^64): uniform over the integers of the
    /// range as `u` is uniform.
    fn at_unit(&self, u: u64) -> toml::Value {
        let span = (self.hi - self.lo) as u128 + 1;
        // (u × span) >> 64 without overflow: span split at 2^64.
        let high = u128::from(u) * (span >> 64);
        let low = (u128::from(u) * (span & u128::from(u64::MAX))) >> 64;
        self.value(self.lo + (high + low) as i128)
    }

    /// The value at grid level `g` of `levels` (level 0 is `lo`, the last `hi`; rounded to the
    /// nearest integer).
    fn at_level(&self, g: u64, levels: u64) -> toml::Value {
        let steps = i128::from(levels - 1);
        let offset = (i128::from(g) * (self.hi - self.lo) + steps / 2) / steps;
        self.value(self.lo + offset)
    }

    fn value(&self, v: i128) -> toml::Value {
        if self.amount {
            toml::Value::String(format!("{v} wei"))
        } else {
            // Integer ranges were checked to lie within i64.
            toml::Value::Integer(v as i64)
        }
    }
}

/// A validated `[sweep.sample]`, with the seed it is drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Design {
    method: SampleMethod,
    n: u64,
    levels: u64,
    ranges: Vec<SampledRange>,
    seed: u64,
}

/// What a point of the design is, for the estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Latin hypercube sample.
    Sample,
    /// Row `row` of matrix A (Sobol').
    A {
        /// Row.
        row: u64,
    },
    /// Row `row` of matrix B.
    B {
        /// Row.
        row: u64,
    },
    /// Row `row` of A with factor `factor` from B.
    AB {
        /// Row.
        row: u64,
        /// The factor taken from B (0-based, in key order).
        factor: usize,
    },
    /// Point `step` of Morris trajectory `trajectory`; from step 1 on, `factor` moved by
    /// `delta_levels` grid steps from the point before.
    Morris {
        /// Trajectory.
        trajectory: u64,
        /// Position in the trajectory, 0 to k.
        step: usize,
        /// The factor moved to reach this point (`None` at step 0).
        factor: Option<usize>,
        /// Signed grid steps of that move (`levels / 2` or its negative).
        delta_levels: i64,
    },
}

/// Fewest points (or rows, or trajectories) of a design: variance needs two.
pub const MIN_SAMPLE_N: u64 = 2;
/// Most grid levels of a Morris design.
pub const MAX_MORRIS_LEVELS: u64 = 1_000;
/// Most sampled keys.
pub const MAX_SAMPLED_KEYS: usize = 64;

impl Design {
    /// Checks `raw` and fixes its ranges; `seed` is the scenario's `run.seed`.
    pub fn new(raw: &RawSample, seed: u64) -> Result<Design, Issue> {
        if raw.n < MIN_SAMPLE_N {
            return Err(Issue::range(
                "sweep.sample.n",
                format!("n must be at least {MIN_SAMPLE_N}, got {}", raw.n),
                "variance (and so every index) needs at least two points, rows or trajectories",
            ));
        }
        if raw.method == SampleMethod::Morris
            && (raw.levels < 2 || raw.levels % 2 == 1 || raw.levels > MAX_MORRIS_LEVELS)
        {
            return Err(Issue::range(
                "sweep.sample.levels",
                format!("Morris levels must be even, got {}", raw.levels),
                &format!("an even number from 2 to {MAX_MORRIS_LEVELS}, e.g. 4"),
            ));
        }
        if raw.ranges.is_empty() || raw.ranges.len() > MAX_SAMPLED_KEYS {
            return Err(Issue::range(
                "sweep.sample.ranges",
                format!("{} keys to sample", raw.ranges.len()),
                &format!(
                    "give 1 to {MAX_SAMPLED_KEYS} keys, e.g. ranges = {{ \"supply.halving_period_days\" = [365, 1460] }}"
                ),
            ));
        }
        let ranges = raw
            .ranges
            .iter()
            .map(|(key, bounds)| sampled_range(key, bounds))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Design {
            method: raw.method,
            n: raw.n,
            levels: raw.levels,
            ranges,
            seed,
        })
    }

    /// The method.
    pub fn method(&self) -> SampleMethod {
        self.method
    }

    /// Grid levels (Morris).
    pub fn levels(&self) -> u64 {
        self.levels
    }

    /// Number of sampled keys (k).
    pub fn factors(&self) -> usize {
        self.ranges.len()
    }

    /// The sampled keys, in column order (sorted).
    pub fn keys(&self) -> Vec<String> {
        self.ranges.iter().map(|r| r.key.clone()).collect()
    }

    /// Points of the design, or `None` on overflow.
    pub fn points(&self) -> Option<u64> {
        let k = self.ranges.len() as u64;
        match self.method {
            SampleMethod::LatinHypercube => Some(self.n),
            SampleMethod::Sobol => self.n.checked_mul(k + 2),
            SampleMethod::Morris => self.n.checked_mul(k + 1),
        }
    }

    /// Every point's values, in key order.
    pub fn values(&self) -> Vec<Vec<toml::Value>> {
        match self.method {
            SampleMethod::LatinHypercube => self
                .latin(0)
                .into_iter()
                .map(|u| self.at_unit(&u))
                .collect(),
            SampleMethod::Sobol => self.saltelli(),
            SampleMethod::Morris => self.morris(),
        }
    }

    /// What each point is, in point order.
    pub fn roles(&self) -> Vec<Role> {
        let k = self.ranges.len();
        match self.method {
            SampleMethod::LatinHypercube => vec![Role::Sample; self.n as usize],
            SampleMethod::Sobol => (0..self.n)
                .flat_map(|row| {
                    [Role::A { row }, Role::B { row }]
                        .into_iter()
                        .chain((0..k).map(move |factor| Role::AB { row, factor }))
                })
                .collect(),
            SampleMethod::Morris => (0..self.n)
                .flat_map(|t| {
                    let (start, order) = self.trajectory(t);
                    let mut levels = start;
                    let mut roles = vec![Role::Morris {
                        trajectory: t,
                        step: 0,
                        factor: None,
                        delta_levels: 0,
                    }];
                    for (s, &f) in order.iter().enumerate() {
                        let delta = self.morris_move(levels[f]);
                        levels[f] = levels[f].wrapping_add_signed(delta);
                        roles.push(Role::Morris {
                            trajectory: t,
                            step: s + 1,
                            factor: Some(f),
                            delta_levels: delta,
                        });
                    }
                    roles
                })
                .collect(),
        }
    }

    fn at_unit(&self, u: &[u64]) -> Vec<toml::Value> {
        self.ranges
            .iter()
            .zip(u)
            .map(|(r, &u)| r.at_unit(u))
            .collect()
    }

    /// `n` Latin hypercube points over the key dimensions, dimension `d` drawn from stream
    /// `first_stream + d`: a random permutation of the strata and a uniform offset in each.
    fn latin(&self, first_stream: u64) -> Vec<Vec<u64>> {
        let streams = Streams::new(self.seed);
        let n = self.n;
        let mut points = vec![Vec::with_capacity(self.ranges.len()); n as usize];
        for d in 0..self.ranges.len() as u64 {
            let mut rng = streams.stream(Domain("sweep.sample.latin"), first_stream + d);
            let mut strata: Vec<u64> = (0..n).collect();
            for i in (1..strata.len()).rev() {
                strata.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for (point, stratum) in points.iter_mut().zip(strata) {
                let within = u128::from(rng.next_u64());
                // (stratum + within / 2^64) / n, as a fraction of 2^64: below 2^64.
                point.push((((u128::from(stratum) << 64) + within) / u128::from(n)) as u64);
            }
        }
        points
    }

    /// Saltelli's design: A and B are independent Latin hypercubes; rows are interleaved as
    /// the module says.
    fn saltelli(&self) -> Vec<Vec<toml::Value>> {
        let k = self.ranges.len();
        let a = self.latin(0);
        let b = self.latin(k as u64);
        let mut points = Vec::with_capacity(a.len() * (k + 2));
        for (a_row, b_row) in a.iter().zip(&b) {
            points.push(self.at_unit(a_row));
            points.push(self.at_unit(b_row));
            for i in 0..k {
                let mut ab = a_row.clone();
                ab[i] = b_row[i];
                points.push(self.at_unit(&ab));
            }
        }
        points
    }

    /// Trajectory `t`: its starting grid levels and the order factors move in.
    fn trajectory(&self, t: u64) -> (Vec<u64>, Vec<usize>) {
        let mut rng = Streams::new(self.seed).stream(Domain("sweep.sample.morris"), t);
        let start: Vec<u64> = self.ranges.iter().map(|_| rng.below(self.levels)).collect();
        let mut order: Vec<usize> = (0..self.ranges.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        (start, order)
    }

    /// The move of a factor at grid level `g`: up by half the levels from the lower half of
    /// the grid, down from the upper half (Morris's Δ = p / (2(p − 1)) in unit terms).
    fn morris_move(&self, g: u64) -> i64 {
        let half = (self.levels / 2) as i64;
        if g < self.levels / 2 { half } else { -half }
    }

    fn morris(&self) -> Vec<Vec<toml::Value>> {
        let mut points = Vec::new();
        for t in 0..self.n {
            let (mut levels, order) = self.trajectory(t);
            let at_levels = |levels: &[u64]| -> Vec<toml::Value> {
                self.ranges
                    .iter()
                    .zip(levels)
                    .map(|(r, &g)| r.at_level(g, self.levels))
                    .collect()
            };
            points.push(at_levels(&levels));
            for f in order {
                levels[f] = levels[f].wrapping_add_signed(self.morris_move(levels[f]));
                points.push(at_levels(&levels));
            }
        }
        points
    }
}

fn sampled_range(key: &str, bounds: &[toml::Value]) -> Result<SampledRange, Issue> {
    let path = format!("sweep.sample.ranges.{key}");
    let help = "two integers [lo, hi] (counts, days, bps, whole DCC) or two amounts \
                [\"1 DCC\", \"50 DCC\"], lo < hi";
    let [lo, hi] = bounds else {
        return Err(Issue::range(
            &path,
            format!("a range has two bounds, got {}", bounds.len()),
            help,
        ));
    };
    let (lo, hi, amount) = match (lo, hi) {
        (toml::Value::Integer(lo), toml::Value::Integer(hi)) => {
            (i128::from(*lo), i128::from(*hi), false)
        }
        (toml::Value::String(lo), toml::Value::String(hi)) => {
            let wei = |s: &str| -> Result<i128, Issue> {
                s.parse::<Amount>()
                    .map_err(|e| Issue::range(&path, format!("`{s}`: {e}"), help))
                    .and_then(|a| {
                        i128::try_from(a.wei())
                            .map_err(|_| Issue::range(&path, format!("`{s}` is too large"), help))
                    })
            };
            (wei(lo)?, wei(hi)?, true)
        }
        _ => {
            return Err(Issue::range(
                &path,
                format!(
                    "bounds of types {} and {} cannot be sampled",
                    lo.type_str(),
                    hi.type_str()
                ),
                help,
            ));
        }
    };
    if lo >= hi {
        return Err(Issue::range(
            &path,
            format!("the range is empty or a single value: lo {lo} ≥ hi {hi}"),
            help,
        ));
    }
    Ok(SampledRange {
        key: key.to_owned(),
        lo,
        hi,
        amount,
    })
}

#[cfg(test)]
// Indices name factors in these tests: loops over them read like the formulas.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    fn raw(method: SampleMethod, n: u64) -> RawSample {
        RawSample {
            method,
            n,
            levels: 4,
            ranges: [
                ("a.x".to_owned(), vec![0.into(), 9.into()]),
                ("b.y".to_owned(), vec!["1 DCC".into(), "2 DCC".into()]),
            ]
            .into_iter()
            .collect(),
            metrics: Vec::new(),
        }
    }

    fn ints(points: &[Vec<toml::Value>], d: usize) -> Vec<i64> {
        points.iter().map(|p| p[d].as_integer().unwrap()).collect()
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum() {
        let d = Design::new(&raw(SampleMethod::LatinHypercube, 10), 7).unwrap();
        let mut xs = ints(&d.values(), 0);
        xs.sort_unstable();
        assert_eq!(xs, (0..10).collect::<Vec<_>>());
        assert_eq!(d.values(), d.values(), "a design is a function of the seed");
        let other = Design::new(&raw(SampleMethod::LatinHypercube, 10), 8).unwrap();
        assert_ne!(d.values(), other.values());
        for p in d.values() {
            let wei: u128 = p[1]
                .as_str()
                .unwrap()
                .trim_end_matches(" wei")
                .parse()
                .unwrap();
            assert!((10u128.pow(18)..=2 * 10u128.pow(18)).contains(&wei));
        }
    }

    #[test]
    fn saltelli_rows_share_all_but_one_factor() {
        let d = Design::new(&raw(SampleMethod::Sobol, 5), 1).unwrap();
        let v = d.values();
        assert_eq!(v.len() as u64, d.points().unwrap());
        assert_eq!(v.len(), 5 * 4);
        for row in v.chunks(4) {
            let (a, b) = (&row[0], &row[1]);
            for i in 0..2 {
                let ab = &row[2 + i];
                for j in 0..2 {
                    assert_eq!(ab[j], if i == j { b[j].clone() } else { a[j].clone() });
                }
            }
        }
        assert_eq!(d.roles()[6], Role::AB { row: 1, factor: 0 });
    }

    #[test]
    fn morris_moves_one_factor_a_step() {
        let d = Design::new(&raw(SampleMethod::Morris, 6), 3).unwrap();
        let v = d.values();
        let roles = d.roles();
        assert_eq!(v.len(), roles.len());
        for (i, role) in roles.iter().enumerate() {
            let Role::Morris {
                factor: Some(f),
                delta_levels,
                ..
            } = *role
            else {
                continue;
            };
            assert_eq!(delta_levels.abs(), 2);
            for j in 0..2 {
                assert_eq!(v[i][j] != v[i - 1][j], j == f, "point {i} factor {j}");
            }
        }
        // Levels 0..3 of [0, 9] are 0, 3, 6, 9.
        for x in ints(&v, 0) {
            assert!([0, 3, 6, 9].contains(&x), "{x}");
        }
    }

    #[test]
    fn bad_ranges_name_the_key() {
        let mut r = raw(SampleMethod::Sobol, 4);
        r.ranges.insert("c.z".into(), vec![5.into(), 5.into()]);
        assert_eq!(
            Design::new(&r, 0).unwrap_err().key_path,
            "sweep.sample.ranges.c.z"
        );
        r.ranges.insert("c.z".into(), vec![0.5.into(), 1.into()]);
        assert!(Design::new(&r, 0).is_err());
        let mut m = raw(SampleMethod::Morris, 4);
        m.levels = 3;
        assert_eq!(
            Design::new(&m, 0).unwrap_err().key_path,
            "sweep.sample.levels"
        );
    }
}
