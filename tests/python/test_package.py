"""The Python package (`pip install ./python`): loading and its errors, overrides, runs equal to
the CLI's (digest and frames), sweeps independent of the thread count, pandas, Ctrl-C.

Run by `.ci/run` after the package is installed into the venv. The CLI is $DCFS_SIM, else
target/debug/dcfs-sim.
"""

import json
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import duckdb
import polars as pl
import pytest

import dcfs_sim

from helpers import EXAMPLES, SIM, shortened


def test_errors_name_file_line_column_key_and_help(tmp_path):
    with pytest.raises(dcfs_sim.ScenarioError) as e:
        dcfs_sim.load("[run]\nmode = \"economy\"\nhorizon_dayz = 3\n", name="mine.toml")
    err = e.value
    assert (err.file, err.line, err.key) == ("mine.toml", 3, "run.horizon_dayz")
    assert err.column == 1
    assert "horizon_days" in err.help
    # The CLI's message, word for word.
    bad = tmp_path / "mine.toml"
    bad.write_text("[run]\nmode = \"economy\"\nhorizon_dayz = 3\n")
    cli = subprocess.run([SIM, "validate", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    assert str(err).splitlines()[0] in cli.stderr
    with pytest.raises(dcfs_sim.ScenarioError) as e:
        dcfs_sim.load(tmp_path / "missing.toml")
    assert e.value.file.endswith("missing.toml") and e.value.kind == "Io"
    # An override names its key and suggests the right one.
    sc = dcfs_sim.load(EXAMPLES / "baseline.toml")
    with pytest.raises(dcfs_sim.ScenarioError) as e:
        sc.with_overrides({"economy.campaign.seatz": 21})
    assert e.value.key == "economy.campaign.seatz" and "seats" in e.value.help
    with pytest.raises(dcfs_sim.ScenarioError) as e:
        sc.with_overrides({"run.horizon_days": 0})
    assert e.value.key == "run.horizon_days" and "override" in str(e.value)
    with pytest.raises(TypeError):
        dcfs_sim.load(42)
    with pytest.raises(ValueError):
        dcfs_sim.run(sc, seed=-1)


def test_overrides_and_resolved_and_dicts():
    sc = dcfs_sim.load(EXAMPLES / "baseline.toml")
    changed = sc.with_overrides({"economy.campaign.seats": 33, "run.horizon_days": 5})
    resolved = changed.resolved()
    assert resolved["economy"]["campaign"]["seats"] == 33
    assert changed.horizon_days == 5 and sc.horizon_days != 5
    assert changed.scenario_id != sc.scenario_id
    # A dict with the file's structure loads too, and TOML round-trips.
    again = dcfs_sim.load(resolved, name="again.json")
    assert again.scenario_id == changed.scenario_id
    assert dcfs_sim.load(changed.to_toml()).scenario_id == changed.scenario_id


def test_a_run_has_the_clis_digest_and_frames(tmp_path):
    file = shortened(tmp_path, "staking-churn.toml", 1)
    out = tmp_path / "cli"
    subprocess.run([SIM, "run", str(file), "--out", str(out), "--seed", "9"], check=True,
                   capture_output=True)
    cli = json.loads((out / "manifest.json").read_text())
    run = dcfs_sim.run(file, seed=9, progress=False)
    assert run.digest == cli["digest"] and run.dir is None
    assert set(run.tables) == {e["name"] for e in cli["tables"]}
    for name, frame in run.tables.items():
        written = pl.read_parquet(out / f"{name}.parquet")
        assert frame.schema == written.schema, name
        assert frame.equals(written), name
    assert run.summary.equals(pl.read_parquet(out / "summary.parquet"))
    # Wei stay exact: a sum over Decimal(38,0) equals the exact integer sum of the CSV.
    events = run.tables["events"]
    exact = sum(int(v) for v in events["amount_wei"].drop_nulls().cast(pl.String))
    assert int(events["amount_wei"].sum()) == exact and exact > 2**64
    # The same frames reach DuckDB and pyarrow.
    got = duckdb.sql("SELECT sum(amount_wei) FROM events").fetchall()[0][0]
    assert int(got) == exact
    assert events.to_arrow().schema.field("amount_wei").type.precision == 38
    # out= writes the CLI's directory: the same digest and files.
    written = dcfs_sim.run(file, seed=9, out=tmp_path / "py", progress=False)
    assert written.digest == cli["digest"] and written.dir == tmp_path / "py"
    csvs = {k: v for k, v in cli["files"].items() if k.endswith(".csv")}
    assert len(csvs) > 5
    assert {k: written.manifest["files"][k] for k in csvs} == csvs


def test_pandas_conversion():
    run = dcfs_sim.run(dcfs_sim.load(EXAMPLES / "baseline.toml").with_overrides(
        {"run.mode": "economy", "run.horizon_days": 3}), progress=False)
    frames = run.to_pandas()
    daily = frames["daily"]
    assert daily["emission_dcc"].dtype == "float64"
    assert isinstance(daily["emission_wei"].iloc[0], Decimal)
    assert len(frames["summary"]) == 1


def test_emission_matches_the_cli():
    frame = dcfs_sim.emission(400)
    cli = subprocess.run([SIM, "emission", "--days", "400"], check=True, capture_output=True,
                         text=True).stdout
    first = cli.splitlines()[1].split(",")
    assert len(frame) == 400
    assert str(frame["emission_wei"][0]) == first[1]
    halved = dcfs_sim.emission(2, supply={"halving_period_days": 1})
    assert int(halved["emission_wei"][1]) == int(halved["emission_wei"][0]) // 2


def test_a_sweep_does_not_depend_on_threads(tmp_path):
    file = tmp_path / "sweep.toml"
    file.write_text(textwrap.dedent("""
        [run]
        mode = "economy"
        horizon_days = 3
        [[economy.node_groups]]
        count = 20
        mean_up_hours = 24
        mean_repair_hours = 6
        [sweep]
        seeds = 3
        [sweep.grid]
        "economy.campaign.seats" = [21, 11]
    """))
    one = dcfs_sim.sweep(file, threads=1, out=tmp_path / "one", progress=False)
    two = dcfs_sim.sweep(file, threads=2, out=tmp_path / "two", progress=False)
    assert one.runs == two.runs == 6
    assert one.digest == two.digest
    assert one.summary.equals(two.summary)
    assert one.summary.schema["economy.campaign.seats"] == pl.UInt64
    assert one.quantiles is not None and "economy.campaign.seats" in one.quantiles.columns
    assert one.run(4).digest == two.run(4).digest
    cli = subprocess.run([SIM, "sweep", str(file), "--out", str(tmp_path / "cli")], check=True,
                         capture_output=True, text=True).stdout
    assert one.digest in cli
    # Resumed: nothing computed again.
    seen = []
    again = dcfs_sim.sweep(file, threads=2, out=tmp_path / "one",
                           progress=lambda done, total: seen.append((done, total)))
    assert (again.kept, again.computed) == (6, 0)
    # Progress counts simulated days of all runs; kept runs count theirs at once.
    assert seen[-1] == (6 * 3, 6 * 3)
    # Shards, then the CLI merges them.
    a = dcfs_sim.sweep(file, out=tmp_path / "a", shard=(0, 2), progress=False)
    with pytest.raises(ValueError):
        a.summary
    dcfs_sim.sweep(file, out=tmp_path / "b", shard=(1, 2), progress=False)
    subprocess.run([SIM, "merge", str(tmp_path / "a"), str(tmp_path / "b")], check=True,
                   capture_output=True)
    assert dcfs_sim.Sweep.from_dir(tmp_path / "a").digest == one.digest
    # Default: a temporary directory.
    assert dcfs_sim.sweep(file, progress=False).digest == one.digest
    with pytest.raises(ValueError):
        dcfs_sim.sweep(file, threads=0)


def test_progress_callback_counts_simulated_days():
    seen = []
    sc = dcfs_sim.load(EXAMPLES / "baseline.toml").with_overrides(
        {"run.mode": "economy", "run.horizon_days": 30})
    dcfs_sim.run(sc, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (30, 30)
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


def test_ctrl_c_raises_keyboard_interrupt_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import sys, dcfs_sim
        sc = dcfs_sim.load({str(EXAMPLES / 'stress.toml')!r})
        print("started", flush=True)
        try:
            dcfs_sim.run(sc, out={str(out)!r}, progress=False)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(7)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(3)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 7, rest
    assert "interrupted" in rest
    # Within a simulated day (a day of this scenario takes well under a second).
    assert time.monotonic() - started < 30
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
