//! Chart descriptions and their rendering with plotters to SVG (text) and PNG (bytes), with the
//! bundled DejaVu Sans font (no system font lookup). Values here are `f64` report conversions
//! (DCC, years, seconds) of exact outputs; nothing drawn feeds back into a simulation.

use std::fmt::Write as _;
use std::sync::OnceLock;

use image::ImageEncoder as _;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// The bundled font (DejaVu Sans; license in `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// Chart width in pixels.
pub const WIDTH_PX: u32 = 960;
/// Chart height in pixels.
pub const HEIGHT_PX: u32 = 540;
/// Series longer than this are thinned (every k-th point plus the last) before drawing.
pub const MAX_POINTS: usize = 1_500;
/// The most series one chart draws.
pub const MAX_SERIES: usize = 24;

/// Rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The bundled font could not be loaded.
    #[error("bundled font is not usable")]
    Font,
    /// plotters reported a drawing error.
    #[error("drawing {chart}: {message}")]
    Draw {
        /// Chart id.
        chart: String,
        /// What went wrong.
        message: String,
    },
    /// PNG encoding failed.
    #[error("encoding {chart} as PNG: {message}")]
    Png {
        /// Chart id.
        chart: String,
        /// What went wrong.
        message: String,
    },
}

/// How the y axis labels are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// With k / M / B suffixes (e.g. `12.5M`).
    Si,
    /// Plain integers.
    Integer,
}

/// A named line of (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A p5–p95 band with its median.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend label.
    pub name: String,
    /// (x, p5, p50, p95) in x order.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// What is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    /// One line per series.
    Lines(Vec<Series>),
    /// Series stacked on each other (first at the bottom), as filled areas.
    Stacked(Vec<Series>),
    /// Bars: (bin start, bin end, count).
    Histogram(Vec<(f64, f64, u64)>),
    /// Monte Carlo fan: one shaded p5–p95 band and median line per band.
    Fan(Vec<Band>),
    /// Values at separate x positions (a parameter's values): per point a dot at the p50 and a
    /// bar from p5 to p95; medians of a band are joined only on a numeric x axis.
    Points(Vec<Band>),
    /// A grid of counts: one row per `rows` entry (top first), one column per x interval
    /// (start, end); `cells[row][column]`. Darker is more.
    Heat {
        /// Row labels, drawn on the y axis.
        rows: Vec<String>,
        /// Column x intervals in x order.
        columns: Vec<(f64, f64)>,
        /// Counts per row and column.
        cells: Vec<Vec<u64>>,
    },
}

/// A chart ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem (`supply_breakdown` → `charts/supply_breakdown.svg`).
    pub id: String,
    /// Title.
    pub title: String,
    /// X axis label with unit.
    pub x_label: String,
    /// Y axis label with unit.
    pub y_label: String,
    /// Data.
    pub kind: ChartKind,
    /// Vertical marker lines (x, label), e.g. halvings.
    pub markers: Vec<(f64, String)>,
    /// Y label format.
    pub y_format: NumberFormat,
    /// Keep 0 in the y range even far from the data (durations, counts per bucket: a gap of
    /// 6.06 s must not look twice one of 6.00 s).
    pub y_zero: bool,
    /// Names of the x positions 0, 1, … when x is categorical (e.g. `coin`, `eip3436`): ticks
    /// are these names and no line joins the positions. Empty for a numeric x axis.
    pub x_categories: Vec<String>,
}

const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `v` with a k / M / B suffix and at most 3 significant decimals.
pub fn format_si(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if scaled.abs() >= 100.0 || scaled.fract().abs() < 1e-9 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 10.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.2}")
    };
    format!("{text}{suffix}")
}

fn font() -> Result<(), ChartError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

fn thin<T: Copy>(points: &[T]) -> Vec<T> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let step = points.len().div_ceil(MAX_POINTS);
    let mut out: Vec<T> = points.iter().step_by(step).copied().collect();
    if !(points.len() - 1).is_multiple_of(step)
        && let Some(last) = points.last()
    {
        out.push(*last);
    }
    out
}

