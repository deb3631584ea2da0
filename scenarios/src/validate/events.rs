//! `[[events]]`: the timeline checked against the scenario it shocks. Node events become
//! [`NodeShock`]s that `build` applies to the drawn nodes (each from its own stream, so adding
//! an event never shifts another's draws); validator and partition events become consensus
//! faults, as if written under `[consensus]`.

use economics::economy::{AdoptionModel, MS_PER_HOUR};
use sim_core::time::MS_PER_DAY;

use crate::error::Issue;
use crate::format::{Mode, RawConsensus, RawEvent, RawOffline, RawPartition, RawScenario};

/// A timeline event on compute nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShock {
    /// Its position in `[[events]]` (its draws come from stream `(seed, scenario.events, it)`).
    pub event: u64,
    /// The node group (`None`: every group; adoption only).
    pub group: Option<usize>,
    /// Share of the group's nodes hit, bps (adoption: all of them).
    pub fraction_bps: u32,
    /// What happens to them.
    pub kind: ShockKind,
}

/// What a [`NodeShock`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShockKind {
    /// A scheduled outage.
    Outage {
        /// Start.
        start_ms: u64,
        /// Length.
        duration_ms: u64,
        /// Reported by the operator.
        reported: bool,
    },
    /// Join on this day instead of the node's own join day.
    Join {
        /// The day.
        day: u64,
    },
    /// Exit for good.
    Exit {
        /// When.
        at_ms: u64,
    },
    /// An attack caught.
    Attack {
        /// When.
        at_ms: u64,
    },
    /// Adoption at `bps` over days `[from_day, until_day)`.
    Adoption {
        /// First day.
        from_day: u64,
        /// End (exclusive; `None`: for good).
        until_day: Option<u64>,
        /// Rate.
        bps: u32,
    },
}

fn key(i: usize, field: &str) -> String {
    format!("events[{i}].{field}")
}

fn needs(i: usize, raw: &RawScenario, chain: bool) -> Result<(), Issue> {
    let ok = match raw.run.mode {
        Mode::Schedule => false,
        Mode::Economy => !chain,
        Mode::Consensus => chain,
        Mode::Coupled => true,
    };
    if ok {
        return Ok(());
    }
    let what = if chain { "a chain" } else { "an economy" };
    Err(Issue::cross(
        &key(i, "action"),
        format!("{what} event in {:?} mode", raw.run.mode),
        if chain {
            "validator and partition events need mode = \"consensus\" or \"coupled\""
        } else {
            "node and adoption events need mode = \"economy\" or \"coupled\""
        },
    ))
}

fn in_horizon(i: usize, field: &str, at_ms: u64, raw: &RawScenario) -> Result<(), Issue> {
    let horizon_ms = raw.run.horizon_days.saturating_mul(MS_PER_DAY);
    if at_ms >= horizon_ms {
        return Err(Issue::range(
            &key(i, field),
            format!(
                "the event starts after the horizon ({} days)",
                raw.run.horizon_days
            ),
            "a time within the run",
        ));
    }
    Ok(())
}

fn fraction(i: usize, bps: u32) -> Result<u32, Issue> {
    if bps > 10_000 {
        return Err(Issue::range(
            &key(i, "fraction_bps"),
            format!("{bps} bps"),
            "0 to 10000 bps",
        ));
    }
    Ok(bps)
}

fn group(i: usize, g: u64, raw: &RawScenario) -> Result<usize, Issue> {
    let n = raw.economy.node_groups.len();
    usize::try_from(g).ok().filter(|&g| g < n).ok_or_else(|| {
        Issue::range(
            &key(i, "group"),
            format!("there is no node group {g}"),
            &format!(
                "node groups are 0 to {} ([[economy.node_groups]] in file order)",
                n.saturating_sub(1)
            ),
        )
    })
}

fn hours(i: usize, h: u64) -> Result<u64, Issue> {
    if h == 0 {
        return Err(Issue::range(
            &key(i, "duration_hours"),
            "a length of 0 hours",
            "at least 1 hour",
        ));
    }
    Ok(h.saturating_mul(MS_PER_HOUR))
}

/// Every event's action suits the run mode.
pub(super) fn check_modes(raw: &RawScenario) -> Result<(), Issue> {
    for (i, e) in raw.events.iter().enumerate() {
        let chain = matches!(
            e,
            RawEvent::ValidatorOffline { .. } | RawEvent::Partition { .. }
        );
        needs(i, raw, chain)?;
    }
    Ok(())
}

