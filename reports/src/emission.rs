//! The emission + vesting table as CSV: one row per day, exact integer wei columns.

use std::io::{self, Write};

use economics::{
    AllocationId, LedgerError, SUPPLY_DAY_COLUMNS, SupplyDay, SupplyTimeline, allocation_column,
};

/// Writing the emission table failed.
#[derive(Debug, thiserror::Error)]
pub enum EmissionCsvError {
    /// The ledger broke an invariant (a bug, reported with its diagnostic).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The output could not be written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The header line: the fixed columns, then `<allocation>_vested_wei` per allocation.
pub fn emission_header() -> String {
    let mut cols: Vec<String> = SUPPLY_DAY_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    cols.extend(AllocationId::ALL.into_iter().map(allocation_column));
    cols.join(",")
}

/// Writes one CSV row for `day` (no trailing newline handling beyond `\n`).
pub fn write_emission_row<W: Write>(w: &mut W, d: &SupplyDay) -> io::Result<()> {
    write!(
        w,
        "{},{},{},{},{},{}",
        d.day,
        d.emission.wei(),
        d.emission_cumulative.wei(),
        d.vested.wei(),
        d.vested_cumulative.wei(),
        d.mining_pool.wei()
    )?;
    for a in &d.vested_by_allocation {
        write!(w, ",{}", a.wei())?;
    }
    w.write_all(b"\n")
}

/// Writes the header and days `0..days` of `timeline` as CSV.
pub fn write_emission_csv<W: Write>(
    w: &mut W,
    timeline: &mut SupplyTimeline,
    days: u64,
) -> Result<(), EmissionCsvError> {
    writeln!(w, "{}", emission_header())?;
    for _ in 0..days {
        let day = timeline.next_day()?;
        write_emission_row(w, &day)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use economics::SupplyParams;

    #[test]
    fn header_and_first_rows() {
        let mut t = SupplyTimeline::new(SupplyParams::default()).unwrap();
        let mut out = Vec::new();
        write_emission_csv(&mut out, &mut t, 2).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with(
            "day,emission_wei,emission_cumulative_wei,vested_wei,vested_cumulative_wei,mining_pool_wei,world_team_vested_wei,"
        ));
        assert!(lines[0].ends_with(",foundation_vested_wei,joint_labs_vested_wei"));
        assert!(lines[1].starts_with("0,61643835616438356164383,61643835616438356164383,"));
        assert_eq!(lines[1].split(',').count(), 15);
    }
}
