"""Python overhead over the CLI (BENCHMARKS.md): the same scenario, wall clock, best of 3.

    cargo build --release -p dcfs-sim && pip install ./python
    python benches/python_overhead.py benches/scenarios/economy-10k-realistic.toml

Times `dcfs-sim run FILE --out DIR` (a whole process), `dcfs_sim.run(FILE, out=DIR)` and
`dcfs_sim.run(FILE)` (every table as a polars DataFrame, nothing written) in this process.
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dcfs_sim

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "target" / "release" / "dcfs-sim"


def best_of(k, fn):
    times = []
    for _ in range(k):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def main(file):
    work = Path(tempfile.mkdtemp(prefix="dcfs-bench-"))

    def cli():
        shutil.rmtree(work / "cli", ignore_errors=True)
        subprocess.run([str(SIM), "run", file, "--out", str(work / "cli")], check=True,
                       capture_output=True)

    def py_out():
        shutil.rmtree(work / "py", ignore_errors=True)
        dcfs_sim.run(file, out=work / "py", progress=False)

    def py_frames():
        run = dcfs_sim.run(file, progress=False)
        assert run.tables

    for name, fn in [("cli run --out", cli), ("python run(out=)", py_out),
                     ("python run() -> frames", py_frames)]:
        t, all_times = best_of(3, fn)
        print(f"{name:24} best {t:6.2f} s   ({', '.join(f'{x:.2f}' for x in all_times)})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