/// True if the chart has no point to draw.
fn is_empty(chart: &Chart) -> bool {
    match &chart.kind {
        ChartKind::Lines(s) | ChartKind::Stacked(s) => s.iter().all(|s| s.points.is_empty()),
        ChartKind::Histogram(bins) => bins.iter().all(|b| b.2 == 0),
        ChartKind::Fan(bands) | ChartKind::Points(bands) => {
            bands.iter().all(|b| b.points.is_empty())
        }
        ChartKind::Heat { cells, .. } => cells.iter().flatten().all(|&n| n == 0),
    }
}

/// Legend entries a chart draws (in its top-left corner).
fn legend_entries(chart: &Chart) -> usize {
    let n = match &chart.kind {
        ChartKind::Lines(s) | ChartKind::Stacked(s) => s.len(),
        ChartKind::Fan(b) | ChartKind::Points(b) => b.len(),
        ChartKind::Histogram(_) | ChartKind::Heat { .. } => 0,
    };
    n.min(MAX_SERIES)
}

/// Share of the plot's height a legend of `entries` rows covers (rows of ~20 px in a plot of
/// ~440 px, plus its frame), capped so that the data keep half of the plot.
fn legend_share(entries: usize) -> f64 {
    if entries == 0 {
        return 0.0;
    }
    (0.06 + 0.046 * entries as f64).min(0.5)
}

/// The most points one chart makes readable by hovering (SVG titles), spread over its series.
pub const MAX_HOVER_POINTS: usize = 3_000;

/// The most points a line may have to be drawn with a marker on each point too (a single
/// point draws no line, and a few points joined by lines hide where the data are).
pub const MARKERS_UP_TO_POINTS: usize = 40;

/// (x range, y range) covering everything drawn. y starts at 0 for areas and bars (zero is the
/// baseline of what they show) and for lines and bands whose data come near it; lines and bands
/// far from zero get a range around their data, so that differences show (seats 21 vs 33 do
/// not look equal). Integer charts end on an integer.
fn bounds(chart: &Chart) -> ((f64, f64), (f64, f64)) {
    let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
    let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
    let mut see = |x: f64, y: f64| {
        if x.is_finite() && y.is_finite() {
            xs = (xs.0.min(x), xs.1.max(x));
            ys = (ys.0.min(y), ys.1.max(y));
        }
    };
    let mut from_zero = true;
    match &chart.kind {
        ChartKind::Lines(s) => {
            s.iter()
                .flat_map(|s| &s.points)
                .for_each(|&(x, y)| see(x, y));
            from_zero = false;
        }
        ChartKind::Stacked(s) => {
            let n = s.iter().map(|s| s.points.len()).max().unwrap_or(0);
            for i in 0..n {
                let x = s.iter().find_map(|s| s.points.get(i)).map_or(0.0, |p| p.0);
                let total: f64 = s.iter().filter_map(|s| s.points.get(i)).map(|p| p.1).sum();
                see(x, total);
            }
        }
        ChartKind::Histogram(bins) => {
            // From 0 (or below) to one bin past the last, so a single bin is not the whole plot.
            see(0.0, 0.0);
            bins.iter().for_each(|&(lo, hi, c)| {
                see(lo, c as f64);
                see(hi + (hi - lo), 0.0);
            });
        }
        ChartKind::Fan(bands) | ChartKind::Points(bands) => {
            bands
                .iter()
                .flat_map(|b| &b.points)
                .for_each(|&(x, lo, _, hi)| {
                    see(x, lo);
                    see(x, hi);
                });
            from_zero = false;
        }
        ChartKind::Heat { rows, columns, .. } => {
            // Rows at y = 0, 1, …: the grid fills the plot.
            let first = columns.first().map_or(0.0, |c| c.0);
            let last = columns.last().map_or(1.0, |c| c.1);
            let n = rows.len().max(1) as f64;
            return ((first, last.max(first + 1e-9)), (-0.5, n - 0.5));
        }
    }
    if let ChartKind::Points(_) = chart.kind
        && !chart.x_categories.is_empty()
    {
        xs = (-0.5, chart.x_categories.len() as f64 - 0.5);
    }
    let markers: Vec<f64> = chart.markers.iter().map(|(x, _)| *x).collect();
    for x in markers {
        if x.is_finite() {
            xs = (xs.0.min(x), xs.1.max(x));
        }
    }
    if !xs.0.is_finite() {
        xs = (0.0, 1.0);
    }
    if xs.1 <= xs.0 {
        // One x value (a one-day run): centre it.
        xs = (xs.0 - 0.5, xs.0 + 0.5);
    }
    if !ys.0.is_finite() {
        ys = (0.0, 1.0);
    }
    // Lines and bands keep zero in view when it is closer to their data than their spread.
    let near_zero = ys.0 <= 0.0 || ys.0 < ys.1 - ys.0;
    // A count's zero means something (no reorganisation): integer charts start there.
    let counts = chart.y_format == NumberFormat::Integer;
    if from_zero || near_zero || counts || chart.y_zero {
        ys.0 = ys.0.min(0.0);
    } else {
        let pad = (ys.1 - ys.0).max(ys.1.abs() * 1e-3) * 0.1;
        ys.0 -= pad;
    }
    if ys.1 <= ys.0 {
        ys.1 = ys.0 + 1.0;
    }
    // Room above the data for the legend, so that it covers no point.
    let share = legend_share(legend_entries(chart)).max(0.05);
    let top = ys.1 + (ys.1 - ys.0) * share / (1.0 - share);
    let top = match chart.y_format {
        NumberFormat::Integer => top.ceil().max(ys.0 + 1.0),
        NumberFormat::Si => top,
    };
    (xs, (ys.0, top))
}

