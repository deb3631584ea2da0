"""dcfs_sim: run, sweep and analyse DCFS chain scenarios from Python.

The model runs in Rust (the same code and bytes as the ``dcfs-sim`` command); Python gives
configuration in and gets tables out as polars DataFrames (exact wei as Decimal(38,0), a
``*_dcc`` float beside each, units in the column names and in each field's metadata).

    import dcfs_sim
    sc = dcfs_sim.load("scenarios/examples/baseline.toml")
    run = dcfs_sim.run(sc.with_overrides({"run.horizon_days": 30}), seed=7)
    run.tables["daily"].select("day", "emission_dcc")
    run.digest                      # the CLI's digest for the same scenario and seed
    sw = dcfs_sim.sweep("scenarios/examples/emissions-sweep.toml", threads=2)
    sw.summary                      # one typed row per run, one column per swept key

Ctrl-C stops a run at its next simulated day and raises KeyboardInterrupt; a directory being
written is left as it was.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import polars as pl

from . import _native

__all__ = [
    "ScenarioError",
    "Scenario",
    "Run",
    "Sweep",
    "load",
    "run",
    "sweep",
    "SearchResult",
    "search",
    "sensitivity",
    "emission",
    "columns",
    "PROGRAM",
]

PROGRAM: str = _native.program()
"""Program and version written into manifests."""


class ScenarioError(ValueError):
    """An invalid scenario: the CLI's message, with where and what.

    Attributes: ``file``, ``line`` and ``column`` (1-based, or None), ``key`` (dotted path,
    "" for the whole document), ``problem`` (what is wrong), ``help`` (allowed values, a
    suggestion, or None) and ``kind`` (the class of problem).
    """

    def __init__(self, message: str, *, kind: str = "", file: str = "",
                 line: Optional[int] = None, column: Optional[int] = None, key: str = "",
                 problem: str = "", help: Optional[str] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.problem = problem
        self.help = help


ScenarioSource = Union["Scenario", str, os.PathLike, Mapping[str, Any]]


class Scenario:
    """A validated scenario (with its sweep, if it has one). Make one with :func:`load`."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Scenario":
        """The same scenario with dotted keys set, as a sweep sets them, e.g.
        ``{"economy.campaign.seats": 21, "run.horizon_days": 365}``; validated at once
        (raises :class:`ScenarioError` naming the key)."""
        if not isinstance(overrides, Mapping):
            raise TypeError("overrides must be a mapping of dotted key -> value")
        pairs = []
        for key, value in overrides.items():
            if not isinstance(key, str):
                raise TypeError(f"override key {key!r} is not a string")
            pairs.append((key, json.dumps(value)))
        return Scenario(self._native.with_overrides(pairs))

    def resolved(self) -> Dict[str, Any]:
        """The resolved scenario (every default filled in), as a dict."""
        return json.loads(self._native.resolved_json())

    def to_toml(self) -> str:
        """The resolved scenario as TOML text (what ``dcfs-sim validate`` prints)."""
        return self._native.resolved_toml()

    @property
    def file(self) -> str:
        """The file name manifests record."""
        return self._native.file

    @property
    def runs(self) -> int:
        """Runs in the scenario's sweep (1 without one)."""
        return self._native.runs

    @property
    def horizon_days(self) -> int:
        """Simulated days of one run."""
        return self._native.horizon_days

    @property
    def seed(self) -> int:
        """The run seed."""
        return self._native.seed

    @property
    def scenario_id(self) -> str:
        """Identity of the resolved scenario (a sweep directory's ``sweep_id``)."""
        return self._native.scenario_id

    def __repr__(self) -> str:
        return (f"Scenario({self.file!r}, horizon_days={self.horizon_days}, seed={self.seed}, "
                f"runs={self.runs})")


