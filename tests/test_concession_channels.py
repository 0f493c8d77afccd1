"""Each concession channel, the rebound and ratification anticipation, in the model, on
common random numbers (the same replicates with one parameter changed); tolerances from
the paired standard error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.loader import load_scenario
from sim.model import NegotiationModel

# Absolute red lines leave no package, so the talks run on and only concession moves.
DEADLOCK = """\
name: deadlock
rounds: 8
seed: 7
issues:
  land: {zero: none, one: all}
actors:
  a:
    role: party
    ideal: {land: 0}
    salience: {land: 1}
    red_lines: [{issue: land, max: 0.2, absolute: true}]
    war:
      cost_per_round: {dist: uniform, low: 0.005, high: 0.02}
    concession:
      deadline: {dist: uniform, low: 10, high: 40}
      beta: {dist: uniform, low: 0.3, high: 2.0}
      initial: {dist: uniform, low: 0.0, high: 0.3}
      weights:
        time: {dist: uniform, low: 0.2, high: 0.6}
        resource: {dist: uniform, low: 0.2, high: 0.6}
        behaviour: {dist: uniform, low: 0.1, high: 0.4}
      cost_tolerance: {dist: uniform, low: 0.2, high: 0.6}
      front: {sensitivity: {dist: uniform, low: 0.5, high: 5.0}}
      reciprocity: {dist: uniform, low: 0.5, high: 1.0}
  b:
    role: party
    ideal: {land: 1}
    salience: {land: 1}
    red_lines: [{issue: land, min: 0.8, absolute: true}]
    war:
      cost_per_round: 0.01
    concession:
      deadline: {dist: uniform, low: 10, high: 40}
      beta: {dist: uniform, low: 0.3, high: 2.0}
      weights: {time: 1.0}
  m:
    role: mediator
    ideal: {land: 0.5}
    salience: {land: 1}
world:
  front_line:
    issue: land
    advancing: b
    initial: 0.3
    drift: 0.0
    noise_sd: 0.005
"""
N = 2000
ROUNDS = 6


@pytest.fixture(scope="module")
def deadlock(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    path: Path = tmp_path_factory.mktemp("s") / "deadlock.yaml"
    path.write_text(DEADLOCK)
    return load_scenario(str(path))


def conceded(scenario, values: dict[str, float], party: int = 0) -> np.ndarray:  # noqa: ANN001
    """Party's conceded share after ROUNDS rounds, with the named parameters set."""
    model = NegotiationModel(
        scenario, n=N, parameter_values={k: np.full(N, v) for k, v in values.items()}
    )
    for _ in range(ROUNDS):
        model.step()
    assert model.active.all()  # nothing ended: only concession moved
    return model.party_agents[party].conceded.copy()


def assert_larger(high: np.ndarray, low: np.ndarray) -> None:
    """The paired mean difference is positive beyond three standard errors."""
    d = high - low
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert d.mean() > 3 * se, (d.mean(), se)


def test_higher_cost_of_war_concedes_faster(deadlock) -> None:  # noqa: ANN001
    low = conceded(deadlock, {"actors.a.war.cost_per_round": 0.005})
    high = conceded(deadlock, {"actors.a.war.cost_per_round": 0.03})
    assert_larger(high, low)


def test_no_resource_weight_no_cost_effect(deadlock) -> None:  # noqa: ANN001
    off = {"actors.a.concession.weights.resource": 0.0}
    low = conceded(deadlock, {**off, "actors.a.war.cost_per_round": 0.005})
    high = conceded(deadlock, {**off, "actors.a.war.cost_per_round": 0.03})
    np.testing.assert_array_equal(low, high)


def test_adverse_front_trend_concedes_faster(deadlock) -> None:  # noqa: ANN001
    # b advances: a rising line is adverse to a
    still = conceded(deadlock, {"world.front_line.drift": 0.0})
    losing = conceded(deadlock, {"world.front_line.drift": 0.03})
    assert_larger(losing, still)


def test_a_concession_by_one_side_raises_the_others_next(deadlock) -> None:  # noqa: ANN001
    # b concedes early (a conceder, beta 3) or holds out (Boulware, beta 0.2); a answers
    hard = conceded(deadlock, {"actors.b.concession.beta": 0.2})
    soft = conceded(deadlock, {"actors.b.concession.beta": 3.0})
    assert_larger(soft, hard)
    # and without reciprocity, b's concession does not move a
    off = {"actors.a.concession.reciprocity": 0.0}
    hard0 = conceded(deadlock, {**off, "actors.b.concession.beta": 0.2})
    soft0 = conceded(deadlock, {**off, "actors.b.concession.beta": 3.0})
    np.testing.assert_array_equal(hard0, soft0)


