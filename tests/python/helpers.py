"""What the Python tests share: where the repository, the CLI and the bundled examples are, and
shortened copies of examples (a test needs their behaviour, not their full horizon)."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The CLI the tests compare against: $DCFS_SIM, else the debug build.
SIM = os.environ.get("DCFS_SIM", str(ROOT / "target" / "debug" / "dcfs-sim"))
EXAMPLES = ROOT / "scenarios" / "examples"


def shortened(tmp_path, example, days=None, seeds=None):
    """A copy of bundled `example` in `tmp_path` with `horizon_days` and/or `[sweep] seeds`
    replaced; its path."""
    text = (EXAMPLES / example).read_text()
    if days is not None:
        text = re.sub(r"(?m)^horizon_days = \d+", f"horizon_days = {days}", text)
    if seeds is not None:
        text = re.sub(r"(?m)^seeds = \d+", f"seeds = {seeds}", text)
    text = absolute_data_paths(text)
    path = tmp_path / example
    path.write_text(text)
    return path


def absolute_data_paths(text):
    """Scenario `text` of a bundled example with its `from_csv` paths made absolute, so a copy
    elsewhere still finds the data, and without its `[[events]]` timeline (the bundled examples
    write it last), whose times a shortened horizon would put out of range."""
    text = re.split(r"(?m)^\[\[events\]\]", text)[0]
    return re.sub(r'(?m)^from_csv = "([^"]+)"',
                  lambda m: f'from_csv = "{(EXAMPLES / m.group(1)).as_posix()}"', text)
