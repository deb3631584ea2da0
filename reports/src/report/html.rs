//! The self-contained `index.html`: page, tables, escaped text and inlined SVG charts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;

use std::path::{Path, PathBuf};

use scenarios::Table;

use super::error::*;
use crate::chart::{Chart, render_png, render_svg};
use crate::charts::{key_tail, short_values};
use crate::frame::wei_to_dcc;
use crate::layout::{CHARTS, INDEX, RunManifest, SUMMARY};

/// The most rows of the summary shown in a sweep page (all are in summary.csv).
pub const MAX_SUMMARY_ROWS_SHOWN: usize = 200;

/// A chart written to disk, with its SVG text for inlining.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The chart.
    pub chart: Chart,
    /// Its SVG document.
    pub svg: String,
}

/// Renders `charts` into `<dir>/charts/<id>.svg` and `.png` (atomically).
///
/// Charts are drawn on up to [`sim_core::threads::run_threads`] threads (each chart alone, so
/// the bytes cannot depend on it) and written in their given order: a sweep's ~36 charts took
/// ~0.35 s on one thread, the serial tail after its runs.
pub fn write_charts(dir: &Path, charts: Vec<Chart>) -> Result<Vec<Rendered>, ReportError> {
    use rayon::prelude::*;
    let cdir = dir.join(CHARTS);
    mkdir(&cdir)?;
    let draw = |chart: &Chart| -> Result<(String, Vec<u8>), ReportError> {
        Ok((render_svg(chart)?, render_png(chart)?))
    };
    let drawn: Vec<Result<(String, Vec<u8>), ReportError>> = if sim_core::threads::run_threads() > 1
    {
        charts.par_iter().map(draw).collect()
    } else {
        charts.iter().map(draw).collect()
    };
    let mut out = Vec::with_capacity(charts.len());
    for (chart, drawn) in charts.into_iter().zip(drawn) {
        let (svg, png) = drawn?;
        write_bytes(&cdir.join(format!("{}.svg", chart.id)), svg.as_bytes())?;
        write_bytes(&cdir.join(format!("{}.png", chart.id)), &png)?;
        out.push(Rendered { chart, svg });
    }
    Ok(out)
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub(super) const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1040px;color:#222;padding:0 1em}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}.exact{color:#777;font-size:.85em}\
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}table.sortable th{cursor:pointer;white-space:nowrap}th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}figcaption{font-size:.9em;color:#555}\
.scroll{overflow-x:auto}code{font-size:.9em}";

/// `digits` (an unsigned integer's decimal text) with a comma between thousands.
pub(super) fn thousands(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value cell: integers with thousands separators, wei shown as DCC with the exact integer
/// below; `data-v` keeps the exact value the table sorts by.
pub(super) fn value_cell(name: &str, value: &str) -> String {
    let v = html_escape(value);
    let Ok(w) = value.parse::<u128>() else {
        return format!("<td class=\"n\" data-v=\"{v}\">{v}</td>");
    };
    if name.ends_with("_wei") {
        return format!(
            "<td class=\"n\" data-v=\"{v}\">{} DCC<br><span class=\"exact\">{} wei</span></td>",
            html_escape(&crate::chart::format_si(wei_to_dcc(w))),
            thousands(value)
        );
    }
    format!("<td class=\"n\" data-v=\"{v}\">{}</td>", thousands(value))
}

pub(super) fn svg_inline(svg: &str) -> String {
    // Make the inline SVG scale with the page: give it a viewBox if it has none.
    if svg.contains("viewBox") {
        svg.to_owned()
    } else {
        svg.replacen(
            "<svg ",
            &format!(
                "<svg viewBox=\"0 0 {} {}\" ",
                crate::chart::WIDTH_PX,
                crate::chart::HEIGHT_PX
            ),
            1,
        )
    }
}

pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        html_escape(title)
    )
}

pub(super) fn charts_html(rendered: &[Rendered]) -> String {
    let mut s = String::from("<h2>Charts</h2>\n");
    if rendered.is_empty() {
        s.push_str("<p>No chart applies to the tables of this output.</p>\n");
    }
    for r in rendered {
        let id = html_escape(&r.chart.id);
        let _ = writeln!(
            s,
            "<figure id=\"{id}\">\n{}\n<figcaption>{} — <a href=\"{CHARTS}/{id}.svg\">SVG</a> · <a href=\"{CHARTS}/{id}.png\">PNG</a></figcaption>\n</figure>",
            svg_inline(&r.svg),
            html_escape(&r.chart.title)
        );
    }
    s
}

pub(super) fn files_html(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && n != INDEX)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut s = String::from("<h2>Files</h2>\n<ul>\n");
    for n in names {
        let n = html_escape(&n);
        let _ = writeln!(s, "<li><a href=\"{n}\">{n}</a></li>");
    }
    s.push_str("</ul>\n<p>CSV and Parquet hold exact integers (wei as Decimal(38,0) in Parquet, with <code>*_dcc</code> float columns for convenience); see the reports README for every column.</p>\n");
    s
}