def test_coercion_on_pace_speeds_concession(deadlock) -> None:  # noqa: ANN001
    model = NegotiationModel(deadlock, n=N)
    base = NegotiationModel(deadlock, n=N)
    a = model.party_agents[0]
    valuations = model._valuations

    def coerced() -> None:
        a.concession_pace = np.full(N, 1.5)  # as a strike's coercion sets it each round
        valuations()

    model._valuations = coerced  # type: ignore[method-assign]
    for _ in range(ROUNDS):
        model.step()
        base.step()
    assert_larger(a.conceded, base.party_agents[0].conceded)


def test_the_pure_time_curve_is_the_fsj_aspiration(deadlock) -> None:  # noqa: ANN001
    from sim.analytic import fsj_aspiration

    values = {
        "actors.a.concession.weights.resource": 0.0,
        "actors.a.concession.weights.behaviour": 0.0,
    }
    model = NegotiationModel(
        deadlock, n=200, parameter_values={k: np.full(200, v) for k, v in values.items()}
    )
    for _ in range(ROUNDS):
        model.step()
    a = model.party_agents[0]
    expected = fsj_aspiration(
        ROUNDS - 1, np.maximum(a.concession_deadline - 1, 1), a.beta, a.batna, a.initial_concession
    )
    np.testing.assert_allclose(a.aspiration, np.maximum(expected, a.batna), atol=1e-12)


# ---- two-level games ------------------------------------------------------------------

REFERENDUM = """\
name: referendum
rounds: 12
seed: 3
issues:
  land: {zero: none, one: all}
actors:
  a:
    role: party
    ideal: {land: 0}
    salience: {land: 1}
    batna: 0.3
    war: {cost_per_round: 0.05}  # a failed vote costs lost_rounds x this
    concession: {deadline: 8}
    ratification:
      intercept: {dist: uniform, low: -1.0, high: 1.5}
      coefficients: {land: -1.5}
      threshold: 0.5
      vote_noise_sd: 0.5
      lost_rounds: 2
  b:
    role: party
    ideal: {land: 1}
    salience: {land: 1}
    batna: 0.3
    concession: {deadline: 8}
  m:
    role: mediator
    ideal: {land: 0.5}
    salience: {land: 1}
    proposal: {respect_win_sets: false}
"""


def test_anticipating_ratification_lowers_signed_then_rejected(tmp_path: Path) -> None:
    path = tmp_path / "referendum.yaml"
    path.write_text(REFERENDUM)
    on = load_scenario(str(path))
    off = load_scenario(str(path), ["actors.a.ratification.anticipate=false"])
    n = 3000
    rejected_on = NegotiationModel(on, n=n).run().signed_rejected > 0
    rejected_off = NegotiationModel(off, n=n).run().signed_rejected > 0
    assert rejected_off.mean() > 0.05  # the case arises at all
    assert_larger(rejected_off.astype(float), rejected_on.astype(float))


def test_a_failed_vote_moves_concession_back_part_of_the_way(tmp_path: Path) -> None:
    path = tmp_path / "referendum.yaml"
    path.write_text(REFERENDUM)
    off = "actors.a.ratification.anticipate=false"
    rebound = "actors.b.concession.rebound.failed_ratification"
    half = NegotiationModel(load_scenario(str(path), [off, f"{rebound}=0.5"]), n=3000)
    none = NegotiationModel(load_scenario(str(path), [off, f"{rebound}=0"]), n=3000)
    seen = np.zeros(3000, dtype=bool)
    while half.running:
        half.step()
        none.step()
        first = (half.failed_ratifications > 0) & ~seen
        if first.any():
            # the same history up to the first failed vote; then half-way back to the opening
            b_half, b_none = half.party_agents[1], none.party_agents[1]
            kappa = b_half.initial_concession[first]
            expected = kappa + 0.5 * (b_none.conceded[first] - kappa)
            np.testing.assert_allclose(b_half.conceded[first], expected, atol=1e-12)
        seen |= half.failed_ratifications > 0
    assert seen.mean() > 0.05
