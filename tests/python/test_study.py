"""search() and sensitivity() from Python: the same answers and bytes as the CLI, as frames."""

import json
import re
import subprocess

import polars as pl

import dcfs_sim

from helpers import EXAMPLES, SIM, shortened


def test_search_finds_the_liveness_threshold_like_the_cli(tmp_path):
    result = dcfs_sim.search(EXAMPLES / "crash-tolerance-search.toml", threads=2,
                             out=tmp_path / "py")
    assert (result.answer, result.holds, result.fails) == ("bracket", "10", "11")
    ev = result.evaluations
    assert isinstance(ev, pl.DataFrame)
    assert ev.filter(pl.col("value") == "10")["successes"].to_list() == [4]
    subprocess.run([SIM, "search", str(EXAMPLES / "crash-tolerance-search.toml"), "--out",
                    str(tmp_path / "cli"), "--threads", "1"], check=True, capture_output=True)
    assert (tmp_path / "py" / "search.json").read_bytes() == \
        (tmp_path / "cli" / "search.json").read_bytes()


def test_sensitivity_returns_the_indices_of_a_sampled_sweep(tmp_path):
    path = shortened(tmp_path, "supply-sensitivity.toml", days=30)
    path.write_text(re.sub(r"(?m)^n = \d+", "n = 4", path.read_text()))
    sweep = dcfs_sim.sweep(path, threads=2, out=tmp_path / "sweep", progress=False)
    frame = dcfs_sim.sensitivity(sweep, ["pool_remaining_wei"])
    assert frame.columns == ["metric", "key", "index", "estimate", "ci_low", "ci_high"]
    assert set(frame["index"]) == {"first_order", "total"}
    assert frame.height == 5 * 2
    manifest = json.loads((tmp_path / "sweep" / "manifest.json").read_text())
    assert "pool_remaining_wei" in manifest["sensitivity"]
    try:
        dcfs_sim.sensitivity(sweep, ["no_such_column"])
    except ValueError as e:
        assert "no such column" in str(e)
    else:
        raise AssertionError("an unknown metric is refused")
