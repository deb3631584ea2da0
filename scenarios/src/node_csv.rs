//! Node populations from data: the CSV file a `[[economy.node_groups]] from_csv = "…"` names
//! (a foundation's node registry), read once, each row one node. Columns present override the
//! group's keys for that node; absent columns take the group's value (a constant, or a draw).
//!
//! Every value is checked here, where its file, row and column are known, so a bad cell is
//! reported as `nodes.csv:12:7: … at \`mean_repair_hours\``; cross-field rules that involve
//! the group's own keys are checked in `validate` and name the row.

use std::path::Path;

use sim_core::{Amount, Digest};

use crate::error::{ErrorKind, ScenarioError};
use crate::format::RawKind;
use crate::limits::MAX_NODES;

/// The columns a node CSV may have (any subset, in any order, plus a power column).
pub const NODE_CSV_COLUMNS: [&str; 11] = [
    "node_id",
    "power_units",
    "raw_power",
    "kind",
    "join_day",
    "operator_endowment",
    "mean_up_hours",
    "mean_repair_hours",
    "report_bps",
    "exit_bps",
    "attack_bps",
];

/// One node as its row gives it (`None`: the column is absent; the group's key applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvNode {
    /// The row's line in the file (1 is the header), for messages.
    pub line: usize,
    /// Power in units of `economy.power_unit`.
    pub power_units: Option<u64>,
    /// Raw power.
    pub raw_power: Option<u64>,
    /// Kind of power.
    pub kind: Option<RawKind>,
    /// Join day.
    pub join_day: Option<u64>,
    /// The operator's endowment.
    pub operator_endowment: Option<Amount>,
    /// Mean hours between failures.
    pub mean_up_hours: Option<u64>,
    /// Mean repair hours.
    pub mean_repair_hours: Option<u64>,
    /// Probability an outage is reported, bps.
    pub report_bps: Option<u32>,
    /// Probability of exit, bps.
    pub exit_bps: Option<u32>,
    /// Probability of an attack, bps.
    pub attack_bps: Option<u32>,
}

/// A node CSV as read: its rows and the SHA-256 of its bytes (recorded in the resolved
/// scenario, so a run's manifest identifies the data it used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTable {
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// One entry per data row, in file order (shared: every sweep point that loads the file
    /// holds these rows, not a copy).
    pub rows: std::sync::Arc<Vec<CsvNode>>,
}

/// Reads and parses the node CSV at `path` (at most `limits::MAX_FILE_BYTES` bytes read).
pub fn read_node_csv(path: &Path) -> Result<NodeTable, ScenarioError> {
    let bytes = crate::load::read_bounded(path)?;
    let sha256 = Digest::of_bytes(&bytes).to_string();
    let text = String::from_utf8(bytes).map_err(|_| {
        ScenarioError::new(ErrorKind::Syntax, path, "", "the file is not valid UTF-8")
    })?;
    let rows = parse_node_csv(path, &text)?;
    Ok(NodeTable {
        sha256,
        rows: std::sync::Arc::new(rows),
    })
}

/// Parses node CSV `text` (`path` names it in errors).
pub fn parse_node_csv(path: &Path, text: &str) -> Result<Vec<CsvNode>, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(ScenarioError::new(
            ErrorKind::Syntax,
            path,
            "",
            "the file is empty: a header row naming the columns comes first",
        ));
    };
    let columns = header_columns(path, header)?;
    let mut rows = Vec::new();
    let mut ids: Vec<(u64, usize)> = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if rows.len() as u64 >= MAX_NODES {
            return Err(ScenarioError::new(
                ErrorKind::OutOfRange,
                path,
                "",
                format!("more than {MAX_NODES} nodes (the economy's limit)"),
            )
            .at(Some((line_no, 1))));
        }
        let cells = split_cells(line);
        if cells.len() != columns.len() {
            return Err(ScenarioError::new(
                ErrorKind::Syntax,
                path,
                "",
                format!(
                    "row has {} cells but the header names {} columns",
                    cells.len(),
                    columns.len()
                ),
            )
            .at(Some((line_no, 1))));
        }
        let mut node = CsvNode {
            line: line_no,
            ..CsvNode::default()
        };
        for (&column, (col, cell)) in columns.iter().zip(cells) {
            let at = |m: String| {
                ScenarioError::new(ErrorKind::OutOfRange, path, column, m).at(Some((line_no, col)))
            };
            set_cell(&mut node, column, cell.trim(), &mut ids).map_err(at)?;
        }
        rows.push(node);
    }
    if rows.is_empty() {
        return Err(ScenarioError::new(
            ErrorKind::OutOfRange,
            path,
            "",
            "no data rows: one row per node after the header",
        ));
    }
    Ok(rows)
}

fn header_columns(path: &Path, header: &str) -> Result<Vec<&'static str>, ScenarioError> {
    let mut columns: Vec<&'static str> = Vec::new();
    for (col, name) in split_cells(header) {
        let name = name.trim();
        let known = NODE_CSV_COLUMNS.iter().find(|c| **c == name).copied();
        let err = |kind, m: String| {
            let mut e = ScenarioError::new(kind, path, name, m).at(Some((1, col)));
            e.help = Some(format!("columns: {}", NODE_CSV_COLUMNS.join(", ")));
            e
        };
        match known {
            None => {
                let mut e = err(ErrorKind::UnknownKey, format!("unknown column `{name}`"));
                if let Some(s) = crate::error::did_you_mean(name, NODE_CSV_COLUMNS) {
                    e.message = format!("{} (did you mean `{s}`?)", e.message);
                }
                return Err(e);
            }
            Some(c) if columns.contains(&c) => {
                return Err(err(
                    ErrorKind::CrossField,
                    format!("column `{c}` appears twice"),
                ));
            }
            Some(c) => columns.push(c),
        }
    }
    let has = |c: &str| columns.contains(&c);
    if has("power_units") == has("raw_power") {
        let mut e = ScenarioError::new(
            ErrorKind::CrossField,
            path,
            "",
            "the header needs exactly one power column: power_units or raw_power",
        )
        .at(Some((1, 1)));
        e.help = Some(
            "power_units counts economy.power_unit (1M by default); raw_power is raw power".into(),
        );
        return Err(e);
    }
    Ok(columns)
}

