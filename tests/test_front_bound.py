"""The front bounds the table: with `world.front_line.bounds_table`, no agreement hands
back what the advancing side holds in the round it is made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import Outcome

ROOT = Path(__file__).resolve().parents[1]
# more deals than the baseline: no referendum, no guarantees penalty, a fast front
EASY = [
    "actors.ukraine.ratification.threshold=0",
    "actors.russia.red_lines.1.penalty=0",
    "world.front_line.drift=0.05",
]


def agreements(bounds: bool):  # noqa: ANN201
    sets = [*EASY, f"world.front_line.bounds_table={'true' if bounds else 'false'}"]
    scenario = load_scenario(str(ROOT / "scenarios" / "baseline.yaml"), sets)
    result = NegotiationModel(scenario, seed=5, n=1500).run()
    k = result.issues.index("territory")
    agreed = result.outcome == Outcome.AGREEMENT
    # the front stops moving when a replicate ends: front_line is the line at the deal
    return result.terms[agreed, k], result.front_line[agreed]


@pytest.mark.xfail(
    strict=False,
    reason="premise broken by staged agreements; to rebuild",
)
def test_no_agreement_hands_back_what_the_advancing_side_holds() -> None:
    terms, front = agreements(bounds=True)
    assert terms.size > 20
    assert np.all(terms >= front - 1e-12)


@pytest.mark.xfail(
    strict=False,
    reason="premise broken by staged agreements; to rebuild",
)
def test_without_the_bound_some_agreements_hand_land_back() -> None:
    terms, front = agreements(bounds=False)
    assert np.any(terms < front - 1e-6)
