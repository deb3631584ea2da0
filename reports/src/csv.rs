//! CSV writing of [`scenarios::Table`]s: a header line, then one line per row, exact integers.

use std::io::{self, Write};

use scenarios::Table;

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
    let header: Vec<_> = table
        .columns
        .iter()
        .map(|c| csv_cell(&c.name).into_owned())
        .collect();
    writeln!(w, "{}", header.join(","))
}

/// Writes the rows of `table`, one line each (a streamed table: header once, then each batch).
pub fn write_csv_rows<W: Write>(w: &mut W, table: &Table) -> io::Result<()> {
    for row in 0..table.rows() {
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(csv_cell(&c.data.cell(row)).as_bytes())?;
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
            "day,amount_wei,note\n0,340282366920938463463374607431768211455,\"a,b\"\n1,0,\"say \"\"hi\"\"\"\n"
        );
    }
}