/// True if every x drawn is an integer (days, heights, terms): the x axis then gets integer
/// ticks too.
fn integral_x(chart: &Chart) -> bool {
    let int = |x: f64| (x - x.round()).abs() < 1e-9;
    match &chart.kind {
        ChartKind::Lines(s) | ChartKind::Stacked(s) => {
            s.iter().flat_map(|s| &s.points).all(|p| int(p.0))
        }
        ChartKind::Histogram(bins) => bins.iter().all(|b| int(b.0) && int(b.1)),
        ChartKind::Fan(bands) | ChartKind::Points(bands) => {
            bands.iter().flat_map(|b| &b.points).all(|p| int(p.0))
        }
        ChartKind::Heat { columns, .. } => columns.iter().all(|c| int(c.0) && int(c.1)),
    }
}

/// Tick label of an integer axis: integers only (a tick between two integers is left blank,
/// so a 0–1 count axis reads `0` and `1`, not `0, 0, 0, 1, 1`).
fn integer_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{:.0}", v.round())
    } else {
        String::new()
    }
}

/// A point whose values show when the pointer rests on it (an SVG `<title>`): its position in
/// pixels and the text.
#[derive(Debug, Clone, PartialEq)]
struct Hover {
    x_px: i32,
    y_px: i32,
    text: String,
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Formats a value as hover text.
fn hover_value(v: f64, format: NumberFormat) -> String {
    match format {
        NumberFormat::Integer => format!("{:.0}", v.round()),
        NumberFormat::Si => format_si(v),
    }
}

/// Hovers for at most `budget` of `items` (evenly spread), each placed and worded by `hover`
/// as (x, y, text): only the kept items are worded.
fn hovers_of<DB: DrawingBackend, T>(
    plot: &Plot<'_, DB>,
    items: &[T],
    budget: usize,
    hover: impl Fn(&T) -> (f64, f64, String),
    out: &mut Vec<Hover>,
) {
    let step = items.len().div_ceil(budget.max(1)).max(1);
    for item in items.iter().step_by(step) {
        let (x, y, text) = hover(item);
        let (x_px, y_px) = plot.backend_coord(&(x, y));
        out.push(Hover { x_px, y_px, text });
    }
}

/// The name of position `v` (0, 1, …) among `names`, if `v` is one of those positions.
fn category_at(names: &[String], v: f64) -> Option<&str> {
    let i = v.round();
    ((v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len())
        .then(|| names[i as usize].as_str())
}

/// The x position's text: the category's name, or the number.
fn x_text(c: &Chart, x: f64) -> String {
    if let Some(name) = category_at(&c.x_categories, x) {
        return name.to_owned();
    }
    // Days, heights and swept integers exactly; fractions (years, hours) to 3 digits.
    if (x - x.round()).abs() < 1e-9 && x.abs() < 1e15 {
        format!("{:.0}", x.round())
    } else {
        format_si(x)
    }
}

/// Draws `c` on `root`; returns where its values can be read by hovering.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart,
) -> Result<Vec<Hover>, String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let ((x0, x1), (y0, y1)) = bounds(c);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(if matches!(c.kind, ChartKind::Heat { .. }) {
            110
        } else {
            75
        })
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    mesh(&mut chart, c, (x0, x1), (y0, y1)).map_err(e)?;
    let mut hovers = Vec::new();
    if is_empty(c) {
        // Nothing happened (no punishment, no reorganisation…): say so instead of an empty frame.
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        chart
            .draw_series(std::iter::once(Text::new(
                "nothing to show: no such event in this run",
                (cx, cy),
                ("sans-serif", 18)
                    .into_font()
                    .color(&RGBColor(90, 90, 90))
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
            )))
            .map_err(e)?;
        root.present().map_err(e)?;
        return Ok(hovers);
    }
    let legend = match &c.kind {
        ChartKind::Lines(series) => draw_lines(&mut chart, c, series, &mut hovers).map_err(e)?,
        ChartKind::Stacked(series) => {
            draw_stacked(&mut chart, c, series, y0, &mut hovers).map_err(e)?
        }
        ChartKind::Histogram(bins) => {
            draw_histogram(&mut chart, c, bins, &mut hovers).map_err(e)?
        }
        ChartKind::Fan(bands) => draw_fan(&mut chart, c, bands, &mut hovers).map_err(e)?,
        ChartKind::Points(bands) => {
            draw_points(&mut chart, c, bands, x1 - x0, &mut hovers).map_err(e)?
        }
        ChartKind::Heat {
            rows,
            columns,
            cells,
        } => draw_heat(&mut chart, c, rows, columns, cells, &mut hovers).map_err(e)?,
    };
    for (x, label) in &c.markers {
        let style = RGBColor(90, 90, 90).stroke_width(1);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*x, y0), (*x, y1)],
                style,
            )))
            .map_err(e)?;
        // Labelled near the x axis: the legend sits at the top left.
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {label}"),
                (*x, y0 + (y1 - y0) * 0.06),
                ("sans-serif", 12).into_font().color(&RGBColor(70, 70, 70)),
            )))
            .map_err(e)?;
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(hovers)
}

