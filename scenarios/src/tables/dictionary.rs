//! The data dictionary: every output table and column defined once — name, type, unit, meaning,
//! SPEC section. `docs/columns.md` and `dcfs-sim columns` are printed from it, readers take the
//! optional columns from it, and a test checks every table every bundled example writes against
//! it (names, order and types), so a column cannot appear without a definition.

use super::{ColumnData, Table, names};

/// The type of a column, as the CSV and Parquet writers give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Unsigned 64-bit integer (Parquet UInt64).
    U64,
    /// Exact unsigned integer up to 10³⁸ − 1 (Parquet Decimal(38,0); a `*_wei` column also gets
    /// a `*_dcc` Float64 partner in Parquet).
    U128,
    /// true / false (Parquet Boolean).
    Bool,
    /// Text (Parquet String).
    Str,
    /// U64 that may be empty (an empty CSV cell, a Parquet null).
    OptU64,
    /// U128 that may be empty.
    OptU128,
    /// A ratio or statistic (Parquet Float64).
    F64,
}

impl ColumnType {
    /// The type of written data.
    pub fn of(data: &ColumnData) -> ColumnType {
        match data {
            ColumnData::U64(_) => ColumnType::U64,
            ColumnData::U128(_) => ColumnType::U128,
            ColumnData::Bool(_) => ColumnType::Bool,
            ColumnData::Str(_) => ColumnType::Str,
            ColumnData::OptU64(_) => ColumnType::OptU64,
            ColumnData::OptU128(_) => ColumnType::OptU128,
            ColumnData::F64(_) => ColumnType::F64,
        }
    }

    /// The short name `dcfs-sim columns --json` gives.
    pub fn short(self) -> &'static str {
        match self {
            ColumnType::U64 => "u64",
            ColumnType::U128 => "u128",
            ColumnType::Bool => "bool",
            ColumnType::Str => "text",
            ColumnType::OptU64 => "u64?",
            ColumnType::OptU128 => "u128?",
            ColumnType::F64 => "f64",
        }
    }

    /// How `docs/columns.md` names it.
    pub fn label(self) -> &'static str {
        match self {
            ColumnType::U64 => "u64",
            ColumnType::U128 => "u128 (Decimal(38,0))",
            ColumnType::Bool => "bool",
            ColumnType::Str => "text",
            ColumnType::OptU64 => "u64, may be empty",
            ColumnType::OptU128 => "u128 (Decimal(38,0)), may be empty",
            ColumnType::F64 => "f64",
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// Name (units last).
    pub name: &'static str,
    /// Type.
    pub ty: ColumnType,
    /// Unit ("" for identifiers, flags and text).
    pub unit: &'static str,
    /// What it holds.
    pub meaning: &'static str,
}

/// One table (a name may have one definition per run mode, e.g. `daily`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    /// File stem.
    pub name: &'static str,
    /// The run modes that write it with these columns.
    pub modes: &'static str,
    /// What a row is.
    pub row: &'static str,
    /// The SPEC section it reports.
    pub spec: &'static str,
    /// Its columns, in order, as groups (a mode may add a group).
    pub columns: &'static [&'static [ColumnDef]],
}

impl TableDef {
    /// Every column, in order.
    pub fn all_columns(&self) -> impl Iterator<Item = &'static ColumnDef> {
        self.columns.iter().flat_map(|g| g.iter())
    }

    /// This definition as JSON (as `dcfs-sim columns --json` and Parquet file metadata give it).
    pub fn to_json(&self) -> serde_json::Value {
        let columns: Vec<serde_json::Value> = self
            .all_columns()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "type": c.ty.short(),
                    "unit": c.unit,
                    "meaning": c.meaning,
                })
            })
            .collect();
        serde_json::json!({
            "name": self.name,
            "modes": self.modes,
            "row": self.row,
            "spec": self.spec,
            "columns": columns,
        })
    }

    /// True if `table` has exactly these columns (names and types, in order).
    pub fn matches(&self, table: &Table) -> bool {
        table.name == self.name
            && table.columns.len() == self.all_columns().count()
            && table
                .columns
                .iter()
                .zip(self.all_columns())
                .all(|(c, d)| c.name == d.name && ColumnType::of(&c.data) == d.ty)
    }
}

const fn col(
    name: &'static str,
    ty: ColumnType,
    unit: &'static str,
    meaning: &'static str,
) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        unit,
        meaning,
    }
}

use ColumnType::{Bool, F64, OptU64, OptU128, Str, U64, U128};

const DAY: ColumnDef = col(
    "day",
    U64,
    "day",
    "0-based simulated day (day d spans [d·86,400 s, (d+1)·86,400 s))",
);

