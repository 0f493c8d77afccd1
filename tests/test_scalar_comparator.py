"""The bench's scalar Mesa comparator (bench/scalar_model.py) is an independent, one model
per replicate implementation of the same rules: on negsim's own random streams and
parameter draws it must put every replicate in the same end state, round by round, as
the ensemble. The check found that a replicate's kind of agreement after its mediator's
exit depended on whether other replicates of the ensemble still had theirs; the second
test pins that fix without the comparator."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import scalar_check  # noqa: E402
import scalar_model  # noqa: E402

from sim.loader import load_scenario  # noqa: E402
from sim.model import NegotiationModel  # noqa: E402
from sim.readings import run_drawn  # noqa: E402
from sim.streams import Purpose, Streams  # noqa: E402


@pytest.mark.parametrize("name", ["baseline", "no_mediator", "energy_truce"])
def test_the_comparator_matches_the_ensemble_replicate_by_replicate(name: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    out = scalar_check.paired(scenario, seed=3, runs=150)
    assert out["mismatches"] == []
    # the replicates are not all alike: the check covers several end states
    assert len(set(out["outcome_ensemble"].tolist())) >= 2


def test_the_comparator_refuses_what_it_does_not_model() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["loss=quadratic"])
    with pytest.raises(ValueError, match="linear loss only"):
        scalar_model.ScalarNegotiation(scenario, seed=1)


def test_the_comparator_matches_the_ensemble_with_three_parties() -> None:
    # three parties and a mediator: the comparator finds the Nash and max-min packages
    # with scipy (SLSQP, HiGHS), the ensemble with its own batched solver
    scenario = load_scenario(ROOT / "scenarios" / "river_basin_water_treaty.yaml")
    out = scalar_check.paired(scenario, seed=3, runs=12)
    assert out["mismatches"] == []


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    replicate=st.integers(0, 10**9),
    name=st.text(min_size=1, max_size=20),
    t=st.integers(0, 500),
)
def test_the_pure_python_streams_are_negsims(seed: int, replicate: int, name: str, t: int) -> None:
    draws = scalar_model.StreamDraws(seed, replicate)
    streams = Streams(seed, np.array([replicate]))
    assert draws.shock(name, t) == streams.uniform(Purpose.SHOCKS, f"{name}@{t}")[0]
    assert draws.belief(name) == streams.normal(Purpose.BELIEFS, name)[0]


def test_a_replicate_after_its_mediators_exit_ends_the_same_alone_as_in_an_ensemble() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    together = run_drawn(scenario, 1, np.arange(300), rng=None, parameter_values=None)
    left = np.flatnonzero(np.isfinite(together.mediator_exit_round))
    assert 106 in left  # before the fix: stalemate in the ensemble, ceasefire alone
    for i in left[:40]:
        alone = run_drawn(scenario, 1, np.array([i]), rng=None, parameter_values=None)
        assert alone.outcome[0] == together.outcome[i]
        assert np.array_equal(alone.stage[0], together.stage[i])


def test_recorded_rounds_name_the_proposer_of_each_replicate() -> None:
    # replicates whose mediator has left propose in turn, beside others whose mediator
    # still proposes: each row names its own proposer
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    reading = scenario.readings[0].scenario
    model = NegotiationModel(reading, seed=1, replicates=np.arange(400), record_rounds=True)
    model.run()
    rounds = model.recorder.table().to_pandas()
    exit_round = dict(enumerate(model.mediator_exit_round))
    talking = rounds[rounds["talking"]]
    left = talking["round"] > talking["replicate"].map(exit_round)
    assert left.any() and (~left).any()
    assert set(talking.loc[left, "proposer"]) <= set(reading.party_names)
    assert set(talking.loc[~left, "proposer"]) == {"mediator"}
