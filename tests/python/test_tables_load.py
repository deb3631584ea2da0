"""Every table of every bundled example loads in polars, pandas and DuckDB, with the types the
data dictionary (`dcfs-sim columns --json`) gives, and wei amounts sum exactly.

Run by `.ci/run` (pytest in a venv). The binary is $DCFS_SIM, else target/debug/dcfs-sim.
Each example runs shortened to one simulated day (a sweep example runs its base scenario).
"""

import csv
import json
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from helpers import absolute_data_paths

ROOT = Path(__file__).resolve().parents[2]
SIM = os.environ.get("DCFS_SIM", str(ROOT / "target" / "debug" / "dcfs-sim"))
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.toml"))


def dictionary():
    out = subprocess.run([SIM, "columns", "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def definition(defs, name, columns):
    """The definition of table `name` whose columns (with `_dcc` partners) are `columns`."""
    for d in defs:
        if d["name"] != name:
            continue
        expected = []
        for c in d["columns"]:
            expected.append(c["name"])
            if c["type"].startswith("u128") and c["name"].endswith("_wei"):
                expected.append(c["name"][: -len("_wei")] + "_dcc")
        if expected == list(columns):
            return d
    raise AssertionError(f"{name}: columns {list(columns)} match no dictionary definition")


def types_of(d):
    types = {}
    for c in d["columns"]:
        types[c["name"]] = c["type"]
        if c["type"].startswith("u128") and c["name"].endswith("_wei"):
            types[c["name"][: -len("_wei")] + "_dcc"] = "dcc"
    return types


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """One shortened run of every example: (example name, run directory)."""
    base = tmp_path_factory.mktemp("runs")
    out = []
    for example in EXAMPLES:
        text = re.sub(r"(?m)^horizon_days = \d+", "horizon_days = 1", example.read_text())
        text = absolute_data_paths(text)
        file = base / example.name
        file.write_text(text)
        run_dir = base / example.stem
        subprocess.run([SIM, "run", str(file), "--out", str(run_dir)], check=True,
                       capture_output=True)
        out.append((example.stem, run_dir))
    return out


def tables(run_dir):
    return sorted(p.stem for p in run_dir.glob("*.parquet"))


POLARS_PARQUET = {
    "u64": lambda t: t == pl.UInt64,
    "u64?": lambda t: t == pl.UInt64,
    "u128": lambda t: t == pl.Decimal(38, 0),
    "u128?": lambda t: t == pl.Decimal(38, 0),
    "bool": lambda t: t == pl.Boolean,
    "text": lambda t: t == pl.String,
    "dcc": lambda t: t == pl.Float64,
    "f64": lambda t: t == pl.Float64,
}

DUCKDB_PARQUET = {
    "u64": {"UBIGINT"},
    "u64?": {"UBIGINT"},
    "u128": {"DECIMAL(38,0)"},
    "u128?": {"DECIMAL(38,0)"},
    "bool": {"BOOLEAN"},
    "text": {"VARCHAR"},
    "dcc": {"DOUBLE"},
    "f64": {"DOUBLE"},
}

# CSV readers infer types; integers of any width are fine, as long as nothing fails or turns
# an exact amount into a float.
DUCKDB_CSV_INTEGERS = {"BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT", "INTEGER", "SMALLINT",
                       "TINYINT", "DECIMAL(38,0)"}


def test_every_table_has_the_dictionary_types_in_every_reader(runs):
    defs = dictionary()
    seen = 0
    for example, run_dir in runs:
        for stem in tables(run_dir):
            pq_path, csv_path = run_dir / f"{stem}.parquet", run_dir / f"{stem}.csv"
            where = f"{example}/{stem}"
            frame = pl.read_parquet(pq_path)
            d = definition(defs, stem, frame.columns)
            types = types_of(d)
            # The file carries its definition (units, meanings) in its metadata.
            carried = json.loads(pl.read_parquet_metadata(pq_path)["dcfs_sim.table"])
            assert carried == d, f"{where}.parquet metadata"
            # Each Arrow field carries its unit and meaning (pyarrow shows them per column).
            fields = pq.read_schema(pq_path)
            for c in d["columns"]:
                md = fields.field(c["name"]).metadata
                assert md[b"unit"].decode() == c["unit"], f"{where}.parquet {c['name']} unit"
                assert md[b"description"].decode() == c["meaning"], f"{where} {c['name']}"
                assert md[b"dcfs_sim.type"].decode() == c["type"], f"{where} {c['name']} type"
            # polars, Parquet: the exact types.
            for name, dtype in frame.schema.items():
                assert POLARS_PARQUET[types[name]](dtype), f"{where}.parquet {name}: {dtype}"
            # polars, CSV: the same columns; integers never become floats.
            frame_csv = pl.read_csv(csv_path, infer_schema_length=None)
            assert frame_csv.columns == frame.columns, where
            # (An empty CSV has only a header: every reader calls its columns text.)
            # So has a column with no value at all (an optional field no row has).
            for name, dtype in frame_csv.schema.items():
                if frame_csv[name].null_count() == len(frame_csv):
                    continue
                t = types[name]
                if t.startswith("u"):
                    assert dtype.is_integer(), f"{where}.csv {name}: {dtype}"
                if t == "dcc":
                    assert dtype.is_float() or dtype.is_integer(), f"{where}.csv {name}: {dtype}"
            # pandas, default settings: same columns, nothing fails.
            pdf = pd.read_parquet(pq_path)
            assert list(pdf.columns) == frame.columns, where
            pdf_csv = pd.read_csv(csv_path)
            assert list(pdf_csv.columns) == frame.columns, where
            for name in pdf.columns:
                if types[name] == "dcc":
                    assert pdf[name].dtype == "float64", f"{where}.parquet {name}"
            # DuckDB, default settings: exact types from Parquet, integers from CSV.
            described = duckdb.sql(f"DESCRIBE SELECT * FROM '{pq_path}'").fetchall()
            for name, dtype, *_ in described:
                assert dtype in DUCKDB_PARQUET[types[name]], f"{where}.parquet {name}: {dtype}"
            described = duckdb.sql(f"DESCRIBE SELECT * FROM '{csv_path}'").fetchall()
            for name, dtype, *_ in described:
                if types[name] in ("u64", "u128") and len(frame) > 0:
                    assert dtype in DUCKDB_CSV_INTEGERS, f"{where}.csv {name}: {dtype}"
            seen += 1
    assert seen >= 30, f"only {seen} tables"


def exact_sum_from_csv(path, column):
    with open(path, newline="") as f:
        return sum(int(row[column]) for row in csv.DictReader(f) if row[column] != "")


def test_wei_columns_sum_exactly_in_every_reader(runs):
    checked = 0
    for example, run_dir in runs:
        for stem in tables(run_dir):
            pq_path, csv_path = run_dir / f"{stem}.parquet", run_dir / f"{stem}.csv"
            frame = pl.read_parquet(pq_path)
            for name in [c for c in frame.columns if c.endswith("_wei")]:
                exact = exact_sum_from_csv(csv_path, name)
                assert int(frame[name].sum()) == exact, f"polars {example}/{stem}.{name}"
                got = duckdb.sql(f"SELECT sum({name}) FROM '{pq_path}'").fetchall()[0][0] or 0
                assert int(got) == exact, f"duckdb parquet {example}/{stem}.{name}"
                got = duckdb.sql(f"SELECT sum({name}::HUGEINT) FROM '{csv_path}'").fetchall()[0][0]
                assert int(got or 0) == exact, f"duckdb csv {example}/{stem}.{name}"
                values = pd.read_parquet(pq_path)[name].dropna()
                assert sum(Decimal(v) for v in values) == exact, f"pandas {example}/{stem}.{name}"
                checked += 1
    # At least one sum exceeds what a float or an int64 holds exactly.
    assert checked >= 100


def test_events_have_a_kind_and_typed_amounts(runs):
    run_dir = dict(runs)["staking-churn"]
    events = pl.read_parquet(run_dir / "events.parquet")
    assert events["kind"].null_count() == 0 and (events["kind"] != "").all()
    staked = events.filter(pl.col("kind") == "Staked")
    assert len(staked) > 100
    assert staked["amount_wei"].null_count() == 0
    assert (staked["amount_wei"] > Decimal(2**64)).any()


def test_a_sweeps_runs_read_as_one_dataset_joined_to_its_summary(tmp_path):
    file = tmp_path / "sweep.toml"
    file.write_text(
        '[run]\nmode = "schedule"\nhorizon_days = 30\n[sweep]\nseeds = 2\n'
        '[sweep.grid]\n"supply.halving_period_days" = [10, 20]\n'
        '"supply.allocations.foundation.schedule.bps_per_year" = [1000, 1500]\n'
    )
    out = tmp_path / "out"
    subprocess.run([SIM, "sweep", str(file), "--out", str(out)], check=True, capture_output=True)
    summary = pl.read_parquet(out / "summary.parquet")
    # One typed column per swept key, no TOML quotes.
    assert summary.schema["supply.halving_period_days"] == pl.UInt64
    runs = pl.read_parquet(str(out / "runs" / "*" / "daily.parquet"), hive_partitioning=True)
    joined = runs.join(summary.select("run_index", "seed", "supply.halving_period_days"),
                       on="run_index")
    assert len(joined) == 8 * 30
    # Day 10 is the first halving of the runs with a 10-day period, and of no other run.
    for (run_index, period), days in joined.group_by(["run_index", "supply.halving_period_days"]):
        e = {d: int(w) for d, w in zip(days["day"], days["emission_wei"])}
        assert e[10] == (e[9] >> 1 if period == 10 else e[9]), (run_index, period)
    # DuckDB reads the hive layout by default.
    rows = duckdb.sql(
        f"SELECT count(DISTINCT run_index) FROM read_parquet('{out}/runs/*/daily.parquet')"
    ).fetchall()[0][0]
    assert rows == 8