const SCHEDULE_DAILY: &[ColumnDef] = &[
    DAY,
    col(
        "emission_wei",
        U128,
        "wei",
        "emission of the day: min(E(d), pool), E(d) = E0 >> floor(d / halving period)",
    ),
    col(
        "emission_cumulative_wei",
        U128,
        "wei",
        "emission since genesis, this day included",
    ),
    col(
        "vested_wei",
        U128,
        "wei",
        "released by vesting schedules this day (liquid-at-genesis allocations never appear)",
    ),
    col(
        "vested_cumulative_wei",
        U128,
        "wei",
        "released by vesting since genesis",
    ),
    col(
        "mining_pool_wei",
        U128,
        "wei",
        "what the mining pool holds after the day (every emitted wei leaves it)",
    ),
    col(
        "world_team_vested_wei",
        U128,
        "wei",
        "released this day by the world team allocation",
    ),
    col(
        "om_staff_vested_wei",
        U128,
        "wei",
        "released this day by the O&M staff allocation",
    ),
    col(
        "chain_operators_vested_wei",
        U128,
        "wei",
        "released this day by the chain operators allocation",
    ),
    col(
        "airdrop_vested_wei",
        U128,
        "wei",
        "released this day by the airdrop allocation (0 when liquid at genesis)",
    ),
    col(
        "community_incentives_vested_wei",
        U128,
        "wei",
        "released this day by the community incentives allocation",
    ),
    col(
        "defi_pool_vested_wei",
        U128,
        "wei",
        "released this day by the DeFi pool allocation",
    ),
    col(
        "ecosystem_building_vested_wei",
        U128,
        "wei",
        "released this day by the ecosystem building allocation",
    ),
    col(
        "foundation_vested_wei",
        U128,
        "wei",
        "released this day by the foundation allocation",
    ),
    col(
        "joint_labs_vested_wei",
        U128,
        "wei",
        "released this day by the joint labs allocation",
    ),
];

const ECONOMY_DAILY: &[ColumnDef] = &[
    DAY,
    col(
        "settlement_delay_ms",
        U64,
        "ms",
        "settlement time minus the day's end boundary (0 on an ideal chain; coupled: the first block after the boundary)",
    ),
    col(
        "nodes_active",
        U64,
        "nodes",
        "nodes with effective power > 0 this day",
    ),
    col(
        "nodes_pledged",
        U64,
        "nodes",
        "nodes holding a valid pledge at settlement",
    ),
    col(
        "super_nodes",
        U64,
        "nodes",
        "super nodes in office this day",
    ),
    col(
        "effective_power",
        U128,
        "power·s",
        "Σ over pledged nodes of standardised power × seconds online this day (the denominator of basic rewards)",
    ),
    col(
        "emission_wei",
        U128,
        "wei",
        "scheduled E(d), capped by what the pool held",
    ),
    col(
        "basic_paid_wei",
        U128,
        "wei",
        "basic reward paid (64% share, by effective power)",
    ),
    col(
        "stability_paid_wei",
        U128,
        "wei",
        "stability reward paid (20% share × adoption)",
    ),
    col(
        "extra_paid_wei",
        U128,
        "wei",
        "super-node extra paid (6.4% share)",
    ),
    col(
        "election_super_nodes_paid_wei",
        U128,
        "wei",
        "election reward paid to super nodes",
    ),
    col(
        "election_voters_paid_wei",
        U128,
        "wei",
        "election reward paid to voters",
    ),
    col(
        "burned_pre_election_wei",
        U128,
        "wei",
        "burned by the pre-election rule (shares with no recipient before the first term)",
    ),
    col(
        "burned_unadopted_wei",
        U128,
        "wei",
        "burned: the non-adopted part of stability",
    ),
    col(
        "burned_forfeits_wei",
        U128,
        "wei",
        "burned: forfeited pledges",
    ),
    col(
        "forfeits_to_pool_wei",
        U128,
        "wei",
        "forfeited pledges returned to the mining pool (the selectable sink)",
    ),
    col(
        "emission_left_in_pool_wei",
        U128,
        "wei",
        "emission that stayed in the pool (rounding dust, empty categories)",
    ),
    col(
        "pool_remaining_wei",
        U128,
        "wei",
        "what the mining pool holds after the day",
    ),
    col(
        "vested_released_wei",
        U128,
        "wei",
        "released by vesting this day",
    ),
    col(
        "circulating_wei",
        U128,
        "wei",
        "circulating supply: the liquid bucket of SPEC §7 after the day",
    ),
    col("locked_unvested_wei", U128, "wei", "unvested allocations"),
    col("locked_node_pledges_wei", U128, "wei", "node pledges held"),
    col(
        "locked_votes_wei",
        U128,
        "wei",
        "votes locked in the campaign",
    ),
    col(
        "locked_validator_stake_wei",
        U128,
        "wei",
        "validator stake (0 in economy mode, the chain's in coupled mode)",
    ),
    col(
        "unwithdrawn_income_wei",
        U128,
        "wei",
        "validator income not yet withdrawn (vote fees in economy mode)",
    ),
    col("burned_total_wei", U128, "wei", "burned since genesis"),
    col(
        "vote_fees_wei",
        U128,
        "wei",
        "vote handling fees collected this day",
    ),
    col(
        "votes_cast_wei",
        U128,
        "wei",
        "votes cast this day (DCC locked)",
    ),
    col("votes_released_wei", U128, "wei", "votes released this day"),
];

