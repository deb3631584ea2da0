//! The simulated network: per-message latency sampling (integer ms; `libm` for the exponential
//! and log-normal shapes, converted to whole ms at once) and the deterministic gossip topology.

use sim_core::{Domain, RandomStream, Streams};

use crate::config::{Latency, MAX_LATENCY_MS, RegionLatency};

/// A uniform draw in (0, 1] with 53 random bits (never 0, so `ln` is finite).
fn unit_open0(rng: &mut RandomStream) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
}

/// A uniform integer in `[0, bound)`: the same values as `RandomStream::below` (Lemire's
/// method with rejection), computing the rejection threshold only in the rare case it can
/// matter (a 64-bit division saved per draw on the hot path). 0 when `bound` is 0.
#[inline]
pub fn below(rng: &mut RandomStream, bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        let low = product as u64;
        if low < bound && low < bound.wrapping_neg() % bound {
            continue;
        }
        return (product >> 64) as u64;
    }
}

/// A uniform integer in `[low, high]`: the same values as `RandomStream::in_range`.
#[inline]
pub fn in_range(rng: &mut RandomStream, low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    match (high - low).checked_add(1) {
        Some(span) => low + below(rng, span),
        None => rng.next_u64(),
    }
}

/// Converts a non-negative finite sample to whole ms, clamped to [`MAX_LATENCY_MS`].
fn to_ms(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        let floored = libm::floor(x);
        if floored >= MAX_LATENCY_MS as f64 {
            MAX_LATENCY_MS
        } else {
            floored as u64
        }
    } else {
        0
    }
}

/// Samples one one-way latency from `from_region` to `to_region` (regions only matter for
/// [`Latency::Regions`]).
pub fn sample_latency_ms(
    latency: &Latency,
    rng: &mut RandomStream,
    from_region: u16,
    to_region: u16,
) -> u64 {
    let ms = match latency {
        Latency::Constant { ms } => *ms,
        Latency::Uniform { min_ms, max_ms } => in_range(rng, *min_ms, *max_ms),
        Latency::ExponentialWithMin {
            min_ms,
            mean_extra_ms,
        } => {
            let u = unit_open0(rng);
            min_ms.saturating_add(to_ms(-libm::log(u) * *mean_extra_ms as f64))
        }
        Latency::LogNormal {
            median_ms,
            sigma_milli,
        } => {
            let u1 = unit_open0(rng);
            let u2 = unit_open0(rng);
            let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2);
            let sigma = f64::from(*sigma_milli) / 1_000.0;
            to_ms(*median_ms as f64 * libm::exp(sigma * z))
        }
        Latency::Regions(RegionLatency {
            matrix_ms,
            jitter_ms,
            ..
        }) => {
            let base = matrix_ms
                .get(usize::from(from_region))
                .and_then(|row| row.get(usize::from(to_region)))
                .copied()
                .unwrap_or(0);
            base.saturating_add(in_range(rng, 0, *jitter_ms))
        }
    };
    ms.min(MAX_LATENCY_MS)
}

/// An exponential duration with mean `mean_ms` (inverse transform with `libm::log`), floored to
/// whole ms and at least 1 ms, saturating at `u64::MAX / 4`.
pub fn sample_exponential_ms(rng: &mut RandomStream, mean_ms: u64) -> u64 {
    let x = -libm::log(unit_open0(rng)) * mean_ms as f64;
    let cap = (u64::MAX / 4) as f64;
    if x.is_finite() && x >= 1.0 {
        if x >= cap {
            u64::MAX / 4
        } else {
            libm::floor(x) as u64
        }
    } else {
        1
    }
}

/// A gossip overlay's peer lists, each sorted and deduplicated, in one array (compressed
/// sparse rows): a relay finds its list through one small offset, not through a vector's
/// header, which on a 100,000-node overlay was one more cache miss per delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    /// Node `i`'s peers are `peers[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    peers: Vec<u32>,
}

impl Overlay {
    fn from_lists(lists: &[Vec<u32>]) -> Self {
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        let mut peers = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        offsets.push(0);
        for list in lists {
            peers.extend_from_slice(list);
            // At most 2·(1 + degree)·nodes + validators² entries: ~2·10⁸ within the limits
            // `ConsensusConfig` checks (100,021 nodes, degree ≤ 1,000).
            offsets.push(u32::try_from(peers.len()).expect("an overlay has < 2^32 links"));
        }
        Overlay { offsets, peers }
    }