type DrawResult<DB> = Result<bool, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Axes, ticks and grid: integer ticks on count axes and integral x axes, category names on a
/// categorical x axis and on a heat map's rows.
fn mesh<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let rows: &[String] = match &c.kind {
        ChartKind::Heat { rows, .. } => rows,
        _ => &[],
    };
    let y_fmt = |v: &f64| {
        if !rows.is_empty() {
            return category_at(rows, *v).unwrap_or_default().to_owned();
        }
        match c.y_format {
            NumberFormat::Si => format_si(*v),
            NumberFormat::Integer => integer_tick(*v),
        }
    };
    // An integer axis gets one tick per integer when it spans few of them.
    let y_ticks = if !rows.is_empty() {
        rows.len().min(30) + 1
    } else {
        match c.y_format {
            NumberFormat::Integer if y1 - y0 <= 10.0 => (y1 - y0).round().max(1.0) as usize + 1,
            _ => 10,
        }
    };
    let categories = !c.x_categories.is_empty();
    let x_int = categories || integral_x(c);
    let x_fmt = |v: &f64| {
        if categories {
            category_at(&c.x_categories, *v)
                .unwrap_or_default()
                .to_owned()
        } else if x_int && (v - v.round()).abs() >= 1e-6 {
            String::new()
        } else {
            format_si(*v)
        }
    };
    let x_ticks = match x_int {
        true if x1 - x0 <= 10.0 => (x1 - x0).ceil().max(1.0) as usize + 1,
        _ => 10,
    };
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .x_labels(x_ticks)
        .y_label_formatter(&y_fmt)
        .y_labels(y_ticks)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
}