const COUPLED_DAILY: &[ColumnDef] = &[
    col(
        "chain_liquid_wei",
        U128,
        "wei",
        "coupled: liquid balances held in the chain's accounts at settlement (inside circulating_wei)",
    ),
    col(
        "chain_stake_wei",
        U128,
        "wei",
        "coupled: stake bonded in the system contracts (inside locked_validator_stake_wei)",
    ),
    col(
        "chain_income_wei",
        U128,
        "wei",
        "coupled: validator income held by the contracts (inside unwithdrawn_income_wei)",
    ),
    col(
        "chain_burned_wei",
        U128,
        "wei",
        "coupled: burned by the contracts (inside burned_total_wei)",
    ),
];

/// Added with the lump-sum reading (`economy.readings.stability_lump_days > 0`), after the
/// chain's columns when coupled.
const LUMP_DAILY: &[ColumnDef] = &[
    col(
        "stability_accrued_wei",
        U128,
        "wei",
        "lump-sum reading: stability accrued this day, owed and still in the mining pool (stability_paid_wei is 0)",
    ),
    col(
        "stability_lump_paid_wei",
        U128,
        "wei",
        "lump-sum reading: accrued stability paid this day to nodes still pledged",
    ),
    col(
        "burned_stability_accrual_wei",
        U128,
        "wei",
        "lump-sum reading: accrued stability of nodes no longer pledged, burned this day",
    ),
    col(
        "stability_accrual_held_wei",
        U128,
        "wei",
        "lump-sum reading: accrued stability owed after the day (inside pool_remaining_wei)",
    ),
];

const NODES: &[ColumnDef] = &[
    col(
        "node",
        U64,
        "",
        "compute node index (0-based, in node-group order)",
    ),
    col(
        "status",
        Str,
        "",
        "at the end of the run: not_joined, unpledged, pledged, cleared, lapsed or gone",
    ),
    col(
        "basic_wei",
        U128,
        "wei",
        "basic rewards received since genesis",
    ),
    col("stability_wei", U128, "wei", "stability rewards received"),
    col("extra_wei", U128, "wei", "super-node extra received"),
    col(
        "election_wei",
        U128,
        "wei",
        "election rewards received as a super node",
    ),
    col(
        "forfeited_wei",
        U128,
        "wei",
        "pledge forfeited by penalties",
    ),
    col("pledge_wei", U128, "wei", "pledge held at the end"),
    col(
        "forfeit_count",
        U64,
        "count",
        "penalties that forfeited pledge",
    ),
];

const VOTERS: &[ColumnDef] = &[
    col(
        "voter",
        U64,
        "",
        "voter index (0-based, in voter-group order)",
    ),
    col(
        "votes",
        U64,
        "votes",
        "votes cast since genesis (one per campaign at most)",
    ),
    col("endowment_wei", U128, "wei", "liquid endowment at genesis"),
    col("balance_wei", U128, "wei", "liquid balance at the end"),
    col("voted_wei", U128, "wei", "DCC voted since genesis"),
    col(
        "locked_wei",
        U128,
        "wei",
        "DCC still locked in votes at the end",
    ),
    col("fees_paid_wei", U128, "wei", "vote handling fees paid"),
    col("rewards_wei", U128, "wei", "election rewards received"),
];

const REWARD_INEQUALITY: &[ColumnDef] = &[
    col("from_day", U64, "day", "first day of the window"),
    col(
        "day",
        U64,
        "day",
        "last day of the window (every outputs.inequality_every_days days)",
    ),
    col(
        "nodes",
        U64,
        "nodes",
        "nodes that had joined and not left at the window's end (the population)",
    ),
    col(
        "nodes_rewarded",
        U64,
        "nodes",
        "of which received a reward in the window",
    ),
    col(
        "rewards_wei",
        U128,
        "wei",
        "basic + stability + extra + election rewards paid to nodes in the window",
    ),
    col(
        "gini",
        F64,
        "ratio",
        "Gini coefficient of the nodes' rewards in the window: 0 all equal, → 1 one node takes all (0 when nothing was paid)",
    ),
    col(
        "nakamoto",
        U64,
        "nodes",
        "fewest nodes that received more than half of the window's rewards (0 when nothing was paid)",
    ),
];

const STAKE_INEQUALITY: &[ColumnDef] = &[
    col(
        "day",
        U64,
        "day",
        "the day (every outputs.inequality_every_days days)",
    ),
    col("height", U64, "height", "its last epoch block"),
    col(
        "validators",
        U64,
        "validators",
        "validators with bonded stake there",
    ),
    col("stake_wei", U128, "wei", "their bonded stake"),
    col(
        "gini",
        F64,
        "ratio",
        "Gini coefficient of that stake (0 all equal)",
    ),
    col(
        "nakamoto",
        U64,
        "validators",
        "fewest validators holding more than half of it",
    ),
];

