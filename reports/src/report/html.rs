//! The self-contained `index.html`: page, tables, escaped text and inlined SVG charts.

use std::fmt::Write as _;
use std::fs;

use std::path::{Path, PathBuf};

use scenarios::Table;

use super::error::*;
use crate::chart::{Chart, render_png, render_svg};
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
pub fn write_charts(dir: &Path, charts: Vec<Chart>) -> Result<Vec<Rendered>, ReportError> {
    let cdir = dir.join(CHARTS);
    mkdir(&cdir)?;
    let mut out = Vec::with_capacity(charts.len());
    for chart in charts {
        let svg = render_svg(&chart)?;
        write_bytes(&cdir.join(format!("{}.svg", chart.id)), svg.as_bytes())?;
        let png = render_png(&chart)?;
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
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.9em;color:#555}\
.scroll{overflow-x:auto}code{font-size:.9em}";

/// A value cell: wei shown as DCC with the exact integer below.
pub(super) fn value_cell(name: &str, value: &str) -> String {
    if name.ends_with("_wei")
        && let Ok(w) = value.parse::<u128>()
    {
        return format!(
            "<td class=\"n\">{} DCC<br><span class=\"exact\">{} wei</span></td>",
            html_escape(&crate::chart::format_si(wei_to_dcc(w))),
            html_escape(value)
        );
    }
    format!("<td class=\"n\">{}</td>", html_escape(value))
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

pub(super) fn point_label(manifests: &[(PathBuf, RunManifest)], p: u64) -> String {
    let Some((_, m)) = manifests.iter().find(|(_, m)| m.point_index == p) else {
        return format!("point {p}");
    };
    if m.overrides.is_empty() {
        return format!("point {p}");
    }
    m.overrides
        .iter()
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn summary_html(summary: &Table) -> String {
    let mut s = format!(
        "<h2>Runs ({})</h2>\n<div class=\"scroll\"><table>\n<tr>",
        summary.rows()
    );
    for c in &summary.columns {
        let _ = write!(s, "<th>{}</th>", html_escape(&c.name));
    }
    s.push_str("</tr>\n");
    for row in 0..summary.rows().min(MAX_SUMMARY_ROWS_SHOWN) {
        s.push_str("<tr>");
        for c in &summary.columns {
            s.push_str(&value_cell(&c.name, &c.data.cell(row)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table></div>\n");
    if summary.rows() > MAX_SUMMARY_ROWS_SHOWN {
        let _ = writeln!(
            s,
            "<p>First {MAX_SUMMARY_ROWS_SHOWN} runs shown; all are in <a href=\"{SUMMARY}\">{SUMMARY}</a>.</p>"
        );
    }
    s
}
