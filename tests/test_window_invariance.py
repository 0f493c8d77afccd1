"""The model does not know when the simulation stops: a replicate that ends before the
shorter window closes ends in the same round, with the same outcome and terms, whatever
the window (`rounds`) is. Every shipped scenario, one seed, windows of 13, 26 and 52.

The river basin (three parties, the costly multi-party solver) compares 13 with 26 in the
default run and adds the 52-round window under ``-m slow``: a rule tied to the window (a
deadline at its end, say) shows as a difference between 13 and 26 just as it would
between 26 and 52, and the 52-round run is half of the test's cost."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import Outcome

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
WINDOWS = (13, 26, 52)
N = 200


def _run(path: Path, rounds: int):  # noqa: ANN202
    scenario = replace(load_scenario(str(path)), rounds=rounds)
    return NegotiationModel(scenario, seed=11, n=N).run()


MULTI_PARTY = {"river_basin_water_treaty"}


def _cases() -> list[object]:
    cases: list[object] = []
    for path in SCENARIOS:
        if path.stem in MULTI_PARTY:
            cases.append(pytest.param(path, WINDOWS[:2], id=f"{path.stem}-13-26"))
            cases.append(pytest.param(path, WINDOWS, id=path.stem, marks=pytest.mark.slow))
        else:
            cases.append(pytest.param(path, WINDOWS, id=path.stem))
    return cases


@pytest.mark.parametrize("path, windows", _cases())
def test_replicates_that_end_early_do_not_depend_on_the_window(
    path: Path, windows: tuple[int, ...]
) -> None:
    results = {w: _run(path, w) for w in windows}
    pairs = [(a, b) for i, a in enumerate(windows) for b in windows[i + 1 :]]
    for short, long in pairs:
        a, b = results[short], results[long]
        # ended inside the shorter window, for a reason of its own (not the window closing)
        # (a stalemate or a ceasefire in force at the window's end is a state, not an end)
        open_end = np.isin(a.outcome, [Outcome.STALEMATE, Outcome.CEASEFIRE])
        early = (a.end_round < short) | ((a.end_round == short) & ~open_end)
        assert np.array_equal(a.end_round[early], b.end_round[early]), (path.stem, short, long)
        assert np.array_equal(a.outcome[early], b.outcome[early]), (path.stem, short, long)
        assert np.array_equal(a.terms[early], b.terms[early], equal_nan=True)
        # and a replicate still running when the shorter window closed is still running then
        later = ~early
        assert np.all(b.end_round[later] >= short)