/// Hover text of one point of series `name`.
fn point_text(c: &Chart, name: &str, x: f64, y: f64) -> String {
    format!(
        "{name}\n{}: {}\n{}: {}",
        c.x_label,
        x_text(c, x),
        c.y_label,
        hover_value(y, c.y_format)
    )
}

/// Hover points allowed per series when a chart draws `n` of them.
fn hover_budget(n: usize) -> usize {
    (MAX_HOVER_POINTS / n.max(1)).max(1)
}

fn draw_lines<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    series: &[Series],
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let series = &series[..series.len().min(MAX_SERIES)];
    for (i, s) in series.iter().enumerate() {
        let col = color(i);
        let pts = thin(&s.points);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(2)))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3)));
        if s.points.len() <= MARKERS_UP_TO_POINTS {
            chart.draw_series(
                s.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, col.filled())),
            )?;
        }
        let hover = |&(x, y): &(f64, f64)| (x, y, point_text(c, &s.name, x, y));
        hovers_of(chart, &pts, hover_budget(series.len()), hover, hovers);
    }
    Ok(!series.is_empty())
}

fn draw_stacked<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    series: &[Series],
    y0: f64,
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let series: Vec<&Series> = series.iter().take(MAX_SERIES).collect();
    // Cumulative tops, bottom series first; drawn top-down so lower areas cover higher.
    let mut tops: Vec<Vec<(f64, f64)>> = Vec::with_capacity(series.len());
    for s in &series {
        let top: Vec<(f64, f64)> = s
            .points
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| {
                (
                    x,
                    y + tops.last().and_then(|t| t.get(i)).map_or(0.0, |p| p.1),
                )
            })
            .collect();
        tops.push(top);
    }
    for (i, (s, top)) in series.iter().zip(&tops).enumerate().rev() {
        let col = color(i);
        chart
            .draw_series(
                AreaSeries::new(thin(top), y0, col.mix(0.85)).border_style(col.stroke_width(1)),
            )?
            .label(s.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], col.filled()));
        // Hover at each area's top edge, showing the series' own value (not the running sum).
        let edge = thin(&top.iter().zip(&s.points).collect::<Vec<_>>());
        let hover =
            |&(&(x, t), &(_, y)): &(&(f64, f64), &(f64, f64))| (x, t, point_text(c, &s.name, x, y));
        hovers_of(chart, &edge, hover_budget(series.len()), hover, hovers);
    }
    Ok(!series.is_empty())
}

fn draw_histogram<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    bins: &[(f64, f64, u64)],
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let col = color(0);
    chart.draw_series(bins.iter().map(|&(lo, hi, n)| {
        let gap = (hi - lo) * 0.04;
        Rectangle::new(
            [(lo + gap, 0.0), (hi - gap, n as f64)],
            col.mix(0.8).filled(),
        )
    }))?;
    let hover = |&(lo, hi, n): &(f64, f64, u64)| {
        let text = format!(
            "{}: {} to {}\n{}: {n}",
            c.x_label,
            format_si(lo),
            format_si(hi),
            c.y_label
        );
        ((lo + hi) / 2.0, n as f64, text)
    };
    hovers_of(chart, bins, MAX_HOVER_POINTS, hover, hovers);
    Ok(false)
}

/// Hover text of a p5/p50/p95 triple.
fn band_text(c: &Chart, name: &str, &(x, lo, mid, hi): &(f64, f64, f64, f64)) -> String {
    format!(
        "{name}\n{}: {}\n{}: p50 {} (p5 {} to p95 {})",
        c.x_label,
        x_text(c, x),
        c.y_label,
        hover_value(mid, c.y_format),
        hover_value(lo, c.y_format),
        hover_value(hi, c.y_format)
    )
}

