//! `[[events]]`: the scenario timeline — shocks at given times (a share of a node group going
//! dark, leaving or caught attacking, an adoption level change, validators offline, a
//! partition), each entry one action with its own time and target.

use serde::{Deserialize, Serialize};

/// One timeline entry, told apart by `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawEvent {
    /// A share of a node group goes dark at the start of `day` for `duration_hours` (SPEC §4.5
    /// penalties apply as to any outage).
    NodeOutage {
        /// Start day.
        day: u64,
        /// Length, hours.
        duration_hours: u64,
        /// Node group index (`[[economy.node_groups]]`, 0-based).
        group: u64,
        /// Share of the group, bps (the nodes are drawn from the event's own stream).
        fraction_bps: u32,
        /// Whether the operators report the outage.
        #[serde(default)]
        reported: bool,
    },
    /// A join wave: a share of a node group joins (and first tries to pledge) on `day`, in
    /// place of its own join day.
    NodeJoin {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// A share of a node group exits for good at the start of `day`.
    NodeExit {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// A share of a node group is caught attacking at the start of `day` (whole pledge
    /// forfeited, SPEC §4.5).
    NodeAttack {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// The adoption rate of a group's nodes (or of every group's) is `bps` from `day` until
    /// `until_day` (exclusive; absent: for good), then returns to the group's own.
    Adoption {
        /// First day.
        day: u64,
        /// Day it ends (exclusive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_day: Option<u64>,
        /// Node group index (absent: every group).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<u64>,
        /// The rate, bps.
        bps: u32,
    },
    /// Validators go offline at `at_s` for `duration_hours` (absent: for good).
    ValidatorOffline {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_hours: Option<u64>,
        /// Validator ids.
        validators: Vec<u32>,
    },
    /// A partition at `at_s` for `duration_hours`, as `[[consensus.partitions]]` describes one.
    Partition {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        duration_hours: u64,
        /// Groups of validator ids.
        #[serde(default)]
        groups: Vec<Vec<u32>>,
        /// Full nodes of each group, as inclusive ranges.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        full_node_groups: Vec<Vec<[u32; 2]>>,
    },
}