const NODE_DAILY: &[ColumnDef] = &[
    col(
        "day",
        U64,
        "day",
        "the settled day sampled (every outputs.node_daily_every_days days)",
    ),
    col("node", U64, "", "compute node index"),
    col(
        "status",
        Str,
        "",
        "not_joined, unpledged, pledged, cleared, lapsed or gone",
    ),
    col("power", U64, "power", "standardised power (SPEC §4.1)"),
    col(
        "online_pledged_s",
        U64,
        "s",
        "whole seconds of the sampled day the node was online while holding a valid pledge: \
         the seconds in its effective power (SPEC §4.3); 0 without a pledge or power",
    ),
    col("pledge_wei", U128, "wei", "pledge held"),
    col(
        "rewards_wei",
        U128,
        "wei",
        "basic + stability + extra + election received since the previous sample",
    ),
    col("rewards_total_wei", U128, "wei", "the same since genesis"),
    col(
        "forfeited_total_wei",
        U128,
        "wei",
        "pledge forfeited since genesis",
    ),
    col(
        "forfeit_count",
        U64,
        "count",
        "penalties that forfeited pledge",
    ),
];

const ELECTIONS: &[ColumnDef] = &[
    col("term", U64, "", "term number (1-based)"),
    col(
        "voting_open_day",
        U64,
        "day",
        "day voting for the term opened",
    ),
    col("term_start_day", U64, "day", "first day of the term"),
    col("term_end_day", U64, "day", "first day after the term"),
    col("node", U64, "", "candidate compute node"),
    col(
        "power",
        U64,
        "power",
        "candidate's standardised power at the election",
    ),
    col("votes_wei", U128, "wei", "votes for the candidate"),
    col("elected", Bool, "", "took a seat"),
];

const CHAIN_DAILY: &[ColumnDef] = &[
    DAY,
    col(
        "canonical_blocks",
        U64,
        "blocks",
        "blocks of the final canonical chain with a timestamp in the day",
    ),
    col(
        "in_turn",
        U64,
        "blocks",
        "of which sealed in turn (difficulty 2)",
    ),
    col(
        "out_of_turn",
        U64,
        "blocks",
        "of which sealed out of turn (difficulty 1)",
    ),
    col(
        "missed_turns",
        U64,
        "turns",
        "turns missed by the in-turn validator (one per out-of-turn canonical block)",
    ),
    col(
        "sealed_blocks",
        U64,
        "blocks",
        "blocks sealed in the day on any branch",
    ),
    col(
        "fork_heights",
        U64,
        "heights",
        "heights that got a second block during the day",
    ),
    col(
        "reorgs",
        U64,
        "reorgs",
        "reorganisations summed over every node's view (one network fork seen by 20 nodes counts 20)",
    ),
    col(
        "deepest_reorg",
        U64,
        "blocks",
        "deepest of those reorganisations",
    ),
    col(
        "longest_gap_ms",
        U64,
        "ms",
        "longest time between consecutive canonical blocks whose later block lies in the day (or from the last one to the day's end)",
    ),
    col("halted", Bool, "", "longest_gap_ms ≥ consensus.halt_gap_ms"),
];

const BLOCKS: &[ColumnDef] = &[
    col("height", U64, "height", "block height"),
    col("time_ms", U64, "ms", "header timestamp"),
    col("sealed_at_ms", U64, "ms", "simulated time it was sealed"),
    col("producer", U64, "", "validator id that sealed it"),
    col("block_id", U64, "", "block identifier (unique in the run)"),
    col("parent_id", U64, "", "parent's block_id"),
    col("difficulty", U64, "", "2 in turn, 1 out of turn"),
    col("total_difficulty", U64, "", "Σ difficulty from genesis"),
    col("in_turn", Bool, "", "sealed in turn"),
    col(
        "canonical",
        Bool,
        "",
        "on the canonical chain at the end of the run (or when pruned)",
    ),
];

const VALIDATORS: &[ColumnDef] = &[
    col(
        "height",
        U64,
        "height",
        "the epoch block (every 200 blocks)",
    ),
    col("time_ms", U64, "ms", "its timestamp"),
    col("validator", U64, "", "validator id"),
    col("status", Str, "", "created, staked, unstaked or jailed"),
    col(
        "active_next",
        Bool,
        "",
        "in the set that takes effect from the next block",
    ),
    col(
        "missed",
        U64,
        "turns",
        "missed-block counter after this epoch's decay",
    ),
    col(
        "punishments_total",
        U64,
        "count",
        "punishments since genesis",
    ),
    col("jailings_total", U64, "count", "times jailed"),
    col("stake_wei", U128, "wei", "bonded stake"),
    col("income_wei", U128, "wei", "income not yet withdrawn"),
    col(
        "earned_total_wei",
        U128,
        "wei",
        "income earned since genesis",
    ),
    col(
        "confiscated_total_wei",
        U128,
        "wei",
        "income confiscated by punishments",
    ),
    col("withdrawn_total_wei", U128, "wei", "income withdrawn"),
];

