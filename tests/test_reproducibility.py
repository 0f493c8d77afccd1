"""Reproducibility: the numbers depend on the seed, never on how the work was spread.

A run is cut into chunks of ``sim.ensemble.CHUNK_SIZE`` replicates, each seeded from the
run's seed and its index and gathered in index order, so ``--jobs 1`` and ``--jobs 2``
must write byte-identical ``replicates.csv`` and the same ``summary.json`` (Axelrod's
``test_seeding_equality``). Both directions are tested: the same seed gives the same
numbers, a different seed gives different ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim import ensemble
from sim.cli import main
from sim.ensemble import CHUNK_SIZE, iter_chunks
from sim.loader import load_scenario
from sim.outcomes import EnsembleResult

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
# The CLI runs below are cut into chunks of at most SMALL_CHUNK replicates, a quarter of
# the production size, so that four chunks (more chunks than workers) take a quarter of
# the replicates; the chunk size itself changes no number (tested below).
SMALL_CHUNK = CHUNK_SIZE // 4
RUNS = 2 * SMALL_CHUNK + 700


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Folders of three CLI runs: seed 7 on one and on two workers, seed 8 on one."""
    base = tmp_path_factory.mktemp("repro")
    out = {}
    plan = ensemble.plan_chunks
    assert len(plan(RUNS, SMALL_CHUNK)) == 4
    with pytest.MonkeyPatch.context() as patch:
        # the chunks are planned in this process; the workers run the chunks they are sent
        patch.setattr(ensemble, "plan_chunks", lambda runs, chunk_size=0: plan(runs, SMALL_CHUNK))
        for key, seed, jobs in (
            ("seed7_jobs1", 7, 1),
            ("seed7_jobs2", 7, 2),
            ("seed8_jobs1", 8, 1),
        ):
            out[key] = _cli_run(base / key, seed, jobs)
    return out


def _cli_run(folder: Path, seed: int, jobs: int) -> Path:
    argv = ["run", BASELINE, "--runs", str(RUNS), "--seed", str(seed), "--jobs", str(jobs)]
    assert main([*argv, "--no-plots", "--quiet", "--out", str(folder)]) == 0
    return folder


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_jobs_1_and_2_give_identical_files(runs):
    a, b = runs["seed7_jobs1"], runs["seed7_jobs2"]
    assert (a / "replicates.csv").read_bytes() == (b / "replicates.csv").read_bytes()
    assert summary(a) == summary(b)  # every number, not only the probabilities
    assert json.loads((b / "manifest.json").read_text())["jobs"] == 2


def test_chunks_are_gathered_in_index_order(runs):
    lines = (runs["seed7_jobs2"] / "replicates.csv").read_text().splitlines()
    assert len(lines) == RUNS + 1
    assert lines[0].startswith("replicate,")
    assert sum(line.startswith("replicate,") for line in lines) == 1  # one header
    assert [int(line.split(",", 1)[0]) for line in lines[1:]] == list(range(RUNS))


def test_a_different_seed_gives_different_numbers(runs):
    a, c = runs["seed7_jobs1"], runs["seed8_jobs1"]
    sa, sc = summary(a), summary(c)
    assert (sa["seed"], sc["seed"]) == (7, 8)
    pa = [o["count"] for o in sa["outcomes"].values()]
    pc = [o["count"] for o in sc["outcomes"].values()]
    assert pa != pc
    rows_a = (a / "replicates.csv").read_text().splitlines()[1:]
    rows_c = (c / "replicates.csv").read_text().splitlines()[1:]
    # not merely reordered: (almost) every replicate drew different parameters
    assert sum(x != y for x, y in zip(rows_a, rows_c, strict=True)) > 0.99 * RUNS
    assert sorted(rows_a) != sorted(rows_c)


def _ensemble(scenario, seed: int, runs: int, chunk_size: int) -> EnsembleResult:
    return EnsembleResult.concatenate(
        [
            out.result
            for out in iter_chunks(
                scenario, seed, runs, with_csv=False, keep_params=True, chunk_size=chunk_size
            )
        ]
    )


def _assert_same(a: EnsembleResult, b: EnsembleResult) -> None:
    for name in (
        "replicate",
        "outcome",
        "end_round",
        "terms",
        "utility",
        "front_line",
        "cost",
        "failed_ratifications",
        "pressure_used",
        "walkout_by",
        "compromise",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.counters.keys() == b.counters.keys()
    for name in a.counters:
        np.testing.assert_array_equal(a.counter(name), b.counter(name), err_msg=name)
    assert a.params.keys() == b.params.keys()
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key], err_msg=key)


def test_numbers_do_not_depend_on_the_chunk_size():
    """Every replicate draws from its own streams, so even the chunk size (fixed in
    practice) leaves the numbers unchanged."""
    scenario = load_scenario(BASELINE, [])
    _assert_same(_ensemble(scenario, 5, 2500, CHUNK_SIZE), _ensemble(scenario, 5, 2500, 700))


def test_a_replicate_alone_reproduces_itself():
    """Replicate i run alone (through the runner, which gives it its reading of the
    source) gives what it gave inside the ensemble."""
    from sim.runner import run_model

    scenario = load_scenario(BASELINE, [])
    ensemble = _ensemble(scenario, 5, 40, CHUNK_SIZE)
    for i in (0, 17, 39):
        alone = run_model(scenario, 5, np.array([i]))
        _assert_same(alone, ensemble.take(np.array([i])))