fn draw_fan<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    bands: &[Band],
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let bands = &bands[..bands.len().min(MAX_SERIES)];
    for (i, b) in bands.iter().enumerate() {
        let col = color(i);
        let pts = thin(&b.points);
        let mut poly: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
        poly.extend(pts.iter().rev().map(|p| (p.0, p.1)));
        chart.draw_series(std::iter::once(Polygon::new(poly, col.mix(0.2).filled())))?;
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.2)),
                col.stroke_width(2),
            ))?
            .label(format!("{} (line p50, band p5 to p95)", b.name))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3)));
        if pts.len() <= MARKERS_UP_TO_POINTS {
            // Few days (one, for a one-day run) make no visible band: show each as an interval.
            chart
                .draw_series(pts.iter().map(|p| {
                    PathElement::new(vec![(p.0, p.1), (p.0, p.3)], col.stroke_width(2))
                }))?;
            chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.2), 4, col.filled())))?;
        }
        let hover = |p: &(f64, f64, f64, f64)| (p.0, p.2, band_text(c, &b.name, p));
        hovers_of(chart, &pts, hover_budget(bands.len()), hover, hovers);
    }
    Ok(!bands.is_empty())
}

/// Horizontal offset of band `i` of `n` at one x position, so intervals side by side do not
/// cover each other: within a category's slot, or a sliver of a numeric axis's span.
fn dodge(i: usize, n: usize, slot: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let step = slot / n as f64;
    (i as f64 - (n as f64 - 1.0) / 2.0) * step
}

fn draw_points<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    bands: &[Band],
    x_span: f64,
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let bands = &bands[..bands.len().min(MAX_SERIES)];
    let categorical = !c.x_categories.is_empty();
    // A category's slot is 1 wide; on a numeric axis intervals of a point share 3% of the span.
    let slot = if categorical { 0.5 } else { x_span * 0.03 };
    let cap = if categorical { 0.04 } else { x_span * 0.004 };
    for (i, b) in bands.iter().enumerate() {
        let col = color(i);
        let dx = dodge(i, bands.len(), slot);
        let pts: Vec<(f64, f64, f64, f64)> = b
            .points
            .iter()
            .map(|&(x, lo, mid, hi)| (x + dx, lo, mid, hi))
            .collect();
        if !categorical && pts.len() > 1 {
            chart.draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.2)),
                col.mix(0.6).stroke_width(1),
            ))?;
        }
        for &(x, lo, _, hi) in &pts {
            let bar = col.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(x, lo), (x, hi)], bar),
                PathElement::new(vec![(x - cap, lo), (x + cap, lo)], bar),
                PathElement::new(vec![(x - cap, hi), (x + cap, hi)], bar),
            ])?;
        }
        chart
            .draw_series(pts.iter().map(|p| Circle::new((p.0, p.2), 5, col.filled())))?
            .label(format!("{} (dot p50, bar p5 to p95)", b.name))
            .legend(move |(x, y)| Circle::new((x + 9, y), 5, col.filled()));
        // At the dodged position, worded with the value itself.
        let hover = |p: &(f64, f64, f64, f64)| (p.0 + dx, p.2, band_text(c, &b.name, p));
        hovers_of(chart, &b.points, hover_budget(bands.len()), hover, hovers);
    }
    Ok(!bands.is_empty())
}

/// Colour of a heat-map cell: white for 0, then from light to dark red as `n` nears `max`.
fn heat_color(n: u64, max: u64) -> RGBColor {
    if n == 0 || max == 0 {
        return RGBColor(250, 250, 250);
    }
    let t = n as f64 / max as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(253.0, 165.0), mix(219.0, 15.0), mix(199.0, 21.0))
}

