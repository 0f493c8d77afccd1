"""What a process loads to run a model: Mesa without pandas or networkx until they are
used, scipy.special without numpy.f2py, and no scipy.optimize (start-up is paid by every
command and by every worker process)."""

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
heavy = ("pandas.core", "scipy.optimize", "numpy.f2py.crackfortran")
print(sorted(m for m in heavy if m in sys.modules))
print(type(sys.modules["networkx"]).__name__)
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
    # Mesa 3.5 loads pandas and networkx during its own import: its modules use them
    old = mesa_version() < (3, 5)
    loaded = "[]" if old else "['pandas.core']"
    networkx = "_LazyModule" if old else "module"
    assert done.stdout.splitlines() == [loaded, networkx, "DataFrame True"]


def test_mesa_logging_reads_names_from_the_frames_as_inspect_does():
    import inspect

    from sim.mesa_import import _FrameNames, mesa

    frame = inspect.currentframe()
    assert _FrameNames.getmodule(frame) is inspect.getmodule(frame)
    # the line of the running frame moves on between the two calls; its callers' do not
    ours = [(f.function, f.filename, f.lineno) for f in _FrameNames.getouterframes(frame)]
    theirs = [(f.function, f.filename, f.lineno) for f in inspect.getouterframes(frame)]
    assert ours[0][:2] == theirs[0][:2] and ours[1:] == theirs[1:]
    assert mesa.model._mesa_logger.name == "MESA.mesa.model"


def test_results_read_back_as_data_frames():
    from sim import api

    result = api.run(BASELINE, runs=20, seed=1)
    frame = result.replicates
    assert len(frame) == 20 and "outcome" in frame.columns


SPATIAL = """
import sys
import numpy as np
import sim.model
print("scipy.spatial" in sys.modules)
from mesa.experimental.continuous_space import continuous_space
import scipy.spatial
from scipy.spatial.distance import cdist
points = np.array([[0.0, 0.0], [3.0, 4.0]])
print(np.array_equal(continuous_space.cdist(points, points), cdist(points, points)))
print(type(scipy.spatial.KDTree(points)).__module__, "stand-in" in (scipy.spatial.__doc__ or ""))
"""


def test_mesa_calls_scipy_spatial_through_forwarders_that_load_it_on_first_use():
    done = subprocess.run(
        [sys.executable, "-c", SPATIAL], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.splitlines() == [
        "False",
        "True",
        "scipy.spatial._kdtree False",
    ]


FALLBACK = """
import sys
import sim.mesa_import as m
for name in [k for k in sys.modules if k == "mesa" or k.startswith("mesa.")]:
    del sys.modules[name]
m.STAND_INS["scipy.spatial.distance"] = ()  # as if Mesa imported a name not stood in for
mesa, _ = m._import()
from mesa.experimental.continuous_space import continuous_space
print(type(sys.modules["scipy.spatial"]).__name__, continuous_space.cdist.__module__)
"""


def test_a_mesa_importing_more_of_scipy_spatial_gets_the_real_package():
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["module", "scipy.spatial.distance"]
