//! The economy of one run: the validated parameters plus nodes, operators and voters drawn from
//! the seed. The only funding check that depends on the draws (voters' drawn endowments) is here.

use economics::economy::{EconomyConfig, NodeSpec, OperatorSpec, VoterSpec};
use sim_core::{Amount, Domain, RandomStream, Streams};

use crate::error::Issue;
use crate::validate::{ContractsSpec, Draw, EconomySpec, NodeGroup};

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
    for (g, group) in spec.node_groups.iter().enumerate() {
        let mut rng = streams.stream(Domain("scenario.node_groups"), g as u64);
        push_nodes(&mut cfg, group, &mut rng, horizon_ms);
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