def load(source: ScenarioSource, *, name: Optional[str] = None) -> Scenario:
    """A validated scenario from a file path, TOML text, or a dict (the file's structure).

    ``name`` names text or a dict in errors and manifests (default ``<text>.toml`` /
    ``<dict>.json``). Raises :class:`ScenarioError` with the file, line, column and key.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        text = json.dumps(source)
        return Scenario(_native.load_text(text, name or "<dict>.json"))
    if isinstance(source, os.PathLike):
        return Scenario(_native.load_file(os.fspath(source)))
    if isinstance(source, str):
        # Text has a newline or a `=`; anything else is a path.
        if "\n" in source or "=" in source:
            return Scenario(_native.load_text(source, name or "<text>.toml"))
        return Scenario(_native.load_file(source))
    raise TypeError(f"cannot load a scenario from {type(source).__name__}")


def _frame(native_table: Any) -> pl.DataFrame:
    frame = pl.DataFrame(native_table)
    assert isinstance(frame, pl.DataFrame)
    return frame


class Run:
    """One run's results: ``tables`` (name → polars DataFrame), ``summary`` (one row),
    ``digest`` (the CLI's), ``manifest`` (dict) and ``dir`` (None for a run kept in memory)."""

    def __init__(self, tables: Dict[str, pl.DataFrame], summary: pl.DataFrame,
                 manifest: Dict[str, Any], dir: Optional[Path]) -> None:
        self.tables = tables
        self.summary = summary
        self.manifest = manifest
        self.dir = dir

    @property
    def digest(self) -> str:
        """Digest of every output table (format independent): the CLI's for the same
        scenario and seed."""
        return self.manifest["digest"]

    @property
    def seed(self) -> int:
        return self.manifest["seed"]

    def __getitem__(self, table: str) -> pl.DataFrame:
        return self.tables[table]

    def to_pandas(self) -> Dict[str, Any]:
        """Every table (and ``summary``) as a pandas DataFrame (needs pandas and pyarrow)."""
        out = {name: t.to_pandas() for name, t in self.tables.items()}
        out["summary"] = self.summary.to_pandas()
        return out

    @classmethod
    def from_dir(cls, dir: Union[str, os.PathLike]) -> "Run":
        """A run written by ``dcfs-sim run`` or a sweep (its Parquet tables and manifest)."""
        dir = Path(dir)
        manifest_path = dir / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(f"{dir}: no manifest.json (not a finished run directory)")
        manifest = json.loads(manifest_path.read_text())
        if "run_index" not in manifest:
            raise ValueError(f"{dir}: a sweep directory, not a run (use Sweep.from_dir)")
        tables = {}
        for entry in manifest.get("tables", []):
            path = dir / f"{entry['name']}.parquet"
            if path.is_file():
                tables[entry["name"]] = pl.read_parquet(path)
        summary = pl.read_parquet(dir / "summary.parquet")
        return cls(tables, summary, manifest, dir)

    def __repr__(self) -> str:
        where = f", dir={str(self.dir)!r}" if self.dir else ""
        return f"Run(digest={self.digest[:16]}…, tables={sorted(self.tables)}{where})"


class _Bar:
    """Progress over simulated days on terminals and in notebooks (none when piped or in CI):
    tqdm when installed (`pip install tqdm`; notebook-aware), else one updating line."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._bar = None
        self._last = 0.0
        # A terminal, or a notebook (whose stderr is no terminal but shows `\r` updates).
        interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
        self._tty = interactive and not os.environ.get("CI")
        try:
            from tqdm.auto import tqdm
            self._tqdm = tqdm
        except ImportError:
            self._tqdm = None

    def __call__(self, done: int, total: int) -> None:
        if self._tqdm is not None and self._tty:
            if self._bar is None:
                self._bar = self._tqdm(total=total, unit="day", desc=self._what, leave=False)
            self._bar.n = done
            self._bar.refresh()
            return
        now = time.monotonic()
        if self._tty and (now - self._last > 0.2 or done == total):
            self._last = now
            sys.stderr.write(f"\r{self._what}: {done}/{total} simulated days")
            if done == total:
                sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _progress(progress: Union[bool, Callable[[int, int], None]], what: str):
    if callable(progress):
        return progress, None
    if progress:
        bar = _Bar(what)
        return bar, bar
    return None, None


def run(scenario: ScenarioSource, seed: Optional[int] = None,
        out: Union[str, os.PathLike, None] = None,
        progress: Union[bool, Callable[[int, int], None]] = True) -> Run:
    """Runs the scenario's base case (its ``[sweep]`` is ignored).

    ``seed`` replaces the run seed. ``out`` also writes the CLI's run directory (tables,
    Parquet, charts, manifest; replaced only when complete). ``progress`` shows a bar over
    simulated days (True), calls ``progress(days_done, days_total)``, or shows nothing
    (False). The GIL is released while simulating; Ctrl-C raises KeyboardInterrupt within a
    simulated day.
    """
    sc = load(scenario)
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed={seed!r}: a seed is a non-negative integer")
    callback, bar = _progress(progress, "run")
    try:
        result = sc._native.run(seed, None if out is None else os.fspath(out), callback)
    finally:
        if bar is not None:
            bar.close()
    if out is not None:
        return Run.from_dir(out)
    manifest = json.loads(result.manifest_json)
    tables = {name: _frame(result.table(name)) for name in result.table_names()}
    return Run(tables, _frame(result.table("summary")), manifest, None)


class Sweep:
    """A sweep directory: ``summary`` (one typed row per run: run_index, point_index, seed,
    one column per swept key, the run's figures), ``quantiles`` (per point and day),
    ``run(i)`` (loaded when asked), ``digest`` and ``manifest``."""

    def __init__(self, dir: Path, manifest: Optional[Dict[str, Any]], done: Dict[str, Any],
                 keep: Any = None) -> None:
        self.dir = dir
        self.manifest = manifest
        self.kept = done.get("kept", 0)
        self.computed = done.get("computed", 0)
        self._keep = keep  # a TemporaryDirectory that lives as long as this object

    @property
    def digest(self) -> str:
        return self._merged()["digest"]

    @property
    def runs(self) -> int:
        return self._merged()["runs"]

    def _merged(self) -> Dict[str, Any]:
        if self.manifest is None:
            raise ValueError(f"{self.dir}: one shard of a sweep; merge the shards first "
                             "(`dcfs-sim merge DIR... --out DIR`), then Sweep.from_dir")
        return self.manifest

    @property
    def summary(self) -> pl.DataFrame:
        self._merged()
        return pl.read_parquet(self.dir / "summary.parquet")

    @property
    def quantiles(self) -> Optional[pl.DataFrame]:
        """Per parameter point and day: p5/p50/p95, mean and sd of each daily figure, with
        the point's parameter columns (None if the runs write no daily table)."""
        self._merged()
        path = self.dir / "daily_quantiles.parquet"
        return pl.read_parquet(path) if path.is_file() else None

    def run(self, index: int) -> Run:
        """Run ``index`` of the sweep, read from its directory."""
        d = self.dir / "runs" / f"run_index={index}"
        if not d.is_dir():
            raise IndexError(f"no run {index} in {self.dir}")
        return Run.from_dir(d)

    def __iter__(self) -> Iterator[Run]:
        for i in range(self.runs):
            yield self.run(i)

    def to_pandas(self) -> Tuple[Any, Any]:
        """(summary, quantiles) as pandas DataFrames."""
        q = self.quantiles
        return self.summary.to_pandas(), None if q is None else q.to_pandas()

    @classmethod
    def from_dir(cls, dir: Union[str, os.PathLike]) -> "Sweep":
        """A sweep written by ``dcfs-sim sweep`` (or merged)."""
        dir = Path(dir)
        manifest = json.loads((dir / "manifest.json").read_text())
        if "run_index" in manifest:
            raise ValueError(f"{dir}: a run directory, not a sweep (use Run.from_dir)")
        return cls(dir, manifest, {})

    def __repr__(self) -> str:
        if self.manifest is None:
            return f"Sweep(shard in {str(self.dir)!r})"
        return f"Sweep(runs={self.runs}, digest={self.digest[:16]}…, dir={str(self.dir)!r})"


def _threads(threads: Optional[int]) -> int:
    """`threads` checked (default: the machine's cores)."""
    if threads is None:
        threads = os.cpu_count() or 1
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads={threads!r}: a positive integer")
    return threads


def sweep(scenario: ScenarioSource, threads: Optional[int] = None,
          out: Union[str, os.PathLike, None] = None,
          shard: Optional[Tuple[int, int]] = None, resume: bool = True,
          replace: bool = False,
          progress: Union[bool, Callable[[int, int], None]] = True) -> Sweep:
    """Runs every point × seed of the scenario's ``[sweep]``, as ``dcfs-sim sweep``.

    ``threads`` (default: the machine's cores) never changes a byte of the results. ``out``
    is the sweep directory (default: a temporary one that lives as long as the result);
    intact runs found there are kept (``resume``); ``replace`` swaps in a different sweep
    when done. ``shard=(index, count)`` runs one share of the runs (merge them later).
    """
    sc = load(scenario)
    threads = _threads(threads)
    keep = None
    if out is None:
        keep = tempfile.TemporaryDirectory(prefix="dcfs-sweep-")
        out = Path(keep.name) / "sweep"
    callback, bar = _progress(progress, "sweep")
    try:
        done = json.loads(sc._native.sweep(os.fspath(out), threads, shard, resume, replace,
                                           callback))
    finally:
        if bar is not None:
            bar.close()
    return Sweep(Path(done["dir"]), done["manifest"], done, keep)


class SearchResult:
    """A finished ``[search]``: ``evaluations`` (one row per evaluated value: its seeds,
    successes, probability, Wilson interval and verdict), the ``answer`` (``"bracket"``,
    ``"whole_range"`` or ``"nowhere"``), ``holds`` and ``fails`` (the bracket's two values),
    ``confident``, ``digest``, and ``result`` (all of ``search.json``)."""

    def __init__(self, dir: Path, result: Dict[str, Any], keep: Any = None) -> None:
        self.dir = dir
        self.result = result
        self.answer: str = result["answer"]
        self.holds: Optional[str] = result["holds"]
        self.fails: Optional[str] = result["fails"]
        self.confident: bool = result["confident"]
        self.digest: str = result["digest"]
        self._keep = keep  # a TemporaryDirectory that lives as long as this object

    @property
    def evaluations(self) -> pl.DataFrame:
        return pl.DataFrame(self.result["evaluations"])

    def __repr__(self) -> str:
        return (f"SearchResult(answer={self.answer!r}, holds={self.holds!r}, "
                f"fails={self.fails!r}, dir={str(self.dir)!r})")


def search(scenario: ScenarioSource, threads: Optional[int] = None,
           out: Union[str, os.PathLike, None] = None,
           shard: Optional[Tuple[int, int]] = None, resume: bool = True) -> SearchResult:
    """Runs the scenario's ``[search]`` as ``dcfs-sim search``: bisects its key for the
    largest (or smallest) value at which the predicate holds with the required probability.
    ``threads`` never changes a byte; ``out`` keeps the runs (default: a temporary
    directory); ``shard=(index, count)`` shares each batch with other processes on ``out``."""
    sc = load(scenario)
    threads = _threads(threads)
    keep = None
    if out is None:
        keep = tempfile.TemporaryDirectory(prefix="dcfs-search-")
        out = Path(keep.name) / "search"
    result = json.loads(sc._native.search(os.fspath(out), threads, shard, resume, None))
    return SearchResult(Path(out), result, keep)


def sensitivity(sweep: Union["Sweep", str, os.PathLike],
                metrics: Union[str, List[str]]) -> pl.DataFrame:
    """Sensitivity indices of summary columns over a finished sampled sweep
    (``[sweep.sample]``), as ``dcfs-sim sensitivity``: one row per metric, key and index
    (``first_order``/``total`` for Sobol', ``mu_star``/``mu``/``sigma`` for Morris,
    ``spearman`` for a Latin hypercube) with its estimate and 95% bootstrap interval. The
    indices are also added to the sweep's report."""
    dir = sweep.dir if isinstance(sweep, Sweep) else Path(sweep)
    wanted = [metrics] if isinstance(metrics, str) else list(metrics)
    _native.add_sensitivity(os.fspath(dir), wanted)
    table = pl.read_parquet(dir / "sensitivity.parquet")
    return table.filter(pl.col("metric").is_in(wanted))


def emission(days: int, supply: Optional[Mapping[str, Any]] = None) -> pl.DataFrame:
    """The daily emission and vesting schedule (SPEC §4.3, §6) for days 0..days-1, as
    ``dcfs-sim emission`` writes it; ``supply`` overrides keys of the scenario's
    ``[supply]`` section."""
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"days={days!r}: a positive integer")
    doc: Dict[str, Any] = {"run": {"mode": "schedule", "horizon_days": days}}
    if supply is not None:
        doc["supply"] = dict(supply)
    return run(load(doc, name="<emission>.json"), progress=False).tables["daily"]


def columns() -> list:
    """The data dictionary: every table with its rows' meaning, SPEC section and columns
    (name, type, unit, meaning)."""
    return json.loads(_native.dictionary_json())