const EVENTS: &[ColumnDef] = &[
    col("height", U64, "height", "block whose execution emitted it"),
    col("time_ms", U64, "ms", "that block's timestamp"),
    col(
        "kind",
        Str,
        "",
        "ProposalCreated, Voted, ProposalPassed, ProposalRejected, Staked, Unstaked, StakeWithdrawn, IncomeWithdrawn, FeesDistributed, Punished, StatusChanged, ActiveSetUpdated, CountersDecayed or TxRefused",
    ),
    col(
        "validator",
        OptU64,
        "",
        "the validator concerned: candidate (proposals), staked-to (stake events), punished, paid or changed validator",
    ),
    col(
        "account",
        OptU64,
        "",
        "the account: proposer, staker, or sender of a refused transaction",
    ),
    col(
        "proposal",
        OptU64,
        "",
        "proposal id (proposal events and votes)",
    ),
    col("voter", OptU64, "", "voting validator (Voted)"),
    col("vote", Str, "", "agree or reject (Voted)"),
    col(
        "amount_wei",
        OptU128,
        "wei",
        "stake moved (stake events), income withdrawn, fees of the block (FeesDistributed), income confiscated (Punished)",
    ),
    col(
        "undistributed_wei",
        OptU128,
        "wei",
        "FeesDistributed: part kept by the contract for lack of recipients",
    ),
    col(
        "recipients",
        OptU64,
        "validators",
        "FeesDistributed: validators paid",
    ),
    col(
        "withdraw_from_height",
        OptU64,
        "height",
        "Unstaked: first block at which the unbonded stake can be withdrawn",
    ),
    col(
        "punish_counter",
        OptU64,
        "count",
        "Punished: the validator's counter after the increment",
    ),
    col(
        "punish_outcome",
        Str,
        "",
        "Punished: counted, income_confiscated (counter a multiple of 24) or jailed (48)",
    ),
    col(
        "status_from",
        Str,
        "",
        "StatusChanged: old status (empty when first registered)",
    ),
    col("status_to", Str, "", "StatusChanged: new status"),
    col(
        "active_set_size",
        OptU64,
        "validators",
        "ActiveSetUpdated: size of the new set (members: validators.active_next)",
    ),
    col(
        "decayed_by",
        OptU64,
        "turns",
        "CountersDecayed: subtracted from every missed counter",
    ),
    col("tx_call", Str, "", "TxRefused: the call refused"),
    col("refusal_reason", Str, "", "TxRefused: why"),
];

const REORG_DEPTHS: &[ColumnDef] = &[
    col(
        "depth",
        U64,
        "blocks",
        "reorganisation depth (the last row collects deeper ones)",
    ),
    col(
        "reorgs",
        U64,
        "reorgs",
        "reorganisations of that depth, over every node's view",
    ),
];

const VALIDATOR_DAILY: &[ColumnDef] = &[
    DAY,
    col(
        "validator",
        U64,
        "",
        "validator id (every configured validator, every day)",
    ),
    col(
        "sealed_blocks",
        U64,
        "blocks",
        "blocks it sealed in the day on any branch",
    ),
    col(
        "canonical_blocks",
        U64,
        "blocks",
        "canonical blocks it sealed with a timestamp in the day",
    ),
    col("in_turn", U64, "blocks", "of which in turn"),
    col("out_of_turn", U64, "blocks", "of which out of turn"),
    col(
        "missed_turns",
        U64,
        "turns",
        "canonical blocks of the day sealed out of turn while it was in turn (it missed its turn)",
    ),
    col(
        "reorgs",
        U64,
        "reorgs",
        "reorganisations its own node went through in the day",
    ),
    col(
        "offline_ms",
        U64,
        "ms",
        "time offline within the day (scheduled intervals and crashes)",
    ),
];

const VALIDATOR_STATS: &[ColumnDef] = &[
    col(
        "validator",
        U64,
        "",
        "validator id (every configured validator, ascending)",
    ),
    col(
        "sealed_blocks",
        U64,
        "blocks",
        "blocks it sealed on any branch",
    ),
    col(
        "canonical_blocks",
        U64,
        "blocks",
        "of its blocks, those on the final canonical chain (including the 60 s the chain runs past the horizon, like summary.canonical_height)",
    ),
    col(
        "canonical_in_turn",
        U64,
        "blocks",
        "of those, sealed in turn",
    ),
    col(
        "canonical_out_of_turn",
        U64,
        "blocks",
        "of those, sealed out of turn",
    ),
    col(
        "missed_turns",
        U64,
        "turns",
        "canonical heights where it was in turn but another validator sealed",
    ),
    col(
        "offline_ms",
        U64,
        "ms",
        "time offline (scheduled intervals and crashes)",
    ),
    col(
        "reorgs_seen",
        U64,
        "reorgs",
        "reorganisations its own node went through",
    ),
];

