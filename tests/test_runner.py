"""The one ensemble runner: models are freed once their chunk is done, on every path that
simulates, and the streamed ``replicates.csv`` holds every replicate in order."""

from __future__ import annotations

import csv
import gc
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.executors import usable_cores
from sim.global_sensitivity import evaluate_model, make_design, problem_from_scenario
from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.runner import run_model, run_replicates

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def live_models() -> int:
    """NegotiationModel instances still reachable after a full collection."""
    gc.collect()
    return sum(isinstance(o, NegotiationModel) for o in gc.get_objects())


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def test_no_model_stays_alive_after_a_sensitivity_run(baseline):
    before = live_models()
    problem = problem_from_scenario(baseline)
    design = make_design(problem, "morris", 2, 3, seed=5)
    codes = evaluate_model(baseline, problem, design, seed=5, block=2)
    assert codes.shape == (design.points, 3)
    assert design.points > 5  # several blocks, so several models were built
    assert live_models() == before


def test_no_model_stays_alive_after_a_run(baseline, tmp_path):
    before = live_models()
    run_replicates(baseline, 50, 3, out_dir=tmp_path)
    assert live_models() == before


def test_run_model_frees_the_model_when_the_run_fails(baseline, monkeypatch):
    def boom(self):
        raise RuntimeError("stop")

    before = live_models()
    monkeypatch.setattr(NegotiationModel, "run", boom)
    with pytest.raises(RuntimeError):
        run_model(baseline, 1, np.arange(4))
    assert live_models() == before


def test_streamed_csv_has_every_replicate_in_order(baseline, tmp_path):
    result = run_replicates(baseline, 30, 4, out_dir=tmp_path, parquet=False)
    with open(tmp_path / "replicates.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["replicate"]) for r in rows] == list(range(30))
    assert [r["outcome"] for r in rows] == list(result.columns()["outcome"])
    assert any(k.startswith("param.") for k in rows[0])  # the drawn parameters are written
    assert not result.params  # but not kept in memory unless asked
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_runner_gives_the_same_numbers_in_chunks(baseline, monkeypatch):
    import sim.ensemble

    whole = run_replicates(baseline, 40, 8, keep_params=True)
    monkeypatch.setattr(sim.ensemble, "CHUNK_SIZE", 7)
    # iter_chunks' default chunk size is bound at definition: pass it through plan_chunks
    original = sim.ensemble.plan_chunks
    monkeypatch.setattr(sim.ensemble, "plan_chunks", lambda runs, size=7: original(runs, 7))
    pieces = run_replicates(baseline, 40, 8, keep_params=True)
    np.testing.assert_array_equal(whole.outcome, pieces.outcome)
    np.testing.assert_array_equal(whole.terms, pieces.terms)


def _small_chunks(monkeypatch, size: int) -> None:
    """Chunks of ``size`` replicates (planned in this process; workers run what they get)."""
    import sim.ensemble

    original = sim.ensemble.plan_chunks
    monkeypatch.setattr(
        sim.ensemble, "plan_chunks", lambda runs, chunk_size=0: original(runs, size)
    )


@settings(max_examples=300, deadline=None)
@given(runs=st.integers(0, 3_000_000), size=st.integers(1, 20_000))
def test_a_run_is_planned_in_balanced_chunks(runs: int, size: int) -> None:
    from sim.ensemble import plan_chunks

    plan = plan_chunks(runs, size)
    assert [c.index for c in plan] == list(range(len(plan)))
    assert [c.start for c in plan] == ([0] + [c.stop for c in plan[:-1]] if plan else [])
    assert (plan[-1].stop if plan else 0) == runs
    sizes = [c.stop - c.start for c in plan]
    assert all(1 <= n <= size for n in sizes)
    assert not sizes or max(sizes) - min(sizes) <= 1
    if len(plan) > 1 and len(plan) < runs:  # as many chunks as replicates: no rounding up
        assert len(plan) % (2 if len(plan) < 4 else 4) == 0
    assert len(plan) <= max(4 * -(-runs // size), 1) if runs else not plan


two_cores = pytest.mark.skipif(usable_cores() < 2, reason="needs two usable cores")


@two_cores
def test_workers_hand_their_rows_over_in_files_and_leave_none(baseline, tmp_path, monkeypatch):
    import sim.runner

    _small_chunks(monkeypatch, 7)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    run_replicates(baseline, 30, 4, out_dir=one)
    appended = []
    append = sim.runner.append_file

    def counted(fh, path):
        appended.append(path)
        append(fh, path)

    monkeypatch.setattr(sim.runner, "append_file", counted)
    run_replicates(baseline, 30, 4, out_dir=two, jobs=2)
    assert len(appended) == len(sim.ensemble.plan_chunks(30)) > 2  # every chunk, in a file
    for name in ("replicates.csv", "replicates.parquet"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    assert sorted(p.name for p in two.iterdir()) == ["replicates.csv", "replicates.parquet"]


@two_cores
def test_a_failed_run_on_workers_leaves_no_file(baseline, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    _small_chunks(monkeypatch, 7)
    write = pq.ParquetWriter.write_table
    calls = []

    def fail_on_the_second(self, table, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            # once the next chunks (submitted with the first ones) have left their files
            deadline = time.monotonic() + 60
            while len(list(tmp_path.glob(".replicates.csv.part-*"))) < 4:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            raise OSError("disk full")
        return write(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail_on_the_second)
    with pytest.raises(OSError, match="disk full"):
        run_replicates(baseline, 30, 4, out_dir=tmp_path, jobs=2)
    assert list(tmp_path.iterdir()) == []