fn draw_heat<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    c: &Chart,
    rows: &[String],
    columns: &[(f64, f64)],
    cells: &[Vec<u64>],
    hovers: &mut Vec<Hover>,
) -> DrawResult<DB> {
    let max = cells.iter().flatten().copied().max().unwrap_or(0);
    for (r, row) in cells.iter().enumerate() {
        let y = r as f64;
        chart.draw_series(row.iter().zip(columns).map(|(&n, &(lo, hi))| {
            Rectangle::new([(lo, y - 0.5), (hi, y + 0.5)], heat_color(n, max).filled())
        }))?;
    }
    let at: Vec<(usize, usize)> = (0..cells.len())
        .flat_map(|r| (0..cells[r].len().min(columns.len())).map(move |k| (r, k)))
        .collect();
    let hover = |&(r, k): &(usize, usize)| {
        let ((lo, hi), n) = (columns[k], cells[r][k]);
        let name = rows.get(r).map_or("", String::as_str);
        let text = format!(
            "{name}\n{}: {} to {}\n{}: {n}",
            c.x_label,
            format_si(lo),
            format_si(hi),
            c.title
        );
        ((lo + hi) / 2.0, r as f64, text)
    };
    hovers_of(chart, &at, MAX_HOVER_POINTS, hover, hovers);
    Ok(false)
}

/// `svg` with a transparent circle per hover point, each holding its `<title>`: browsers show
/// the title as a tooltip, so values can be read without any script.
fn with_hovers(svg: String, hovers: &[Hover]) -> String {
    if hovers.is_empty() {
        return svg;
    }
    let Some(end) = svg.rfind("</svg>") else {
        return svg;
    };
    let mut out = String::with_capacity(svg.len() + hovers.len() * 96);
    out.push_str(&svg[..end]);
    out.push_str("<g class=\"hover\" fill=\"transparent\" stroke=\"none\">\n");
    for h in hovers {
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"7\"><title>{}</title></circle>",
            h.x_px,
            h.y_px,
            xml_escape(&h.text)
        );
    }
    out.push_str("</g>\n");
    out.push_str(&svg[end..]);
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an SVG document.
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    font()?;
    let mut text = String::new();
    let hovers;
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        hovers = draw(&root, chart).map_err(|message| ChartError::Draw {
            chart: chart.id.clone(),
            message,
        })?;
    }
    Ok(with_hovers(text, &hovers))
}

/// The chart as PNG bytes.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    font()?;
    let mut rgb = vec![0_u8; (WIDTH_PX * HEIGHT_PX * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        draw(&root, chart).map_err(|message| ChartError::Draw {
            chart: chart.id.clone(),
            message,
        })?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, WIDTH_PX, HEIGHT_PX, image::ColorType::Rgb8)
        .map_err(|err| ChartError::Png {
            chart: chart.id.clone(),
            message: err.to_string(),
        })?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_chart() -> Chart {
        Chart {
            id: "t".into(),
            title: "Test & <chart>".into(),
            x_label: "years since genesis".into(),
            y_label: "DCC".into(),
            kind: ChartKind::Lines(vec![Series {
                name: "a".into(),
                points: (0..5000)
                    .map(|i| (f64::from(i) / 365.0, f64::from(i) * 1e5))
                    .collect(),
            }]),
            markers: vec![(6.0, "halving 1".into())],
            y_format: NumberFormat::Si,
            y_zero: false,
            x_categories: Vec::new(),
        }
    }

    /// Parse-level SVG check: one root element, balanced tags, escaped text.
    pub(crate) fn assert_svg(svg: &str) {
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        let mut depth = 0_i64;
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let Some(j) = rest[i..].find('>') else {
                panic!("unterminated tag")
            };
            let tag = &rest[i..i + j + 1];
            if tag.starts_with("</") {
                depth -= 1;
            } else if !tag.ends_with("/>") && !tag.starts_with("<?") && !tag.starts_with("<!") {
                depth += 1;
            }
            assert!(depth >= 0, "closing tag without opening: {tag}");
            rest = &rest[i + j + 1..];
        }
        assert_eq!(depth, 0, "unbalanced tags");
    }

    #[test]
    fn svg_and_png_render() {
        for kind in [
            line_chart().kind,
            ChartKind::Stacked(vec![
                Series {
                    name: "x".into(),
                    points: vec![(0.0, 1.0), (1.0, 2.0)],
                },
                Series {
                    name: "y".into(),
                    points: vec![(0.0, 3.0), (1.0, 1.0)],
                },
            ]),
            ChartKind::Histogram(vec![(0.0, 1.0, 3), (1.0, 2.0, 10)]),
            ChartKind::Fan(vec![Band {
                name: "point 0".into(),
                points: vec![(0.0, 1.0, 2.0, 3.0), (1.0, 2.0, 3.0, 5.0)],
            }]),
            ChartKind::Lines(Vec::new()),
        ] {
            let chart = Chart {
                kind,
                ..line_chart()
            };
            let svg = render_svg(&chart).unwrap();
            assert_svg(&svg);
            assert!(svg.contains("Test &amp; &lt;chart&gt;") || svg.contains("Test &amp;"));
            let png = render_png(&chart).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert!(png.len() > 2_000, "PNG too small: {}", png.len());
        }
    }

    #[test]
    fn numbers_are_readable() {
        assert_eq!(format_si(500_000_000.0), "500M");
        assert_eq!(format_si(61_643.8), "61.6k");
        assert_eq!(format_si(1_250_000.0), "1.25M");
        assert_eq!(format_si(0.5), "0.50");
        assert_eq!(format_si(0.0), "0");
    }

    #[test]
    fn thinning_keeps_first_and_last() {
        let v: Vec<u32> = (0..10_000).collect();
        let t = thin(&v);
        assert!(t.len() <= MAX_POINTS + 1);
        assert_eq!(t.first(), Some(&0));
        assert_eq!(t.last(), Some(&9_999));
    }
}