/// The node shocks of the timeline, checked: targets exist, times lie within the horizon, and
/// no two outages of one group overlap (a node cannot be scheduled dark twice at once).
/// `group_adoption(g)` is the adoption model group `g`'s nodes follow.
pub(super) fn node_shocks(
    raw: &RawScenario,
    group_adoption: &dyn Fn(usize) -> AdoptionModel,
) -> Result<Vec<NodeShock>, Issue> {
    let mut out = Vec::new();
    for (i, e) in raw.events.iter().enumerate() {
        let shock = match *e {
            RawEvent::NodeOutage {
                day,
                duration_hours,
                group: g,
                fraction_bps,
                reported,
            } => {
                let start_ms = day.saturating_mul(MS_PER_DAY);
                (
                    g,
                    fraction_bps,
                    ShockKind::Outage {
                        start_ms,
                        duration_ms: hours(i, duration_hours)?,
                        reported,
                    },
                )
            }
            RawEvent::NodeJoin {
                day,
                group: g,
                fraction_bps,
            } => (g, fraction_bps, ShockKind::Join { day }),
            RawEvent::NodeExit {
                day,
                group: g,
                fraction_bps,
            } => (
                g,
                fraction_bps,
                ShockKind::Exit {
                    at_ms: day.saturating_mul(MS_PER_DAY),
                },
            ),
            RawEvent::NodeAttack {
                day,
                group: g,
                fraction_bps,
            } => (
                g,
                fraction_bps,
                ShockKind::Attack {
                    at_ms: day.saturating_mul(MS_PER_DAY),
                },
            ),
            RawEvent::Adoption {
                day,
                until_day,
                group: g,
                bps,
            } => {
                needs(i, raw, false)?;
                in_horizon(i, "day", day.saturating_mul(MS_PER_DAY), raw)?;
                adoption_event(i, raw, day, until_day, g, bps, group_adoption, &mut out)?;
                continue;
            }
            RawEvent::ValidatorOffline { .. } | RawEvent::Partition { .. } => continue,
        };
        let (g, bps, kind) = shock;
        needs(i, raw, false)?;
        let at = match &kind {
            ShockKind::Outage { start_ms, .. } => *start_ms,
            ShockKind::Join { day } => day.saturating_mul(MS_PER_DAY),
            ShockKind::Exit { at_ms } | ShockKind::Attack { at_ms } => *at_ms,
            ShockKind::Adoption { .. } => unreachable!("handled above"),
        };
        in_horizon(i, "day", at, raw)?;
        out.push(NodeShock {
            event: i as u64,
            group: Some(group(i, g, raw)?),
            fraction_bps: fraction(i, bps)?,
            kind,
        });
    }
    check_outage_overlaps(&out)?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn adoption_event(
    i: usize,
    raw: &RawScenario,
    day: u64,
    until_day: Option<u64>,
    g: Option<u64>,
    bps: u32,
    group_adoption: &dyn Fn(usize) -> AdoptionModel,
    out: &mut Vec<NodeShock>,
) -> Result<(), Issue> {
    if bps > 10_000 {
        return Err(Issue::range(
            &key(i, "bps"),
            format!("{bps} bps"),
            "0 to 10000 bps",
        ));
    }
    if until_day.is_some_and(|u| u <= day) {
        return Err(Issue::cross(
            &key(i, "until_day"),
            "ends before it starts",
            "until_day > day",
        ));
    }
    let group = g.map(|g| group(i, g, raw)).transpose()?;
    let targets: Vec<usize> = match group {
        Some(g) => vec![g],
        None => (0..raw.economy.node_groups.len()).collect(),
    };
    for t in targets {
        if let AdoptionModel::UniformDaily { .. } = group_adoption(t) {
            return Err(Issue::cross(
                &key(i, "group"),
                format!("node group {t} draws its adoption daily (uniform_daily)"),
                "adoption events change groups with a constant or series adoption",
            ));
        }
    }
    out.push(NodeShock {
        event: i as u64,
        group,
        fraction_bps: 10_000,
        kind: ShockKind::Adoption {
            from_day: day,
            until_day,
            bps,
        },
    });
    Ok(())
}

fn check_outage_overlaps(shocks: &[NodeShock]) -> Result<(), Issue> {
    let window = |s: &NodeShock| match s.kind {
        ShockKind::Outage {
            start_ms,
            duration_ms,
            ..
        } => Some((start_ms, start_ms.saturating_add(duration_ms))),
        _ => None,
    };
    for (a, sa) in shocks.iter().enumerate() {
        for sb in &shocks[a + 1..] {
            if let (Some((s1, e1)), Some((s2, e2))) = (window(sa), window(sb))
                && sa.group == sb.group
                && s1 < e2
                && s2 < e1
            {
                return Err(Issue::cross(
                    &key(sb.event as usize, "day"),
                    format!(
                        "this outage of node group {:?} overlaps event {}'s",
                        sb.group.unwrap_or(0),
                        sa.event
                    ),
                    "outages of one group must not overlap in time (make them one event, or use two groups)",
                ));
            }
        }
    }
    Ok(())
}

/// `consensus` with the timeline's validator and partition events added as its faults (after
/// checking them with their `events[i]` keys).
pub(super) fn with_chain_events(raw: &RawScenario) -> Result<RawConsensus, Issue> {
    let mut c = raw.consensus.clone();
    for (i, e) in raw.events.iter().enumerate() {
        match e {
            RawEvent::ValidatorOffline {
                at_s,
                duration_hours,
                validators,
            } => {
                needs(i, raw, true)?;
                in_horizon(i, "at_s", at_s.saturating_mul(1_000), raw)?;
                let end_s = duration_hours
                    .map(|h| hours(i, h).map(|ms| at_s.saturating_add(ms / 1_000)))
                    .transpose()?;
                if validators.is_empty() {
                    return Err(Issue::range(
                        &key(i, "validators"),
                        "no validators",
                        "validator ids, e.g. [1, 2, 3]",
                    ));
                }
                for &v in validators {
                    if !(1..=c.validators).contains(&v) {
                        return Err(Issue::range(
                            &key(i, "validators"),
                            format!("there is no validator {v}"),
                            &format!("validator ids are 1 to {}", c.validators),
                        ));
                    }
                    c.offline.push(RawOffline {
                        validator: Some(v),
                        full_node: None,
                        full_nodes: None,
                        start_s: *at_s,
                        end_s,
                    });
                }
            }
            RawEvent::Partition {
                at_s,
                duration_hours,
                groups,
                full_node_groups,
            } => {
                needs(i, raw, true)?;
                in_horizon(i, "at_s", at_s.saturating_mul(1_000), raw)?;
                let ms = hours(i, *duration_hours)?;
                c.partitions.push(RawPartition {
                    groups: groups.clone(),
                    full_node_groups: full_node_groups.clone(),
                    start_s: *at_s,
                    end_s: at_s.saturating_add(ms / 1_000),
                });
            }
            _ => {}
        }
    }
    Ok(c)
}