pub(super) fn kv_table(rows: &[(String, String)]) -> String {
    let mut s = String::from("<table class=\"kv\">\n");
    for (k, v) in rows {
        let _ = writeln!(
            s,
            "<tr><th>{}</th>{}</tr>",
            html_escape(k),
            value_cell(k, v)
        );
    }
    s.push_str("</table>\n");
    s
}

pub(super) fn scenario_name(m: &RunManifest) -> String {
    m.scenario
        .get("run")
        .and_then(|r| r.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_owned()
}

/// A legend label per parameter point: `key=value` of each swept key (last part of the key),
/// values shortened so that points stay distinct (see [`crate::charts::short_values`]).
pub(super) fn point_labels(manifests: &[(PathBuf, RunManifest)]) -> BTreeMap<u64, String> {
    let mut points: Vec<&RunManifest> = Vec::new();
    for (_, m) in manifests {
        if !points.iter().any(|p| p.point_index == m.point_index) {
            points.push(m);
        }
    }
    let keys: Vec<&String> = points
        .first()
        .map(|m| m.overrides.keys().collect())
        .unwrap_or_default();
    let short: Vec<(&str, Vec<String>)> = keys
        .iter()
        .map(|k| {
            let values: Vec<String> = points
                .iter()
                .map(|m| m.overrides.get(*k).cloned().unwrap_or_default())
                .collect();
            (key_tail(k), short_values(&values))
        })
        .collect();
    points
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let label = if short.is_empty() {
                format!("point {}", m.point_index)
            } else {
                short
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v[i]))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (m.point_index, label)
        })
        .collect()
}

/// Sorts a `table.sortable` by the column whose header is clicked (again: the other way), by
/// each cell's `data-v`: integers exactly (BigInt: wei exceed a double), other numbers as
/// numbers, text as text. Self-contained, no network.
pub(super) const SORT_SCRIPT: &str = "<script>\n\
document.querySelectorAll('table.sortable').forEach(function(t){\n\
 var body=t.tBodies[0];\n\
 t.querySelectorAll('thead th').forEach(function(th,i){\n\
  th.title='click to sort';\n\
  th.addEventListener('click',function(){\n\
   var asc=th.getAttribute('aria-sort')!=='ascending';\n\
   t.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('aria-sort');});\n\
   th.setAttribute('aria-sort',asc?'ascending':'descending');\n\
   var key=function(r){var c=r.children[i];return c?(c.getAttribute('data-v')||c.textContent):'';};\n\
   var cmp=function(x,y){\n\
    if(/^[0-9]+$/.test(x)&&/^[0-9]+$/.test(y)){var a=BigInt(x),b=BigInt(y);return a<b?-1:a>b?1:0;}\n\
    var nx=Number(x),ny=Number(y);\n\
    if(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny)){return nx-ny;}\n\
    return x.localeCompare(y);};\n\
   Array.from(body.rows).sort(function(a,b){var c=cmp(key(a),key(b));return asc?c:-c;})\n\
    .forEach(function(r){body.appendChild(r);});\n\
  });\n\
 });\n\
});\n\
</script>\n";

/// The sweep's runs as a sortable table (click a header); swept values are shortened so that
/// they stay distinct (the whole value is the cell's tooltip).
pub(super) fn summary_html(summary: &Table, parameters: &[String]) -> String {
    let mut s = format!(
        "<h2>Runs ({})</h2>\n<p>Click a column's header to sort by it.</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>",
        summary.rows()
    );
    for c in &summary.columns {
        let _ = write!(s, "<th>{}</th>", html_escape(&c.name));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    let shown = summary.rows().min(MAX_SUMMARY_ROWS_SHOWN);
    let short: BTreeMap<&str, Vec<String>> = summary
        .columns
        .iter()
        .filter(|c| parameters.contains(&c.name))
        .map(|c| {
            let v: Vec<String> = (0..shown).map(|r| c.data.cell(r)).collect();
            (c.name.as_str(), short_values(&v))
        })
        .collect();
    for row in 0..shown {
        s.push_str("<tr>");
        for c in &summary.columns {
            let cell = c.data.cell(row);
            match short.get(c.name.as_str()) {
                Some(v) if v[row] != cell => {
                    let _ = write!(
                        s,
                        "<td title=\"{}\" data-v=\"{}\">{}</td>",
                        html_escape(&cell),
                        html_escape(&v[row]),
                        html_escape(&v[row])
                    );
                }
                _ => s.push_str(&value_cell(&c.name, &cell)),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    if summary.rows() > MAX_SUMMARY_ROWS_SHOWN {
        let _ = writeln!(
            s,
            "<p>First {MAX_SUMMARY_ROWS_SHOWN} runs shown; all are in <a href=\"{SUMMARY}\">{SUMMARY}</a>.</p>"
        );
    }
    s.push_str(SORT_SCRIPT);
    s
}
