"""What a process loads to run a model: Mesa without pandas until pandas is used, and no
scipy.optimize (start-up is paid by every command and by every worker process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

RUN = f"""
import sys
from sim.ensemble import Chunk, run_chunk
from sim.loader import load_scenario
out = run_chunk(load_scenario({str(BASELINE)!r}, []), 1, Chunk(0, 0, 50), with_table=True)
assert out.table.num_rows == 50 and out.csv_rows.count(b"\\n") == 51
print(sorted(m for m in ("pandas.core", "scipy.optimize") if m in sys.modules))
import pandas
print(type(pandas.DataFrame({{"a": [1]}})).__name__, "pandas.core" in sys.modules)
"""


def mesa_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(p) for p in version("mesa").split(".")[:2])


def test_a_chunk_runs_and_writes_its_table_without_loading_pandas_or_scipy_optimize():
    done = subprocess.run(
        [sys.executable, "-c", RUN], capture_output=True, text=True, check=True, cwd=ROOT
    )
    # Mesa 3.5 loads pandas during its own import (sim/mesa_import.py says why)
    loaded = "[]" if mesa_version() < (3, 5) else "['pandas.core']"
    assert done.stdout.splitlines() == [loaded, "DataFrame True"]


def test_results_read_back_as_data_frames():
    from sim import api

    result = api.run(BASELINE, runs=20, seed=1)
    frame = result.replicates
    assert len(frame) == 20 and "outcome" in frame.columns
