//! The economy of one run: the validated parameters plus nodes, operators and voters drawn from
//! the seed. The only funding check that depends on the draws (voters' drawn endowments) is here.

use economics::economy::{AdoptionModel, EconomyConfig, NodeSpec, OperatorSpec, VoterSpec};
use sim_core::{Amount, Domain, RandomStream, Streams};

use crate::error::Issue;
use crate::validate::{ContractsSpec, Draw, EconomySpec, NodeGroup, NodeShock, ShockKind};

impl Draw {
    /// One value, with exact integer arithmetic.
    fn sample(self, rng: &mut RandomStream) -> u64 {
        match self {
            Draw::Constant(v) => v,
            Draw::Uniform { low, high } => rng.in_range(low, high),
            Draw::LogUniform { low, high } => {
                // Uniform exponent in powers of two, then uniform within the octave.
                let (lo_exp, hi_exp) = (63 - low.leading_zeros(), 63 - high.leading_zeros());
                let e = rng.in_range(u64::from(lo_exp), u64::from(hi_exp));
                let octave_low = (1_u64 << e).max(low);
                let octave_high = if e >= 63 {
                    u64::MAX
                } else {
                    (1_u64 << (e + 1)) - 1
                }
                .min(high);
                rng.in_range(octave_low, octave_high)
            }
        }
    }
}

/// Pushes the nodes (and their operators) of `group`, drawn from `rng` in node order.
fn push_nodes(cfg: &mut EconomyConfig, group: &NodeGroup, rng: &mut RandomStream, horizon_ms: u64) {
    for i in 0..group.count {
        // A node from data takes its row's values; the group's keys stand for what it lacks.
        let row = group.rows.get(i as usize);
        let operator = u32::try_from(cfg.operators.len()).expect("node count validated");
        cfg.operators.push(OperatorSpec {
            endowment: row.map_or(group.operator_endowment, |r| r.operator_endowment),
        });
        // Draw order (exit, attack, power, join day) is part of the output: keep it. A value
        // a row gives is not drawn.
        let mut at_random_time =
            |bps: u32| rng.chance_bps(bps).then(|| rng.below(horizon_ms.max(1)));
        let exit_at_ms = at_random_time(row.map_or(group.exit_bps, |r| r.exit_bps));
        let attack_at_ms = at_random_time(row.map_or(group.attack_bps, |r| r.attack_bps));
        let raw_power = match row.and_then(|r| r.raw_power) {
            Some(p) => p,
            None => group.raw_power.sample(rng),
        };
        let join_day = match row.and_then(|r| r.join_day) {
            Some(d) => d,
            None => group.join_day.sample(rng),
        };
        cfg.nodes.push(NodeSpec {
            kind: row.map_or(group.kind, |r| r.kind),
            raw_power,
            operator,
            join_day,
            outages: Vec::new(),
            failure: row.map_or(group.failure, |r| r.failure),
            exit_at_ms,
            attack_at_ms,
            adoption: group.adoption.clone(),
        });
    }
}

/// The economy of a run with `seed` over `horizon_days`. Fails only if the voters' drawn
/// endowments (with the operators' and, coupled, the chain's genesis) exceed what the market
/// account holds — a figure validation can only bound.
pub fn economy(
    spec: &EconomySpec,
    seed: u64,
    horizon_days: u64,
    chain: Option<&ContractsSpec>,
) -> Result<EconomyConfig, Issue> {
    let mut cfg = spec.params.clone();
    cfg.seed = seed;
    let streams = Streams::new(seed);
    let horizon_ms = horizon_days.saturating_mul(sim_core::time::MS_PER_DAY);
    let mut ranges = Vec::with_capacity(spec.node_groups.len());
    for (g, group) in spec.node_groups.iter().enumerate() {
        let mut rng = streams.stream(Domain("scenario.node_groups"), g as u64);
        let first = cfg.nodes.len();
        push_nodes(&mut cfg, group, &mut rng, horizon_ms);
        ranges.push(first..cfg.nodes.len());
    }
    for shock in &spec.shocks {
        apply_shock(&mut cfg, shock, &ranges, streams);
    }
    for (g, group) in spec.voter_groups.iter().enumerate() {
        let mut rng = streams.stream(Domain("scenario.voter_groups"), g as u64);
        for _ in 0..group.count {
            cfg.voters.push(VoterSpec {
                endowment: Amount::from_dcc(u128::from(group.endowment_dcc.sample(&mut rng))),
                strategy: group.strategy,
                vote_bps: group.vote_bps,
            });
        }
    }
    check_drawn_funding(spec, &cfg, seed, chain)?;
    debug_assert!(
        cfg.validate().is_ok(),
        "validation let through {:?}",
        cfg.validate()
    );
    Ok(cfg)
}