/// The cells of a row with their 1-based character columns. Cells are plain (no quoting): every
/// value a node row holds is a number, a kind or an amount.
fn split_cells(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == ',' {
            out.push((line[..start].chars().count() + 1, &line[start..i]));
            start = i + 1;
        }
    }
    out.push((line[..start].chars().count() + 1, &line[start..]));
    out
}

fn set_cell(
    node: &mut CsvNode,
    column: &str,
    cell: &str,
    ids: &mut Vec<(u64, usize)>,
) -> Result<(), String> {
    let int = |what: &str| -> Result<u64, String> {
        cell.parse::<u64>()
            .map_err(|_| format!("`{cell}` is not a whole number ({what})"))
    };
    let bps = || -> Result<u32, String> {
        match cell.parse::<u32>() {
            Ok(v) if v <= 10_000 => Ok(v),
            _ => Err(format!("`{cell}` is not 0 to 10000 bps")),
        }
    };
    match column {
        "node_id" => {
            let id = int("an identifier")?;
            if let Some((_, line)) = ids.iter().find(|(i, _)| *i == id) {
                return Err(format!("node_id {id} is also on line {line}"));
            }
            ids.push((id, node.line));
        }
        "power_units" | "raw_power" => {
            let v = int("power")?;
            if v == 0 {
                return Err("a node's power must be at least 1".to_owned());
            }
            if column == "power_units" {
                node.power_units = Some(v);
            } else {
                node.raw_power = Some(v);
            }
        }
        "kind" => {
            node.kind = Some(match cell {
                "ethash" => RawKind::Ethash,
                "fixed_resources" => RawKind::FixedResources,
                _ => return Err(format!("`{cell}` is not ethash or fixed_resources")),
            });
        }
        "join_day" => node.join_day = Some(int("a day")?),
        "operator_endowment" => {
            let a = if cell.chars().all(|c| c.is_ascii_digit()) && !cell.is_empty() {
                cell.parse::<u128>()
                    .ok()
                    .and_then(|d| d.checked_mul(sim_core::amount::WEI_PER_DCC))
                    .map(Amount::from_wei)
                    .ok_or_else(|| format!("`{cell}` DCC is too large"))?
            } else {
                cell.parse::<Amount>()
                    .map_err(|e| format!("`{cell}`: {e}"))?
            };
            node.operator_endowment = Some(a);
        }
        "mean_up_hours" => node.mean_up_hours = Some(int("hours")?),
        "mean_repair_hours" => node.mean_repair_hours = Some(int("hours")?),
        "report_bps" => node.report_bps = Some(bps()?),
        "exit_bps" => node.exit_bps = Some(bps()?),
        "attack_bps" => node.attack_bps = Some(bps()?),
        _ => unreachable!("header columns are checked"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<CsvNode>, ScenarioError> {
        parse_node_csv(Path::new("nodes.csv"), text)
    }

    #[test]
    fn rows_become_nodes_with_the_columns_they_have() {
        let rows = parse(
            "node_id,power_units,kind,mean_up_hours\n0,15,ethash,720\n1,3,fixed_resources,0\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].power_units, Some(15));
        assert_eq!(rows[1].kind, Some(RawKind::FixedResources));
        assert_eq!(rows[1].mean_up_hours, Some(0));
        assert_eq!((rows[1].join_day, rows[1].line), (None, 3));
    }

    #[test]
    fn bad_cells_name_file_row_column_and_key() {
        for (text, line, col, key, part) in [
            (
                "power_units,colour\n1,red\n",
                1,
                13,
                "colour",
                "unknown column",
            ),
            (
                "power_unit\n1\n",
                1,
                1,
                "power_unit",
                "did you mean `power_units`?",
            ),
            (
                "node_id,power_units\n0,15\n1,x\n",
                3,
                3,
                "power_units",
                "not a whole number",
            ),
            (
                "power_units,report_bps\n4,10001\n",
                2,
                3,
                "report_bps",
                "0 to 10000",
            ),
            (
                "node_id,power_units\n7,1\n7,2\n",
                3,
                1,
                "node_id",
                "also on line 2",
            ),
            (
                "power_units,kind\n1,gpu\n",
                2,
                3,
                "kind",
                "ethash or fixed_resources",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.location, Some((line, col)), "{text}: {e}");
            assert_eq!(e.key_path, key, "{text}");
            assert!(e.to_string().contains(part), "{text}: {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("nodes.csv:{line}:{col}")),
                "{e}"
            );
        }
        assert!(
            parse("node_id\n1\n")
                .unwrap_err()
                .to_string()
                .contains("power column")
        );
        assert!(parse("power_units,raw_power\n1,1\n").is_err());
        assert!(
            parse("power_units\n1,2\n")
                .unwrap_err()
                .to_string()
                .contains("2 cells")
        );
        assert!(
            parse("power_units\n")
                .unwrap_err()
                .to_string()
                .contains("no data rows")
        );
    }
}