const SUMMARY_DAYS: &[ColumnDef] = &[col("days", U64, "days", "the run's horizon")];

const SUMMARY_SCHEDULE: &[ColumnDef] = &[
    col(
        "emission_cumulative_wei",
        U128,
        "wei",
        "emission over the horizon",
    ),
    col(
        "vested_cumulative_wei",
        U128,
        "wei",
        "released by vesting over the horizon",
    ),
    col("mining_pool_wei", U128, "wei", "mining pool at the end"),
];

const SUMMARY_CHAIN: &[ColumnDef] = &[
    col(
        "canonical_height",
        U64,
        "height",
        "height of the final canonical head: the chain runs 60 s past the horizon so that the first block after the last day boundary settles that day, so this and blocks_sealed, fork_heights, reorgs, deepest_reorg and validator_stats include those blocks; in_turn, out_of_turn, longest_gap_ms and halted_days are summed from chain_daily and end at the horizon",
    ),
    col(
        "canonical_total_difficulty",
        U64,
        "",
        "its total difficulty",
    ),
    col(
        "blocks_sealed",
        U64,
        "blocks",
        "blocks sealed on any branch",
    ),
    col("in_turn", U64, "blocks", "canonical blocks sealed in turn"),
    col(
        "out_of_turn",
        U64,
        "blocks",
        "canonical blocks sealed out of turn",
    ),
    col(
        "fork_heights",
        U64,
        "heights",
        "heights that got a second block",
    ),
    col(
        "reorgs",
        U64,
        "reorgs",
        "reorganisations summed over every node's view",
    ),
    col("deepest_reorg", U64, "blocks", "deepest reorganisation"),
    col(
        "longest_gap_ms",
        U64,
        "ms",
        "longest gap between canonical blocks",
    ),
    col("halted_days", U64, "days", "days flagged halted"),
    col(
        "active_set_size",
        U64,
        "validators",
        "size of the final active set",
    ),
    col(
        "contract_events_dropped",
        U64,
        "events",
        "events beyond outputs' record limit (not in events)",
    ),
    col(
        "fee_distributions",
        U64,
        "blocks",
        "blocks whose fees were distributed",
    ),
    col(
        "fees_distributed_wei",
        U128,
        "wei",
        "fees distributed to validators",
    ),
    col(
        "txs_refused",
        U64,
        "transactions",
        "transactions the contracts refused",
    ),
];

const SUMMARY_ECONOMY: &[ColumnDef] = &[
    col("days_settled", U64, "days", "days the economy settled"),
    col(
        "max_settlement_delay_ms",
        U64,
        "ms",
        "largest settlement delay",
    ),
    col("nodes", U64, "nodes", "compute nodes in the scenario"),
    col("terms", U64, "terms", "super-node terms elected"),
    col(
        "first_term_start_day",
        OptU64,
        "day",
        "first day of the first term (empty if none)",
    ),
    col(
        "emission_total_wei",
        U128,
        "wei",
        "emission over the horizon",
    ),
    col(
        "paid_total_wei",
        U128,
        "wei",
        "paid to nodes, super nodes and voters",
    ),
    col("burned_total_wei", U128, "wei", "burned since genesis"),
    col("pool_remaining_wei", U128, "wei", "mining pool at the end"),
    col(
        "circulating_wei",
        U128,
        "wei",
        "circulating supply at the end",
    ),
    col(
        "vote_fees_total_wei",
        U128,
        "wei",
        "vote handling fees collected",
    ),
];

const SUMMARY_COUPLING: &[ColumnDef] = &[
    col(
        "chain_paid_by_market_wei",
        U128,
        "wei",
        "coupled: paid by the market account to chain accounts",
    ),
    col(
        "chain_vote_fees_in_wei",
        U128,
        "wei",
        "coupled: vote fees that reached the validators' income",
    ),
];

const SEARCH: &[ColumnDef] = &[
    col(
        "evaluation",
        U64,
        "",
        "order of evaluation (0: the first value checked); its runs are evaluation × max_seeds + k",
    ),
    col(
        "value",
        Str,
        "",
        "the searched key's value (an integer, wei, or a list position)",
    ),
    col(
        "setting",
        Str,
        "",
        "what the key was set to, in short (the value, or \"first 10 of 21\" entries of a list)",
    ),
    col("seeds", U64, "runs", "seeds run at this value"),
    col(
        "successes",
        U64,
        "runs",
        "runs whose summary satisfied the predicate",
    ),
    col("probability", F64, "", "successes / seeds"),
    col(
        "wilson_low",
        F64,
        "",
        "Wilson interval of the probability at the search's confidence, low end",
    ),
    col("wilson_high", F64, "", "the interval's high end"),
    col("verdict", Str, "", "`holds` or `fails`"),
    col(
        "confident",
        Bool,
        "",
        "false if the interval still held the required probability at max_seeds and the point estimate decided",
    ),
];