fn check_drawn_funding(
    spec: &EconomySpec,
    cfg: &EconomyConfig,
    seed: u64,
    chain: Option<&ContractsSpec>,
) -> Result<(), Issue> {
    let voters = cfg
        .voters
        .iter()
        .fold(0_u128, |a, v| a.saturating_add(v.endowment.wei()));
    let need = spec
        .operator_endowments_wei()
        .saturating_add(voters)
        .saturating_add(chain.map_or(0, |c| c.genesis_total.wei()));
    let market = spec.market_at_genesis().wei();
    if need > market {
        return Err(Issue::cross(
            "economy.voter_groups",
            format!(
                "with seed {seed} the drawn endowments need {need} wei; the foundation/market \
                 account holds {market} wei"
            ),
            "narrow the voters' endowment_dcc ranges so that every draw fits",
        ));
    }
    Ok(())
}

/// Applies a timeline event to the nodes it targets: `fraction_bps` of each target group
/// (rounded down), chosen by selection sampling from the event's own stream
/// `(seed, scenario.events, the event's stream key)`, so each event's draws are its own.
fn apply_shock(
    cfg: &mut EconomyConfig,
    shock: &NodeShock,
    ranges: &[std::ops::Range<usize>],
    streams: Streams,
) {
    let mut rng = streams.stream(Domain("scenario.events"), shock.stream);
    let groups: Vec<usize> = match shock.group {
        Some(g) => vec![g],
        None => (0..ranges.len()).collect(),
    };
    // Nodes of one base adoption get one spliced series (the base's own, or an earlier
    // event's), so a shock on a large group holds one series, not one per node.
    let mut spliced_by_base: Vec<(AdoptionModel, AdoptionModel)> = Vec::new();
    for g in groups {
        let range = ranges[g].clone();
        let n = range.len() as u64;
        let picked: Vec<u64> =
            super::select(&mut rng, n, n * u64::from(shock.fraction_bps) / 10_000).collect();
        for k in picked {
            let i = range.start + k as usize;
            let default_adoption = cfg.adoption.clone();
            let node = &mut cfg.nodes[i];
            match shock.kind {
                ShockKind::Outage {
                    start_ms,
                    duration_ms,
                    reported,
                } => {
                    node.outages.push(economics::economy::ScheduledOutage {
                        start_ms,
                        duration_ms,
                        reported,
                    });
                    node.outages.sort_by_key(|o| o.start_ms);
                }
                ShockKind::Join { day } => node.join_day = day,
                ShockKind::Exit { at_ms } => {
                    node.exit_at_ms = Some(node.exit_at_ms.map_or(at_ms, |t| t.min(at_ms)));
                }
                ShockKind::Attack { at_ms } => {
                    node.attack_at_ms = Some(node.attack_at_ms.map_or(at_ms, |t| t.min(at_ms)));
                }
                ShockKind::Adoption {
                    from_day,
                    until_day,
                    bps,
                } => {
                    let base = node.adoption.clone().unwrap_or(default_adoption);
                    // Equal series are usually one `Arc` (pointer equality first).
                    let shared = match spliced_by_base.iter().find(|(b, _)| *b == base) {
                        Some((_, s)) => s.clone(),
                        None => {
                            let s = spliced(&base, from_day, until_day, bps);
                            spliced_by_base.push((base, s.clone()));
                            s
                        }
                    };
                    node.adoption = Some(shared);
                }
            }
        }
    }
}

/// `base` (constant or series: validation refused daily draws) with `bps` over days
/// `[from, until)`; a series' last value repeats, so the result ends with the base's own.
fn spliced(base: &AdoptionModel, from: u64, until: Option<u64>, bps: u32) -> AdoptionModel {
    let at = |d: u64| match base {
        AdoptionModel::Constant(c) => *c,
        AdoptionModel::Series(s) => s[(d as usize).min(s.len() - 1)],
        AdoptionModel::UniformDaily { .. } => unreachable!("validation refuses daily draws"),
    };
    let base_len = match base {
        AdoptionModel::Series(s) => s.len() as u64,
        _ => 1,
    };
    let len = match until {
        Some(u) => (u + 1).max(base_len),
        None => from + 1,
    };
    AdoptionModel::Series(
        (0..len)
            .map(|d| {
                let shocked = d >= from && until.is_none_or(|u| d < u);
                if shocked { bps } else { at(d) }
            })
            .collect(),
    )
}