    /// Nodes in the overlay.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True if the overlay has no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `node`'s peers, ascending (empty for a node outside the overlay).
    #[inline]
    pub fn peers(&self, node: usize) -> &[u32] {
        match (self.offsets.get(node), self.offsets.get(node + 1)) {
            (Some(&a), Some(&b)) => self.peers.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Where `node`'s peer list starts in the offsets, for a cache hint.
    #[inline]
    pub fn offset_of(&self, node: usize) -> Option<&u32> {
        self.offsets.get(node)
    }
}

/// Builds the undirected gossip overlay over `nodes` nodes (validators are `0..validators`): a
/// ring, `degree` random peers per node drawn from the "consensus/topology" stream, and a full
/// mesh among validators if asked.
pub fn gossip_overlay(
    streams: Streams,
    nodes: usize,
    validators: usize,
    degree: u32,
    validator_mesh: bool,
) -> Overlay {
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); nodes];
    let link = |a: usize, b: usize, adj: &mut Vec<Vec<u32>>| {
        if a != b {
            adj[a].push(b as u32);
            adj[b].push(a as u32);
        }
    };
    if nodes > 1 {
        for a in 0..nodes {
            link(a, (a + 1) % nodes, &mut adj);
        }
    }
    let mut rng = streams.stream(Domain("consensus/topology"), 0);
    for a in 0..nodes {
        for _ in 0..degree {
            let b = rng.below(nodes as u64) as usize;
            link(a, b, &mut adj);
        }
    }
    if validator_mesh {
        for a in 0..validators {
            for b in (a + 1)..validators {
                link(a, b, &mut adj);
            }
        }
    }
    for list in &mut adj {
        list.sort_unstable();
        list.dedup();
    }
    Overlay::from_lists(&adj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_samplers_match_sim_core() {
        let mut a = Streams::new(8).stream(Domain("t"), 1);
        let mut b = a.clone();
        for bound in [1u64, 2, 3, 7, 250, 5_500, 1 << 40, u64::MAX, (1 << 63) + 1] {
            for _ in 0..500 {
                assert_eq!(below(&mut a, bound), b.below(bound));
                assert_eq!(in_range(&mut a, 50, 300), b.in_range(50, 300));
            }
        }
        assert_eq!(in_range(&mut a, 0, u64::MAX), b.in_range(0, u64::MAX));
    }

    #[test]
    fn latency_shapes_are_plausible() {
        let mut rng = Streams::new(3).stream(Domain("t"), 0);
        let exp = Latency::ExponentialWithMin {
            min_ms: 20,
            mean_extra_ms: 100,
        };
        let n = 20_000u64;
        let sum: u64 = (0..n)
            .map(|_| sample_latency_ms(&exp, &mut rng, 0, 0))
            .sum();
        let mean = sum / n;
        assert!((110..=130).contains(&mean), "mean {mean}");
        let ln = Latency::LogNormal {
            median_ms: 100,
            sigma_milli: 500,
        };
        let mut v: Vec<u64> = (0..n)
            .map(|_| sample_latency_ms(&ln, &mut rng, 0, 0))
            .collect();
        v.sort_unstable();
        let median = v[v.len() / 2];
        assert!((93..=106).contains(&median), "median {median}");
        let uni = Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        };
        assert!((0..1000).all(|_| (50..=300).contains(&sample_latency_ms(&uni, &mut rng, 0, 0))));
    }

    #[test]
    fn overlay_is_connected_and_deterministic() {
        let a = gossip_overlay(Streams::new(1), 200, 21, 4, true);
        assert_eq!(a, gossip_overlay(Streams::new(1), 200, 21, 4, true));
        // BFS from node 0 reaches everyone (the ring guarantees it).
        let mut seen = [false; 200];
        let mut stack = vec![0usize];
        seen[0] = true;
        while let Some(x) = stack.pop() {
            for &y in a.peers(x) {
                if !seen[y as usize] {
                    seen[y as usize] = true;
                    stack.push(y as usize);
                }
            }
        }
        assert!(seen.iter().all(|&s| s));
        assert!(a.peers(0).contains(&20));
        assert_eq!(a.len(), 200);
        assert!(a.peers(200).is_empty());
        assert!(a.peers(7).windows(2).all(|w| w[0] < w[1]));
    }
}
