"""The front bounds the table: with `world.front_line.bounds_table`, no package the parties
sign hands back what the advancing side holds in the round it is signed (the freeze moves
with the front).

With staged agreements a settlement is signed in one round and, where a referendum must
wait for a ceasefire, put to the vote rounds later while the front still moves a little
under the interim ceasefire; so the bound is checked where it acts, in the round of
signing, from the round-by-round record of every replicate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.agreements.stages import CEASEFIRE
from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import EnsembleResult, Outcome

ROOT = Path(__file__).resolve().parents[1]
# settlements as well as ceasefires (the baseline signs ceasefires only): no referendum,
# no guarantees penalty, a fast front, parties that concede within a few rounds and a veto
# player who accepts any package
EASY = [
    "actors.ukraine.ratification.threshold=0",
    "actors.russia.red_lines.1.penalty=0",
    "world.front_line.drift=0.05",
    "actors.russia.concession.deadline=4",
    "actors.ukraine.concession.deadline=4",
    "agreements.veto_players.european_union.tolerance=1",
]
N = 800  # about 1,400 signings, 3% of them handing land back without the bound


def run(bounds: bool) -> tuple[EnsembleResult, pd.DataFrame]:
    """The ensemble and its signed packages: rounds in which every party accepted."""
    sets = [*EASY, f"world.front_line.bounds_table={'true' if bounds else 'false'}"]
    scenario = load_scenario(str(ROOT / "scenarios" / "baseline.yaml"), sets)
    model = NegotiationModel(scenario, seed=5, n=N, record_rounds=True)
    result = model.run()
    assert model.recorder is not None
    rounds = model.recorder.table().to_pandas()
    signed = rounds["talking"].copy()
    for party in result.parties:
        signed &= rounds[f"accept.{party}"]
    return result, rounds[signed]


@pytest.fixture(scope="module")
def bounded() -> tuple[EnsembleResult, pd.DataFrame]:
    return run(bounds=True)


def test_no_signed_package_hands_back_what_the_advancing_side_holds(bounded) -> None:
    result, signed = bounded
    # both kinds were signed: settlements (in force at the end) and ceasefires
    assert (result.outcome == Outcome.SETTLEMENT).sum() > 100
    assert (result.stages == CEASEFIRE).any()
    assert len(signed) > 500
    assert np.all(signed["proposal.territory"] >= signed["front"] - 1e-12)


def test_a_settlements_terms_are_the_package_signed_under_the_bound(bounded) -> None:
    """The terms in force at the end are the last package every party signed, so they too
    lie at or beyond the line of the round they were signed in."""
    result, signed = bounded
    settled = result.outcome == Outcome.SETTLEMENT
    last = signed.groupby("replicate").tail(1).set_index("replicate")
    k = result.issues.index("territory")
    reps = result.replicate[settled]
    np.testing.assert_allclose(
        last.loc[reps, "proposal.territory"].to_numpy(), result.terms[settled, k], atol=1e-12
    )
    assert np.all(result.terms[settled, k] >= last.loc[reps, "front"].to_numpy() - 1e-12)


def test_without_the_bound_some_signed_packages_hand_land_back() -> None:
    _, signed = run(bounds=False)
    assert (signed["proposal.territory"] < signed["front"] - 1e-6).sum() >= 10