const SENSITIVITY: &[ColumnDef] = &[
    col("metric", Str, "", "the summary column analysed"),
    col("key", Str, "", "the sampled scenario key"),
    col(
        "index",
        Str,
        "",
        "first_order, total (Sobol'), mu_star, mu, sigma (Morris) or spearman (Latin hypercube)",
    ),
    col("estimate", F64, "", "the index over every point"),
    col(
        "ci_low",
        F64,
        "",
        "95% bootstrap interval (resampling points), low end",
    ),
    col("ci_high", F64, "", "the interval's high end"),
];

/// Every table a run can write.
pub const TABLES: &[TableDef] = &[
    TableDef {
        name: names::DAILY,
        modes: "schedule",
        row: "a day",
        spec: "§4.3, §6",
        columns: &[SCHEDULE_DAILY],
    },
    TableDef {
        name: names::DAILY,
        modes: "economy",
        row: "a settled day",
        spec: "§4, §5, §7",
        columns: &[ECONOMY_DAILY],
    },
    TableDef {
        name: names::DAILY,
        modes: "coupled",
        row: "a settled day",
        spec: "§4, §5, §7",
        columns: &[ECONOMY_DAILY, COUPLED_DAILY],
    },
    TableDef {
        name: names::DAILY,
        modes: "economy (economy.readings.stability_lump_days > 0)",
        row: "a settled day",
        spec: "§4, §5, §7",
        columns: &[ECONOMY_DAILY, LUMP_DAILY],
    },
    TableDef {
        name: names::DAILY,
        modes: "coupled (economy.readings.stability_lump_days > 0)",
        row: "a settled day",
        spec: "§4, §5, §7",
        columns: &[ECONOMY_DAILY, COUPLED_DAILY, LUMP_DAILY],
    },
    TableDef {
        name: names::NODES,
        modes: "economy, coupled",
        row: "a compute node (end-of-run totals)",
        spec: "§4, §8",
        columns: &[NODES],
    },
    TableDef {
        name: names::NODE_DAILY,
        modes: "economy, coupled (outputs.node_daily_every_days > 0)",
        row: "a node on a sampled day",
        spec: "§4, §8",
        columns: &[NODE_DAILY],
    },
    TableDef {
        name: names::VOTERS,
        modes: "economy, coupled (outputs.voters)",
        row: "a voter (end-of-run totals)",
        spec: "§5, §8",
        columns: &[VOTERS],
    },
    TableDef {
        name: names::REWARD_INEQUALITY,
        modes: "economy, coupled (outputs.inequality_every_days > 0)",
        row: "a window of outputs.inequality_every_days settled days",
        spec: "§4, §8",
        columns: &[REWARD_INEQUALITY],
    },
    TableDef {
        name: names::ELECTIONS,
        modes: "economy, coupled",
        row: "a candidate of a term",
        spec: "§5",
        columns: &[ELECTIONS],
    },
    TableDef {
        name: names::CHAIN_DAILY,
        modes: "consensus, coupled",
        row: "a finalised day",
        spec: "§2, §8",
        columns: &[CHAIN_DAILY],
    },
    TableDef {
        name: names::VALIDATOR_DAILY,
        modes: "consensus, coupled",
        row: "a validator on a finalised day (sums to chain_daily)",
        spec: "§2, §8",
        columns: &[VALIDATOR_DAILY],
    },
    TableDef {
        name: names::BLOCKS,
        modes: "consensus, coupled (outputs.blocks_every > 0)",
        row: "a sampled block (blocks of the 60 s the chain runs past the horizon included: see summary.canonical_height)",
        spec: "§2, §8",
        columns: &[BLOCKS],
    },
    TableDef {
        name: names::VALIDATORS,
        modes: "consensus, coupled (outputs.contracts)",
        row: "a validator at an epoch block",
        spec: "§3",
        columns: &[VALIDATORS],
    },
    TableDef {
        name: names::EVENTS,
        modes: "consensus, coupled (outputs.contracts)",
        row: "a system-contract event (those of the blocks of the 60 s past the horizon included: the first of them settles the last day)",
        spec: "§3",
        columns: &[EVENTS],
    },
    TableDef {
        name: names::REORG_DEPTHS,
        modes: "consensus, coupled",
        row: "a reorganisation depth",
        spec: "§2, §8",
        columns: &[REORG_DEPTHS],
    },
    TableDef {
        name: names::STAKE_INEQUALITY,
        modes: "consensus, coupled (outputs.inequality_every_days > 0)",
        row: "a day ending a window, at its last epoch block",
        spec: "§3, §8",
        columns: &[STAKE_INEQUALITY],
    },
    TableDef {
        name: names::VALIDATOR_STATS,
        modes: "consensus, coupled",
        row: "a validator (totals over the run)",
        spec: "§2, §8",
        columns: &[VALIDATOR_STATS],
    },
    TableDef {
        name: names::SUMMARY,
        modes: "schedule",
        row: "the run (one row)",
        spec: "§8",
        columns: &[SUMMARY_DAYS, SUMMARY_SCHEDULE],
    },
    TableDef {
        name: names::SUMMARY,
        modes: "economy",
        row: "the run (one row)",
        spec: "§8",
        columns: &[SUMMARY_DAYS, SUMMARY_ECONOMY],
    },
    TableDef {
        name: names::SUMMARY,
        modes: "consensus",
        row: "the run (one row)",
        spec: "§8",
        columns: &[SUMMARY_DAYS, SUMMARY_CHAIN],
    },
    TableDef {
        name: names::SUMMARY,
        modes: "coupled",
        row: "the run (one row)",
        spec: "§8",
        columns: &[
            SUMMARY_DAYS,
            SUMMARY_CHAIN,
            SUMMARY_ECONOMY,
            SUMMARY_COUPLING,
        ],
    },
    TableDef {
        name: names::SEARCH,
        modes: "dcfs-sim search (in the search's directory, beside search.json)",
        row: "a searched value",
        spec: "§8",
        columns: &[SEARCH],
    },
    TableDef {
        name: names::SENSITIVITY,
        modes: "dcfs-sim sweep / sensitivity with [sweep.sample] (in the sweep's directory)",
        row: "an index of one metric and one sampled key",
        spec: "§8",
        columns: &[SENSITIVITY],
    },
];

