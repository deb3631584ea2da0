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

/// Row `row` of an amount column in DCC (shortest round-trip float text; empty if absent).
fn dcc_cell(data: &ColumnData, row: usize) -> String {
    match data {
        ColumnData::U128(v) => wei_to_dcc(v[row]).to_string(),
        ColumnData::OptU128(v) => v[row].map_or_else(String::new, |x| wei_to_dcc(x).to_string()),
        _ => String::new(),
    }
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

/// Writes the rows of `table`, one line each (a streamed table: header once, then each batch).
pub fn write_csv_rows<W: Write>(w: &mut W, table: &Table) -> io::Result<()> {
    let dcc: Vec<bool> = table
        .columns
        .iter()
        .map(|c| dcc_partner(&c.name, &c.data).is_some())
        .collect();
    for row in 0..table.rows() {
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(csv_cell(&c.data.cell(row)).as_bytes())?;
            if dcc[i] {
                w.write_all(b",")?;
                w.write_all(dcc_cell(&c.data, row).as_bytes())?;
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scenarios::ColumnData;

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