#[cfg(test)]
mod axis_tests {
    use super::*;

    fn lines(points: Vec<(f64, f64)>, y_format: NumberFormat) -> Chart {
        Chart {
            id: "t".into(),
            title: "t".into(),
            x_label: "day".into(),
            y_label: "y".into(),
            kind: ChartKind::Lines(vec![Series {
                name: "a".into(),
                points,
            }]),
            markers: Vec::new(),
            y_format,
            y_zero: false,
            x_categories: Vec::new(),
        }
    }

    #[test]
    fn a_count_axis_has_integer_ticks_only() {
        let c = lines(vec![(0.0, 0.0), (1.0, 1.0)], NumberFormat::Integer);
        let (_, (y0, y1)) = bounds(&c);
        assert!(y0.abs() < 1e-12 && (y1 - 2.0).abs() < 1e-12, "{y0}..{y1}");
        assert_eq!(integer_tick(1.0), "1");
        assert_eq!(integer_tick(0.5), "");
        let svg = render_svg(&c).unwrap();
        assert!(!svg.contains(">0.5<") && !svg.contains(">1.5<"));
    }

    #[test]
    fn one_point_is_centred_and_marked() {
        let c = lines(vec![(0.0, 14_400.0)], NumberFormat::Si);
        let ((x0, x1), (y0, y1)) = bounds(&c);
        assert!((x0 + 0.5).abs() < 1e-12 && (x1 - 0.5).abs() < 1e-12);
        assert!(y0 < 14_400.0 && 14_400.0 < y1);
        assert!(render_svg(&c).unwrap().contains("<circle"));
    }

    #[test]
    fn lines_far_from_zero_show_their_differences() {
        let c = lines(vec![(21.0, 100.0), (33.0, 110.0)], NumberFormat::Si);
        let (_, (y0, y1)) = bounds(&c);
        assert!(y0 > 90.0 && y1 < 120.0, "{y0}..{y1}");
        // Near zero, zero stays in view.
        let c = lines(vec![(0.0, 2.0), (1.0, 10.0)], NumberFormat::Si);
        assert!(bounds(&c).1.0.abs() < 1e-12);
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = render_svg(&lines(Vec::new(), NumberFormat::Integer)).unwrap();
        assert!(svg.contains("nothing to show"));
    }
}
