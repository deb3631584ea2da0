//! `[[events]]`: the timeline checked against the scenario it shocks. Node events become
//! [`NodeShock`]s that `build` applies to the drawn nodes (each from its own stream, so adding
//! an event never shifts another's draws); validator and partition events become consensus
//! faults, as if written under `[consensus]`.

use consensus_model::ValidatorId;
use consensus_model::contracts::{AccountId, Call, TimedCall};
use economics::economy::{AdoptionModel, CampaignTimeline, MS_PER_HOUR, ScheduledVote};
use sim_core::SimTime;
use sim_core::time::MS_PER_DAY;

use super::chain::{ContractsSpec, validator_id};
use super::economy::EconomySpec;
use crate::error::{ErrorKind, Issue};
use crate::format::{
    Mode, RawConsensus, RawEvent, RawOffline, RawPartition, RawScenario, RawSender, RawSlow,
};
use crate::limits::MAX_TIMELINE_TXS;

/// A timeline transaction to the system contracts, before `build` picks its senders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractAction {
    /// Its stream index (a share of stakers is drawn from stream `(seed, scenario.events, it)`;
    /// a hash of the event, so other events never move its draws).
    pub stream: u64,
    /// When (the first block at or after it).
    pub at: SimTime,
    /// Who sends it.
    pub from: Senders,
    /// What each sender calls.
    pub call: TimedCall,
}

/// The senders of a [`ContractAction`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Senders {
    /// Stakers `first .. first + count` (0-based over every staker group, in file order),
    /// all of them, one, or a share drawn from the event's stream.
    Stakers {
        /// First staker of the group.
        first: u64,
        /// Stakers in the group.
        count: u64,
        /// Which.
        pick: Pick,
    },
    /// These accounts (validators' own, or the admin).
    Accounts(Vec<AccountId>),
}

impl Senders {
    /// The most senders this can pick.
    fn most(&self) -> u64 {
        match self {
            Senders::Stakers { count, pick, .. } => match pick {
                Pick::All => *count,
                Pick::One(_) => 1,
                Pick::Share(bps) => count * u64::from(*bps) / 10_000,
            },
            Senders::Accounts(a) => a.len() as u64,
        }
    }
}

/// Which stakers of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Every one.
    All,
    /// The one at this index in the group.
    One(u64),
    /// `floor(count · bps / 10,000)` of them.
    Share(u32),
}

/// A timeline event on compute nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShock {
    /// Its position in `[[events]]` (for messages).
    pub position: usize,
    /// Its stream index (its draws come from stream `(seed, scenario.events, it)`): a hash of
    /// the event, so other events never move its draws.
    pub stream: u64,
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

/// The stream index of each event: a hash of the event's own content (FNV-1a over its JSON
/// form) and of how many identical events come before it. Not its position: inserting,
/// removing or reordering other events then never moves its draws.
fn stream_keys(raw: &RawScenario) -> Vec<u64> {
    let mut seen = std::collections::BTreeMap::<Vec<u8>, u64>::new();
    raw.events
        .iter()
        .map(|e| {
            let own = serde_json::to_vec(e).expect("events serialise to JSON");
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in &own {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            let twins = seen.entry(own).or_default();
            *twins += 1;
            for b in (*twins - 1).to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            h
        })
        .collect()
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

/// True for events on the chain (consensus or contracts), false for the economy's.
fn on_chain(e: &RawEvent) -> bool {
    !matches!(
        e,
        RawEvent::NodeOutage { .. }
            | RawEvent::NodeJoin { .. }
            | RawEvent::NodeExit { .. }
            | RawEvent::NodeAttack { .. }
            | RawEvent::Adoption { .. }
            | RawEvent::CampaignVote { .. }
            | RawEvent::VoteFee { .. }
    )
}

/// Every event's action suits the run mode.
pub(super) fn check_modes(raw: &RawScenario) -> Result<(), Issue> {
    for (i, e) in raw.events.iter().enumerate() {
        needs(i, raw, on_chain(e))?;
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
    let keys = stream_keys(raw);
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
                adoption_event(
                    (i, keys[i]),
                    raw,
                    day,
                    until_day,
                    g,
                    bps,
                    group_adoption,
                    &mut out,
                )?;
                continue;
            }
            _ => continue,
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
            position: i,
            stream: keys[i],
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
    (i, stream): (usize, u64),
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
        position: i,
        stream,
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
                    &key(sb.position, "day"),
                    format!(
                        "this outage of node group {:?} overlaps event {}'s",
                        sb.group.unwrap_or(0),
                        sa.position
                    ),
                    "outages of one group must not overlap in time (make them one event, or use two groups)",
                ));
            }
        }
    }
    Ok(())
}

