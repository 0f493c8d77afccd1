"""The N-party solver on the problems a model run poses, not only on random ones.

The mediator's Nash packages of a river-basin run (three linear parties with soft red
lines and two win-sets) are recorded as the model solves them, and each is checked
against a search ten times as long from it: a package that a longer search improves by
more than 1e-6 in some party's utility stopped short (stalls beside kinks did so by up
to 0.16). Each package that the engine calls a Nash package leaves every party a surplus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import api
from sim.bargaining import concave, general

RIVER_BASIN = Path(__file__).resolve().parents[1] / "scenarios" / "river_basin_water_treaty.yaml"


@pytest.fixture(scope="module")
def solves():
    recorded = []
    solve = general._nash_or_max_min

    def recording(util, lower, upper, d, w, start, coef=None, const=None):
        x, found = solve(util, lower, upper, d, w, start, coef, const)
        recorded.append((util, lower, upper, d, w, coef, const, x, found))
        return x, found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(general, "_nash_or_max_min", recording)
        api.run(RIVER_BASIN, runs=300, seed=3)
    return recorded


def test_the_run_poses_win_set_and_free_nash_problems(solves):
    assert any(coef is not None for *_, coef, _, _, _ in solves)
    assert any(coef is None for *_, coef, _, _, _ in solves)
    assert sum(int(np.sum(found)) for *_, found in solves) > 1000


def test_every_nash_package_of_a_river_basin_run_is_where_a_longer_search_ends(solves):
    worst = 0.0
    for util, lower, upper, d, w, coef, const, x, found in solves:
        rows = np.flatnonzero(found)
        if rows.size == 0:
            continue
        sub = util.take(rows)
        assert np.all(sub.exact(x[rows]) - d[rows] > 0)
        prog = concave.Programme(
            sub,
            lower[rows],
            upper[rows],
            d[rows],
            w[rows] / np.sum(w[rows], axis=1, keepdims=True),
            np.zeros_like(d[rows]),
            None,
            None if coef is None else coef[rows],
            None if const is None else const[rows],
            constraint_scale=concave.CONSTRAINT_SCALES[-1],
        )
        longer = concave.maximise(
            prog, x[rows], concave.LEVELS[-1:], max_steps=10 * concave.MAX_STEPS
        )
        gap = np.abs(sub.exact(longer) - sub.exact(x[rows]))
        worst = max(worst, float(np.max(gap)))
    assert worst < 1e-6
