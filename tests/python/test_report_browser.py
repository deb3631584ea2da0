"""Reports as a reader sees them: headless Chromium opens the run and sweep reports of bundled
examples (shortened), fails on console errors, broken links or missing charts, checks that the
runs table sorts and that chart values can be read by hovering, and saves screenshots under
target/report-screenshots/.

Chromium is Debian's (`apt-get install chromium`, done by .ci/run, which sets
DCFS_BROWSER_REQUIRED=1 so that a missing browser fails instead of skipping). The CLI is
$DCFS_SIM, else target/debug/dcfs-sim.
"""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers import ROOT, SIM, shortened

SHOTS = ROOT / "target" / "report-screenshots"
CHROMIUM = os.environ.get("DCFS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    if os.environ.get("DCFS_BROWSER_REQUIRED") == "1":
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(name, directory) of each report: two runs and two sweeps."""
    tmp = tmp_path_factory.mktemp("reports")
    jobs = [
        ("run-partition-healing", "run", shortened(tmp, "partition-healing.toml")),
        ("run-staking-churn", "run", shortened(tmp, "staking-churn.toml", days=3)),
        ("sweep-fork-choice-deadlock", "sweep", shortened(tmp, "fork-choice-deadlock.toml", seeds=3)),
        ("sweep-emissions", "sweep", shortened(tmp, "emissions-sweep.toml", days=800)),
    ]
    out = []
    for name, verb, scenario in jobs:
        d = tmp / name
        subprocess.run([SIM, verb, str(scenario), "--out", str(d)], check=True, capture_output=True)
        out.append((name, d))
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def open_report(browser, d):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    page.goto((d / "index.html").as_uri())
    page.wait_for_load_state("load")
    return page, problems


def test_reports_load_without_errors_and_every_chart_and_link_is_there(reports, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, d in reports:
        page, problems = open_report(browser, d)
        figures = page.query_selector_all("figure")
        assert figures, f"{name}: no chart"
        for f in figures:
            box = f.query_selector("svg").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150, f"{name}: {f.get_attribute('id')} not drawn"
        broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], f"{name}: images not loaded: {broken}"
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            url = urlparse(href)
            if url.scheme == "file":
                assert Path(unquote(url.path)).exists(), f"{name}: broken link {href}"
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert problems == [], f"{name}: {problems}"
        page.close()


def test_chart_values_show_on_hover(reports, browser):
    name, d = reports[0]
    page, problems = open_report(browser, d)
    titles = page.eval_on_selector_all("figure svg g.hover title", "ts => ts.map(t => t.textContent)")
    assert len(titles) > 100, f"{name}: {len(titles)} hover titles"
    assert any("hours since genesis" in t for t in titles)
    # The pointer on a hover circle (the last drawn: neighbours overlap): nothing covers it.
    circle = page.query_selector_all("figure#blocks_sub_day g.hover circle")[-1]
    circle.hover()
    on_top = page.evaluate(
        "c => { const r = c.getBoundingClientRect();"
        " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === c; }",
        circle,
    )
    assert on_top
    assert problems == []


def column_values(page, column):
    return page.eval_on_selector_all(
        f"table.sortable tbody tr td:nth-child({column})",
        "tds => tds.map(td => td.getAttribute('data-v') || td.textContent)",
    )


def test_runs_table_sorts_by_a_clicked_column(reports, browser):
    name, d = next(r for r in reports if r[0] == "sweep-fork-choice-deadlock")
    page, problems = open_report(browser, d)
    headers = page.eval_on_selector_all("table.sortable thead th", "ths => ths.map(t => t.textContent)")
    column = headers.index("reorgs") + 1
    page.click(f"table.sortable thead th:nth-child({column})")
    up = [int(v) for v in column_values(page, column)]
    assert up == sorted(up) and len(up) == 6
    page.click(f"table.sortable thead th:nth-child({column})")
    down = [int(v) for v in column_values(page, column)]
    assert down == sorted(up, reverse=True)
    # Text columns sort as text; the swept value is in the table.
    tie = headers.index("consensus.tie_break") + 1
    page.click(f"table.sortable thead th:nth-child({tie})")
    assert column_values(page, tie) == ["coin"] * 3 + ["eip3436"] * 3
    assert problems == []


def test_sweep_charts_plot_results_against_the_swept_values(reports, browser):
    name, d = next(r for r in reports if r[0] == "sweep-emissions")
    page, problems = open_report(browser, d)
    ids = page.eval_on_selector_all("figure", "fs => fs.map(f => f.id)")
    assert any(i.endswith("_by_supply_halving_period_days") for i in ids), ids
    titles = " ".join(page.eval_on_selector_all("figure svg g.hover title", "ts => ts.map(t => t.textContent)"))
    # A numeric parameter: its values are on the x axis, the other swept keys label the series.
    assert "supply.halving_period_days: 1095" in titles
    assert "bps_per_year=1000" in titles
    assert problems == []
