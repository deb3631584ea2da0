//! Super-node campaign state (SPEC §5): the open voting period with its locked candidates and
//! vote log, the term in office, and scheduled vote releases.

use std::collections::BTreeMap;

use sim_core::Amount;

/// An open voting period.
#[derive(Debug, Clone)]
pub(crate) struct Voting {
    pub open_day: u64,
    /// Candidate node ids in rank order (power desc, id asc), locked at open.
    pub candidates: Vec<u32>,
    pub powers: Vec<u64>,
    pub votes: Vec<Amount>,
    /// Indices (into `candidates`) of incumbents.
    pub incumbents: Vec<u32>,
    /// Voters by day offset within the voting period.
    pub voters_by_day: Vec<Vec<u32>>,
    /// (voter, candidate index, amount) per vote transaction.
    pub log: Vec<(u32, u32, Amount)>,
}

/// A term in office.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub index: u32,
    pub start_day: u64,
    pub end_day: u64,
    pub winners: Vec<u32>,
    /// Votes received per winner, in vote units (weights of the super nodes' election pot).
    pub winner_votes: Vec<u128>,
    /// Voters who voted for winners, ascending id.
    pub voters: Vec<u32>,
    /// Their votes for winners, in vote units (weights of the voters' pot).
    pub voter_weights: Vec<u128>,
}

/// Campaign state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Campaign {
    pub started: bool,
    pub voting: Option<Voting>,
    pub term: Option<Term>,
    pub terms_held: u32,
    pub first_term_start: Option<u64>,
    pub first_voting_open: Option<u64>,
    /// Release day → (voter, amount).
    pub releases: BTreeMap<u64, Vec<(u32, Amount)>>,
}

impl Campaign {
    /// Super nodes in office on `day`.
    pub fn super_nodes_on(&self, day: u64) -> &[u32] {
        match &self.term {
            Some(t) if t.start_day <= day && day < t.end_day => &t.winners,
            _ => &[],
        }
    }

    /// True before the first term starts (SPEC §4.4 pre-election rule), or before the first
    /// voting opens when `at_open`.
    pub fn before_first_term(&self, day: u64, at_open: bool) -> bool {
        let end = if at_open {
            self.first_voting_open
        } else {
            self.first_term_start
        };
        end.is_none_or(|s| day < s)
    }
}
