//! CSV writing of [`scenarios::Table`]s: a header line, then one line per row, exact integers;
//! after each `*_wei` column its `*_dcc` float, as in Parquet, so both formats have the same
//! columns.

use std::io::{self, Write};

use scenarios::{ColumnData, Table};

use crate::frame::{dcc_name, wei_to_dcc};

/// The `*_dcc` partner written after column `c`, if it is an amount in wei.
fn dcc_partner(name: &str, data: &ColumnData) -> Option<String> {
    matches!(data, ColumnData::U128(_) | ColumnData::OptU128(_))
        .then(|| dcc_name(name))
        .flatten()
}

/// Quotes a text cell if it holds a comma, quote or line break (RFC 4180).
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Writes `table` as CSV.
pub fn write_table_csv<W: Write>(w: &mut W, table: &Table) -> io::Result<()> {
    write_csv_header(w, table)?;
    write_csv_rows(w, table)
}

/// Writes the header line of `table` (its column names).
pub fn write_csv_header<W: Write>(w: &mut W, table: &Table) -> io::Result<()> {
    let mut header = Vec::with_capacity(table.columns.len() * 2);
    for c in &table.columns {
        header.push(csv_cell(&c.name).into_owned());
        header.extend(dcc_partner(&c.name, &c.data));
    }
    writeln!(w, "{}", header.join(","))
}

/// Bytes of rows gathered before they are passed on: the writer below (a hashing, buffered
/// file) then sees a few large writes instead of two or three per cell.
const ROWS_BUFFER_BYTES: usize = 64 * 1024;

/// Writes the rows of `table`, one line each (a streamed table: header once, then each batch).
/// Cells are formatted into one reused buffer ([`ColumnData::write_cell`]), never into a
/// `String` each: the table writer thread of a chain run shares the second core with the
/// contracts thread, so its time is theirs to lose.
pub fn write_csv_rows<W: Write>(w: &mut W, table: &Table) -> io::Result<()> {
    let dcc: Vec<bool> = table
        .columns
        .iter()
        .map(|c| dcc_partner(&c.name, &c.data).is_some())
        .collect();
    let mut buf: Vec<u8> = Vec::with_capacity(ROWS_BUFFER_BYTES + 1024);
    for row in 0..table.rows() {
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            push_cell(&mut buf, &c.data, row);
            if dcc[i] {
                buf.push(b',');
                push_dcc_cell(&mut buf, &c.data, row);
            }
        }
        buf.push(b'\n');
        if buf.len() >= ROWS_BUFFER_BYTES {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Appends row `row` of `data` as [`ColumnData::cell`] gives it, text quoted by [`csv_cell`].
fn push_cell(buf: &mut Vec<u8>, data: &ColumnData, row: usize) {
    match data {
        ColumnData::Str(v) => buf.extend_from_slice(csv_cell(&v[row]).as_bytes()),
        _ => data.write_cell(row, buf),
    }
}

/// Appends row `row` of an amount column in DCC (shortest round-trip float text; nothing if
/// absent).
fn push_dcc_cell(buf: &mut Vec<u8>, data: &ColumnData, row: usize) {
    let wei = match data {
        ColumnData::U128(v) => Some(v[row]),
        ColumnData::OptU128(v) => v[row],
        _ => None,
    };
    if let Some(x) = wei {
        // Writing into a `Vec` cannot fail.
        let _ = write!(buf, "{}", wei_to_dcc(x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scenarios::ColumnData;

    #[test]
    fn rows_are_the_cells_of_the_table() {
        let mut t = Table::new("t");
        t.push("a", ColumnData::OptU64(vec![Some(7), None]));
        t.push(
            "b_wei",
            ColumnData::OptU128(vec![None, Some(1_500_000_000_000_000_000)]),
        );
        t.push("c", ColumnData::Bool(vec![true, false]));
        t.push(
            "d",
            ColumnData::F64(vec![scenarios::Float(0.25), scenarios::Float(-3.0)]),
        );
        let mut out = Vec::new();
        write_csv_rows(&mut out, &t).unwrap();
        let mut expected = String::new();
        for row in 0..2 {
            let cells: Vec<String> = t.columns.iter().map(|c| c.data.cell(row)).collect();
            let dcc = match &t.columns[1].data {
                ColumnData::OptU128(v) => {
                    v[row].map_or_else(String::new, |x| wei_to_dcc(x).to_string())
                }
                _ => unreachable!(),
            };
            expected += &format!(
                "{},{},{dcc},{},{}\n",
                cells[0], cells[1], cells[2], cells[3]
            );
        }
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn writes_exact_integers_and_quotes_text() {
        let mut t = Table::new("t");
        t.push("day", ColumnData::U64(vec![0, 1]));
        t.push("amount_wei", ColumnData::U128(vec![u128::MAX, 0]));
        t.push(
            "note",
            ColumnData::Str(vec!["a,b".into(), "say \"hi\"".into()]),
        );
        let mut out = Vec::new();
        write_table_csv(&mut out, &t).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "day,amount_wei,amount_dcc,note\n0,340282366920938463463374607431768211455,340282366920938500000,\"a,b\"\n1,0,0,\"say \"\"hi\"\"\"\n"
        );
    }
}