/// The timeline's validator outages by count (checked by [`with_chain_events`]), for `build`
/// to draw from each event's stream.
pub(super) fn drawn_offline(raw: &RawScenario) -> Vec<super::chain::DrawnOffline> {
    let keys = stream_keys(raw);
    raw.events
        .iter()
        .zip(keys)
        .filter_map(|(e, stream)| match *e {
            RawEvent::ValidatorOffline {
                at_s,
                duration_hours,
                count: Some(count),
                ..
            } => Some(super::chain::DrawnOffline {
                stream,
                count,
                start: SimTime::from_secs(at_s),
                end: duration_hours.map_or(SimTime::MAX, |h| {
                    SimTime::from_secs(at_s.saturating_add(h.saturating_mul(3_600)))
                }),
            }),
            _ => None,
        })
        .collect()
}

/// A chain fault event's window: checks its mode and start, and returns its end in seconds
/// (`None`: for good).
fn chain_window(
    i: usize,
    raw: &RawScenario,
    at_s: u64,
    duration_hours: Option<u64>,
) -> Result<Option<u64>, Issue> {
    needs(i, raw, true)?;
    in_horizon(i, "at_s", at_s.saturating_mul(1_000), raw)?;
    duration_hours
        .map(|h| hours(i, h).map(|ms| at_s.saturating_add(ms / 1_000)))
        .transpose()
}