/// The summary columns a run of `mode` writes, in order (what a search predicate or a
/// sensitivity metric may name).
pub fn summary_columns(mode: crate::Mode) -> Vec<&'static str> {
    let mode = match mode {
        crate::Mode::Schedule => "schedule",
        crate::Mode::Economy => "economy",
        crate::Mode::Consensus => "consensus",
        crate::Mode::Coupled => "coupled",
    };
    TABLES
        .iter()
        .filter(|t| t.name == names::SUMMARY && t.modes.split(", ").any(|m| m == mode))
        .flat_map(|t| t.all_columns().map(|c| c.name))
        .collect()
}

/// The definition `table` follows, if any.
pub fn definition_of(table: &Table) -> Option<&'static TableDef> {
    TABLES.iter().find(|d| d.matches(table))
}

/// Asserts (in debug builds: tests, not users' runs) that `table` has a definition: a column
/// no definition names is a bug of the table builders, caught where a run declares the table.
pub fn debug_assert_defined(table: &Table) {
    debug_assert!(
        definition_of(table).is_some(),
        "table {} with columns {:?} has no data-dictionary definition",
        table.name,
        table.columns.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
}

/// The type of column `column` of table `name` (the first definition that has it).
pub fn column_type(name: &str, column: &str) -> Option<ColumnType> {
    TABLES
        .iter()
        .filter(|d| d.name == name)
        .flat_map(|d| d.all_columns())
        .find(|c| c.name == column)
        .map(|c| c.ty)
}

/// The columns of table `name` that may be empty, in any of its definitions.
pub fn optional_columns(name: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = TABLES
        .iter()
        .filter(|d| d.name == name)
        .flat_map(|d| d.all_columns())
        .filter(|c| matches!(c.ty, ColumnType::OptU64 | ColumnType::OptU128))
        .map(|c| c.name)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `docs/columns.md`: every table and column.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Output tables and columns\n\n\
         Printed from `scenarios/src/tables/dictionary.rs` (`dcfs-sim columns --markdown`); a test \
         keeps this file current. Every `*_wei` column is an exact integer in wei \
         (1 DCC = 10¹⁸ wei); Parquet files add a `*_dcc` Float64 column after each (for plots, \
         not for sums). Times are simulated, from genesis.\n",
    );
    for d in TABLES {
        s.push_str(&format!(
            "\n## `{}` ({})\n\nOne row: {}. SPEC {}.\n\n| column | type | unit | meaning |\n| --- | --- | --- | --- |\n",
            d.name, d.modes, d.row, d.spec
        ));
        for c in d.all_columns() {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.name,
                c.ty.label(),
                c.unit,
                c.meaning.replace('|', "\\|")
            ));
        }
    }
    s
}

/// The dictionary as JSON: a list of table definitions (`name`, `modes`, `row`, `spec`,
/// `columns`: `name`, `type` — u64, u128, bool, text, u64? or u128? —, `unit`, `meaning`).
pub fn json() -> String {
    let tables: Vec<serde_json::Value> = TABLES.iter().map(TableDef::to_json).collect();
    let mut text = serde_json::to_string_pretty(&tables).unwrap_or_default();
    text.push('\n');
    text
}