/// `consensus` with the timeline's validator and partition events added as its faults (after
/// checking them with their `events[i]` keys).
pub(super) fn with_chain_events(raw: &RawScenario) -> Result<RawConsensus, Issue> {
    let mut c = raw.consensus.clone();
    for (i, e) in raw.events.iter().enumerate() {
        match e {
            RawEvent::ValidatorSlow {
                at_s,
                duration_hours,
                validators,
                extra_ms,
            } => {
                let end_s = chain_window(i, raw, *at_s, *duration_hours)?;
                for ValidatorId(v) in validator_list(i, validators, c.validators)? {
                    c.slow.push(RawSlow {
                        validator: v,
                        extra_ms: *extra_ms,
                        start_s: Some(*at_s),
                        end_s,
                    });
                }
            }
            RawEvent::FullNodeOffline {
                at_s,
                duration_hours,
                full_nodes,
                full_node_region,
            } => {
                let end_s = chain_window(i, raw, *at_s, *duration_hours)?;
                if full_nodes.is_some() == full_node_region.is_some() {
                    return Err(Issue::new(
                        ErrorKind::MissingKey,
                        &key(i, "full_nodes"),
                        "give exactly one of `full_nodes` or `full_node_region`",
                        "e.g. full_nodes = [0, 99] or full_node_region = 2",
                    ));
                }
                let entry = RawOffline {
                    validator: None,
                    full_node: None,
                    full_nodes: *full_nodes,
                    full_node_region: *full_node_region,
                    start_s: *at_s,
                    end_s,
                };
                // Checked here too, so that a bad target names the event's key.
                super::chain::offline(&c, &format!("events[{i}]"), &entry)?;
                c.offline.push(entry);
            }
            RawEvent::ValidatorOffline {
                at_s,
                duration_hours,
                validators,
                count,
            } => {
                let end_s = chain_window(i, raw, *at_s, *duration_hours)?;
                if let Some(n) = *count {
                    if !validators.is_empty() || n == 0 || n > c.validators {
                        return Err(Issue::cross(
                            &key(i, "count"),
                            format!("{n} validators drawn (with {} listed)", validators.len()),
                            &format!(
                                "either `validators = [ids]` or `count` from 1 to {}",
                                c.validators
                            ),
                        ));
                    }
                    // Drawn by `build` (the seed meets the scenario only there).
                    continue;
                }
                for ValidatorId(v) in validator_list(i, validators, c.validators)? {
                    c.offline.push(RawOffline {
                        validator: Some(v),
                        full_node: None,
                        full_nodes: None,
                        full_node_region: None,
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
                region_groups,
            } => {
                needs(i, raw, true)?;
                in_horizon(i, "at_s", at_s.saturating_mul(1_000), raw)?;
                let ms = hours(i, *duration_hours)?;
                let entry = RawPartition {
                    groups: groups.clone(),
                    full_node_groups: full_node_groups.clone(),
                    region_groups: region_groups.clone(),
                    start_s: *at_s,
                    end_s: at_s.saturating_add(ms / 1_000),
                };
                // Checked here too, so that a bad group names the event's key.
                super::chain::partition(&c, &format!("events[{i}]"), &entry)?;
                c.partitions.push(entry);
            }
            _ => {}
        }
    }
    Ok(c)
}

fn sender(
    i: usize,
    from: &RawSender,
    contracts: &ContractsSpec,
    validators: u32,
) -> Result<Senders, Issue> {
    let path = |f: &str| key(i, &format!("from.{f}"));
    match (from.staker_group, from.owner) {
        (None, Some(v)) => {
            if from.staker.is_some() || from.fraction_bps.is_some() {
                return Err(Issue::cross(
                    &path("owner"),
                    "`owner` names one account: `staker` and `fraction_bps` do not apply",
                    "drop staker / fraction_bps, or send from a staker_group",
                ));
            }
            Ok(Senders::Accounts(vec![own_account(validator_id(
                &path("owner"),
                v,
                validators,
            )?)]))
        }
        (Some(g), None) => {
            let groups = &contracts.staker_groups;
            let Some(group) = usize::try_from(g).ok().and_then(|g| groups.get(g)) else {
                return Err(Issue::range(
                    &path("staker_group"),
                    format!("there is no staker group {g}"),
                    &format!(
                        "staker groups are 0 to {} ([[contracts.staker_groups]] in file order)",
                        groups.len().saturating_sub(1)
                    ),
                ));
            };
            let first = groups[..g as usize].iter().map(|s| s.count).sum();
            let pick = match (from.staker, from.fraction_bps) {
                (Some(_), Some(_)) => {
                    return Err(Issue::cross(
                        &path("fraction_bps"),
                        "both one staker and a share of the group",
                        "give staker or fraction_bps, not both",
                    ));
                }
                (Some(k), None) if k >= group.count => {
                    return Err(Issue::range(
                        &path("staker"),
                        format!("staker group {g} has {} stakers", group.count),
                        &format!("0 to {}", group.count.saturating_sub(1)),
                    ));
                }
                (Some(k), None) => Pick::One(k),
                (None, Some(bps)) if bps > 10_000 => {
                    return Err(Issue::range(
                        &path("fraction_bps"),
                        format!("{bps} bps"),
                        "0 to 10000 bps",
                    ));
                }
                (None, Some(bps)) => Pick::Share(bps),
                (None, None) => Pick::All,
            };
            Ok(Senders::Stakers {
                first,
                count: group.count,
                pick,
            })
        }
        _ => Err(Issue::cross(
            &key(i, "from"),
            "the senders are not named",
            "from = { staker_group = G } (optionally staker = K or fraction_bps = B), or from = { owner = V }",
        )),
    }
}

/// A validator's own account: the one with its id (SPEC §3: the genesis owner).
fn own_account(v: ValidatorId) -> AccountId {
    AccountId(v.0)
}

fn validator_list(i: usize, ids: &[u32], validators: u32) -> Result<Vec<ValidatorId>, Issue> {
    if ids.is_empty() {
        return Err(Issue::range(
            &key(i, "validators"),
            "no validators",
            "validator ids, e.g. [1, 2, 3]",
        ));
    }
    ids.iter()
        .map(|&v| validator_id(&key(i, "validators"), v, validators))
        .collect()
}

/// The timeline's contract transactions and fee-model changes, checked and stored in
/// `contracts` (senders are picked by `build`, from each event's stream).
pub(super) fn contract_timeline(
    raw: &RawScenario,
    contracts: &mut ContractsSpec,
) -> Result<(), Issue> {
    let n = raw.consensus.validators;
    let keys = stream_keys(raw);
    let mut out = Vec::new();
    for (i, e) in raw.events.iter().enumerate() {
        let at_s = match e {
            RawEvent::Stake { at_s, .. }
            | RawEvent::Unstake { at_s, .. }
            | RawEvent::WithdrawStake { at_s, .. }
            | RawEvent::WithdrawIncome { at_s, .. }
            | RawEvent::Proposal { at_s, .. }
            | RawEvent::ValidatorVote { at_s, .. }
            | RawEvent::FeeModel { at_s, .. } => *at_s,
            _ => continue,
        };
        in_horizon(i, "at_s", at_s.saturating_mul(1_000), raw)?;
        let at = SimTime::from_ms(at_s.saturating_mul(1_000));
        let v = |id: u32| validator_id(&key(i, "validator"), id, n);
        let mut push_timed = |from: Senders, call: TimedCall| {
            out.push(ContractAction {
                stream: keys[i],
                at,
                from,
                call,
            });
        };
        match e {
            RawEvent::Stake {
                from,
                validator,
                amount,
                ..
            } => {
                if amount.0.is_zero() {
                    return Err(Issue::range(
                        &key(i, "amount"),
                        "a stake of 0",
                        "a positive amount, e.g. \"1000 DCC\"",
                    ));
                }
                let from = sender(i, from, contracts, n)?;
                let call = Call::Stake {
                    validator: v(*validator)?,
                    amount: amount.0,
                };
                push_timed(from, TimedCall::Call(call));
            }
            RawEvent::Unstake {
                from, validator, ..
            }
            | RawEvent::WithdrawStake {
                from, validator, ..
            } => {
                let from = sender(i, from, contracts, n)?;
                let validator = v(*validator)?;
                let call = if matches!(e, RawEvent::Unstake { .. }) {
                    Call::Unstake { validator }
                } else {
                    Call::WithdrawStake { validator }
                };
                push_timed(from, TimedCall::Call(call));
            }
            RawEvent::WithdrawIncome { validators, .. } => {
                for id in validator_list(i, validators, n)? {
                    push_timed(
                        Senders::Accounts(vec![own_account(id)]),
                        TimedCall::Call(Call::WithdrawIncome { validator: id }),
                    );
                }
            }
            RawEvent::Proposal { validator, .. } => {
                let admin = super::chain::ADMIN_ACCOUNT;
                push_timed(
                    Senders::Accounts(vec![admin]),
                    TimedCall::Call(Call::Propose {
                        candidate: v(*validator)?,
                    }),
                );
            }
            RawEvent::ValidatorVote {
                validators,
                candidate,
                agree,
                ..
            } => {
                let candidate = validator_id(&key(i, "candidate"), *candidate, n)?;
                for voter in validator_list(i, validators, n)? {
                    push_timed(
                        Senders::Accounts(vec![own_account(voter)]),
                        TimedCall::VoteFor {
                            voter,
                            candidate,
                            agree: *agree,
                        },
                    );
                }
            }
            RawEvent::FeeModel { fees, .. } => {
                let model = super::chain::fee_model(&key(i, "fees"), fees)?;
                contracts.fee_changes.push((at, model));
            }
            _ => unreachable!("only contract events pass the first match"),
        }
    }
    let txs: u64 = out.iter().map(|a| a.from.most()).sum();
    if txs > MAX_TIMELINE_TXS {
        return Err(Issue::range(
            "events",
            format!("the timeline sends up to {txs} contract transactions"),
            &format!("at most {MAX_TIMELINE_TXS} (split the waves, or use fraction_bps)"),
        ));
    }
    contracts.timeline = out;
    Ok(())
}

/// The timeline's campaign votes and vote-fee changes, checked and stored in `economy`.
pub(super) fn campaign_timeline(raw: &RawScenario, economy: &mut EconomySpec) -> Result<(), Issue> {
    let voters: u64 = economy.voter_groups.iter().map(|g| g.count).sum();
    let nodes: u64 = economy.node_groups.iter().map(|g| g.count).sum();
    let c = &economy.params.campaign;
    let mut timeline = CampaignTimeline::default();
    for (i, e) in raw.events.iter().enumerate() {
        match *e {
            RawEvent::CampaignVote {
                day,
                voter,
                node,
                amount,
            } => {
                in_horizon(i, "day", day.saturating_mul(MS_PER_DAY), raw)?;
                if voter >= voters {
                    return Err(Issue::range(
                        &key(i, "voter"),
                        format!("there is no voter {voter}"),
                        &format!(
                            "voters are 0 to {} (every [[economy.voter_groups]] in file order)",
                            voters.saturating_sub(1)
                        ),
                    ));
                }
                if node >= nodes {
                    return Err(Issue::range(
                        &key(i, "node"),
                        format!("there is no node {node}"),
                        &format!(
                            "nodes are 0 to {} (every [[economy.node_groups]] in file order)",
                            nodes.saturating_sub(1)
                        ),
                    ));
                }
                if !c.is_vote_amount(amount.0) {
                    return Err(Issue::range(
                        &key(i, "amount"),
                        format!("{} wei", amount.0.wei()),
                        &format!(
                            "a positive multiple of the vote unit ({} wei), at least the \
                             minimum vote ({} wei)",
                            c.vote_unit.wei().max(1),
                            c.min_vote.wei()
                        ),
                    ));
                }
                timeline.votes.push(ScheduledVote {
                    day,
                    voter: voter as u32,
                    node: node as u32,
                    amount: amount.0,
                });
            }
            RawEvent::VoteFee { day, amount } => {
                in_horizon(i, "day", day.saturating_mul(MS_PER_DAY), raw)?;
                timeline.vote_fees.push((day, amount.0));
            }
            _ => {}
        }
    }
    economy.params.timeline = timeline;
    Ok(())
}
