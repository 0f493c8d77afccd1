"""Fronts with declared sides, several fronts, and violations, strikes and offensives
counted per event and per actor (no two-sided assumptions in the N-party engine)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.events import EVENT_COUNTER_PREFIXES
from sim.loader import load_scenario, load_scenario_text
from sim.model import NegotiationModel
from sim.outcomes import read_replicates_csv
from sim.scenario import FrontLine, Scenario
from sim.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

# three parties: a and b fight over land, c is a bystander with a stake in it
THREE = """\
name: three
rounds: {rounds}
seed: 3
issues:
  land: {{zero: none, one: all}}
  water: {{zero: none, one: all}}
actors:
  a:
    role: party
    ideal: {{land: 1, water: 1}}
    salience: {{land: 0.5, water: 0.5}}
    war: {{cost_per_round: 0.0, cost_per_gain: 0.5, horizon: 4}}
    concession: {{strategy: none}}
    walkout: {{hazard: 0}}
  b:
    role: party
    ideal: {{land: 0, water: 0}}
    salience: {{land: 0.5, water: 0.5}}
    war: {{cost_per_round: 0.0, cost_per_gain: 0.5, horizon: 4}}
    concession: {{strategy: none}}
    walkout: {{hazard: 0}}
  c:
    role: party
    ideal: {{land: 0.5, water: 0.5}}
    salience: {{land: 0.5, water: 0.5}}
    war: {{cost_per_round: 0.0, cost_per_gain: 0.5, horizon: 4}}
    concession: {{strategy: none}}
    walkout: {{hazard: 0}}
    red_lines:
      - {{issue: land, min: 0.9, absolute: true}}
      - {{issue: land, max: 0.1, absolute: true}}
protocol: {{first_proposer: a}}
"""


def three(rounds: int = 6, world: str = "", events: str = "", path: str = "three.yaml") -> Scenario:
    """The three-party scenario (no package exists: c's absolute red lines leave an empty
    box, so the war goes on) with the given ``world:`` and ``events:`` blocks."""
    text = THREE.format(rounds=rounds)
    if world:
        text += "world:\n" + world
    if events:
        text += "events:\n" + events
    return load_scenario_text(text, path)


def at(m: NegotiationModel) -> np.ndarray:
    """The model's front lines (N, F)."""
    assert m.positions is not None
    return m.positions


def error(text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(THREE.format(rounds=6) + text, "three.yaml")
    return str(err.value)


# ---- the sides of a front are declared ------------------------------------------------


def test_a_party_on_neither_side_pays_no_cost_of_gains() -> None:
    s = three(
        world="  front_line: {issue: land, initial: 0.2, drift: 0.05, advancing: a, defending: b}\n"
    )
    m = NegotiationModel(s, n=4)
    assert not m.geometry.feasible.any()  # the war goes on in every replicate
    m.run()
    cost = {p.name: p.accumulated_cost for p in m.party_agents}
    # a's gains move the line: it pays 0.5 per unit of ground, 0.05 a round for 6 rounds
    np.testing.assert_allclose(cost["a"], 0.5 * 0.05 * 6, atol=1e-12)
    # b loses that ground and c is on neither side (its ideal, 0.5, decides nothing)
    np.testing.assert_array_equal(cost["b"], 0.0)
    np.testing.assert_array_equal(cost["c"], 0.0)
    assert [p.direction[0, 0] for p in m.party_agents] == [1.0, -1.0, 0.0]


def test_the_defending_side_gains_as_the_line_falls() -> None:
    front = "{issue: land, initial: 0.8, drift: -0.05, advancing: a, defending: [b, c]}"
    s = three(world=f"  front_line: {front}\n")
    m = NegotiationModel(s, n=2)
    m.run()
    cost = [p.accumulated_cost for p in m.party_agents]
    np.testing.assert_array_equal(cost[0], 0.0)
    np.testing.assert_allclose(cost[1], 0.5 * 0.05 * 6, atol=1e-12)
    np.testing.assert_allclose(cost[2], 0.5 * 0.05 * 6, atol=1e-12)


def test_without_a_declared_side_no_party_gains_ground() -> None:
    s = three(world="  front_line: {issue: land, initial: 0.2, drift: 0.05}\n")
    m = NegotiationModel(s, n=2)
    m.run()
    for p in m.party_agents:
        np.testing.assert_array_equal(p.direction, 0.0)
        np.testing.assert_array_equal(p.accumulated_cost, 0.0)
    np.testing.assert_allclose(at(m)[:, 0], 0.2 + 0.05 * 6, atol=1e-12)  # the line still moves


def test_advancing_alone_puts_every_other_party_on_the_defending_side() -> None:
    front = FrontLine("land", advancing=("a",))
    assert front.advancing == ("a",)
    assert [front.side_of(p, ("a", "b", "c")) for p in "abc"] == [1.0, -1.0, -1.0]
    two_sided = FrontLine("land", advancing=("a",), defending=("b",))
    assert two_sided.side_of("c", ("a", "b", "c")) == 0.0


def _by_inference(scenario: Scenario) -> Scenario:
    """The scenario with each front's sides as they used to be inferred: a party whose
    ideal on the front's issue is at least 0.5 advances, every other party defends."""
    # every shipped front issue's ideal is a number (a draw would be compared per replicate)
    ideal = {
        p.name: {k: v for k, v in p.ideal.items() if isinstance(v, int | float)}
        for p in scenario.parties
    }

    def infer(front: FrontLine) -> FrontLine:
        assert all(front.issue in ideal[p] for p in scenario.party_names)
        up = tuple(p for p in scenario.party_names if ideal[p][front.issue] >= 0.5)
        down = tuple(p for p in scenario.party_names if p not in up)
        return replace(front, advancing=up, defending=down)

    return replace(
        scenario,
        front_line=infer(scenario.front_line) if scenario.front_line is not None else None,
        fronts=tuple(infer(f) for f in scenario.fronts),
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_two_party_scenarios_declare_the_sides_the_inference_gave(path: Path) -> None:
    """The shipped two-party scenarios keep their numbers: each party's declared side is
    the side the ideal-point rule gave it, and the run with the sides as that rule gave
    them (and as ``advancing`` alone gives them) is the same run, to the last digit.
    (tests/golden pins the baseline's numbers themselves.)"""
    scenario = load_scenario(path)
    if len(scenario.parties) != 2 or scenario.front_line is None:
        pytest.skip("not a two-party scenario with a front")
    inferred = _by_inference(scenario)
    names = scenario.party_names
    for front, old in zip(scenario.all_fronts, inferred.all_fronts, strict=True):
        assert [front.side_of(p, names) for p in names] == [old.side_of(p, names) for p in names]
    alone = replace(scenario, front_line=replace(scenario.front_line, defending=None))
    declared = NegotiationModel(scenario, seed=5, n=200).run().to_csv_text()
    assert NegotiationModel(inferred, seed=5, n=200).run().to_csv_text() == declared
    assert NegotiationModel(alone, seed=5, n=200).run().to_csv_text() == declared


def test_the_river_basin_declares_upland_against_delta_and_midland_on_neither_side() -> None:
    s = load_scenario(ROOT / "scenarios" / "river_basin_water_treaty.yaml")
    assert s.front_line is not None
    names = s.party_names
    sides = {p: s.front_line.side_of(p, names) for p in names}
    assert sides == {"upland": 1.0, "midland": 0.0, "delta": -1.0}


# ---- bad input ------------------------------------------------------------------------


def test_a_party_on_both_sides_is_refused_at_its_key() -> None:
    msg = error("world:\n  front_line: {issue: land, advancing: [a, c], defending: [b, c]}\n")
    assert msg == (
        "three.yaml:34:59: world.front_line.defending: c cannot both advance and defend on "
        'one front (got ["b", "c"])'
    )


def test_two_fronts_on_one_issue_are_refused() -> None:
    msg = error(
        "world:\n  front_line: {issue: land, advancing: a}\n"
        "  fronts:\n    north: {issue: land, advancing: b}\n"
    )
    assert msg == (
        "three.yaml:36:20: world.fronts.north.issue: each front moves its own issue; "
        'world.front_line already moves it (got "land")'
    )


def test_an_undeclared_side_is_refused() -> None:
    msg = error("world:\n  front_line: {issue: land, advancing: [a, d]}\n")
    assert msg.startswith("three.yaml:34:44: world.front_line.advancing.1: not a declared party")
    assert msg.endswith('(got "d")')


# ---- several fronts -------------------------------------------------------------------

TWO_FRONTS = (
    "  front_line: {issue: land, initial: 0.2, drift: 0.05, advancing: a, defending: b}\n"
    "  fronts:\n"
    "    river: {issue: water, initial: 0.6, drift: -0.02, advancing: a, defending: c}\n"
)


def test_each_front_moves_its_own_issue() -> None:
    m = NegotiationModel(three(rounds=5, world=TWO_FRONTS), n=3)
    result = m.run()
    np.testing.assert_allclose(at(m)[:, 0], 0.2 + 5 * 0.05, atol=1e-12)
    np.testing.assert_allclose(at(m)[:, 1], 0.6 - 5 * 0.02, atol=1e-12)
    war = m.war_package(at(m))
    np.testing.assert_allclose(war, [[0.45, 0.5]] * 3, atol=1e-12)
    np.testing.assert_allclose(result.front_line, 0.45, atol=1e-12)  # the first front's column
    # a gains on the first front and loses on the second; c gains on the second
    cost = [p.accumulated_cost for p in m.party_agents]
    np.testing.assert_allclose(cost[0], 0.5 * 0.05 * 5, atol=1e-12)
    np.testing.assert_array_equal(cost[1], 0.0)
    np.testing.assert_allclose(cost[2], 0.5 * 0.02 * 5, atol=1e-12)
    # the further front's line is a column of its own, and is read back
    np.testing.assert_allclose(result.fronts["river"], 0.5, atol=1e-12)
    table = pd.read_csv(io.StringIO(result.to_csv_text()))
    np.testing.assert_allclose(table["front_line.river"], 0.5, atol=1e-12)
    assert summarize(result, m.negotiation, 0)["fronts_end"] == {"river": pytest.approx(0.5)}
    taken = result.take(np.array([0, 2])).fronts["river"]
    np.testing.assert_array_equal(taken, result.fronts["river"][[0, 2]])
    # the trace shows where it stands
    trace = NegotiationModel(three(rounds=5, world=TWO_FRONTS), n=1, record=True)
    trace.run()
    assert "front river 0.580 (-0.020)" in trace.log[0].events
    # the war's value: each party's utility of the war package at both fronts
    np.testing.assert_allclose(result.utility[:, 2], 1 - 0.5 * 0.05 - 0.5 * 0.0, atol=1e-12)


def test_a_further_front_has_its_own_parameters_and_noise() -> None:
    s = three(rounds=4, world=TWO_FRONTS.replace("drift: -0.02", "drift: -0.02, noise_sd: 0.01"))
    assert "world.fronts.river.noise_sd" in s.parameters()
    a = NegotiationModel(s, seed=9, n=50).run()
    b = NegotiationModel(s, seed=9, n=50).run()
    np.testing.assert_array_equal(a.front_line, b.front_line)
    np.testing.assert_allclose(a.front_line, 0.2 + 4 * 0.05, atol=1e-12)  # no noise here
    m = NegotiationModel(s, seed=9, n=50)
    m.run()
    spread = at(m)[:, 1] - (0.6 - 4 * 0.02)
    # four rounds of noise sd 0.01: sd 0.02, mean 0 (within 4 standard errors)
    assert abs(spread.mean()) < 4 * 0.02 / np.sqrt(50)
    assert 0.01 < spread.std() < 0.03


def test_an_offensive_speeds_every_front() -> None:
    events = "  push: {type: offensive, by: a, start_round: 1, drift_multiplier: 2}\n"
    m = NegotiationModel(three(rounds=3, world=TWO_FRONTS, events=events), n=2)
    m.run()
    np.testing.assert_allclose(at(m)[:, 0], 0.2 + 3 * 0.1, atol=1e-12)
    np.testing.assert_allclose(at(m)[:, 1], 0.6 - 3 * 0.04, atol=1e-12)


def test_an_offensive_on_one_front_speeds_that_front_only() -> None:
    events = "  push: {type: offensive, start_round: 1, drift_multiplier: 2, fronts: river}\n"
    m = NegotiationModel(three(rounds=3, world=TWO_FRONTS, events=events), n=2)
    m.run()
    np.testing.assert_allclose(at(m)[:, 0], 0.2 + 3 * 0.05, atol=1e-12)
    np.testing.assert_allclose(at(m)[:, 1], 0.6 - 3 * 0.04, atol=1e-12)


def test_an_offensive_on_an_undeclared_front_is_refused() -> None:
    msg = error(
        "world:\n" + TWO_FRONTS + "events:\n  push: {type: offensive, fronts: [front_line, rivr]}\n"
    )
    assert msg == (
        "three.yaml:38:48: events.push.fronts.1: not a declared front; declared: front_line, "
        'river (got "rivr")'
    )


# ---- violations, strikes and offensives per event and per actor -----------------------

STRIKES = """\
  a_hits_b: {type: strike, by: a, target: b, prob_per_round: 0.3}
  c_hits_a: {type: strike, by: c, target: a, prob_per_round: 0.2}
  calm: {type: truce, covers: [a_hits_b, c_hits_a], strike_prob: 0.1, violation_prob: 0.6}
"""


def test_a_truce_blames_each_bound_party_for_its_other_violations() -> None:
    n = 3000
    result = NegotiationModel(three(rounds=8, events=STRIKES), seed=4, n=n).run()
    ev = result.event_counters
    by = np.stack([ev[f"violations_by.{p}"] for p in "abc"], axis=1)
    # each replicate's violations add up over the parties, and the truce sees them all
    np.testing.assert_array_equal(by.sum(axis=1), result.counters["violations"])
    np.testing.assert_array_equal(ev["violations.calm"], result.counters["violations"])
    # the other violations are shared equally among the three sides of its strikes;
    # a and c also violate it by striking (0.1 a round each): a, c ahead of b by that
    rounds = 8
    other = 0.6 * (1 / 3)
    own = 0.1
    for j, strikes in ((0, own), (1, 0.0), (2, own)):
        # P(blamed in a round) = 1 - (1 - other)(1 - strikes); rounds are independent
        p = 1 - (1 - other) * (1 - strikes)
        se = np.sqrt(rounds * p * (1 - p) / n)
        assert abs(by[:, j].mean() - rounds * p) < 4 * se
    assert ev["strikes_by.a"].sum() > 0 and ev["strikes_by.c"].sum() > 0
    np.testing.assert_array_equal(ev["strikes.a_hits_b"], ev["strikes_by.a"])


def test_a_truce_blames_only_the_parties_it_names() -> None:
    events = STRIKES.replace("violation_prob: 0.6}", "violation_prob: 0.6, parties: [b]}")
    result = NegotiationModel(three(rounds=8, events=events), seed=4, n=400).run()
    ev = result.event_counters
    # a and c only violate it by striking; every other violation is b's
    strikes_in_force = ev["strikes.a_hits_b"] + ev["strikes.c_hits_a"]
    assert (ev["violations_by.a"] + ev["violations_by.c"] <= strikes_in_force).all()
    assert ev["violations_by.b"].mean() > 8 * 0.6 * 0.8


def test_offensives_are_counted_per_event_and_per_actor() -> None:
    events = (
        "  push: {type: offensive, by: a, probability: 0.4, drift_multiplier: 2}\n"
        "  surge: {type: offensive, by: a, probability: 0.5, start_round: 3}\n"
        "  relief: {type: aid_change, probability: 0.5}\n"
    )
    world = "  front_line: {issue: land, drift: 0.01, advancing: a}\n"
    n = 2000
    result = NegotiationModel(three(rounds=4, world=world, events=events), seed=8, n=n).run()
    ev = result.event_counters
    for name, p in (("offensives.push", 0.4), ("offensives.surge", 0.5)):
        assert set(np.unique(ev[name])) <= {0, 1}
        assert abs(ev[name].mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_array_equal(
        ev["offensives_by.a"], ev["offensives.push"] + ev["offensives.surge"]
    )
    assert "aid_changes.relief" in ev and not any(k.startswith("aid_changes_by.") for k in ev)
    assert "offensives_by.b" not in ev


def test_the_counts_surface_in_replicates_csv_summary_and_trace(tmp_path: Path) -> None:
    s = three(rounds=8, events=STRIKES + "  push: {type: offensive, by: c, start_round: 2}\n")
    result = NegotiationModel(s, seed=4, n=300).run()
    table = pd.read_csv(io.StringIO(result.to_csv_text()))
    for col in (
        "violations.calm",
        "violations_by.a",
        "violations_by.b",
        "violations_by.c",
        "strikes_by.a",
        "strikes.c_hits_a",
        "offensives.push",
        "offensives_by.c",
    ):
        assert col in table.columns
    path = tmp_path / "replicates.csv"
    path.write_text(result.to_csv_text())
    back = read_replicates_csv(
        path,
        scenario=result.scenario,
        issues=result.issues,
        parties=result.parties,
        actors=result.actors,
        rounds=result.rounds,
        round_days=result.round_days,
    )
    for k, v in result.event_counters.items():
        np.testing.assert_array_equal(back.event_counters[k], v)
    assert back.fronts == {}
    summary = summarize(result, s, 4)
    assert summary["violations_by.b_mean"] == pytest.approx(
        result.event_counters["violations_by.b"].mean()
    )
    assert summary["offensives_by.c_mean"] == 1.0
    # the trace names the actor of each violation and offensive
    m = NegotiationModel(s, seed=4, n=1, record=True)
    m.run()
    notes = [note for record in m.log for note in record.events]
    assert any(note == "push under way (c's)" for note in notes)
    # and the striker and target of each strike (over the first seeds with strikes)
    seen: set[str] = set()
    for seed in range(12):
        m = NegotiationModel(s, seed=seed, n=1, record=True)
        m.run()
        struck = [n for record in m.log for n in record.events if ": a strike by " in n]
        assert len(struck) == int(m.result().counters["strikes"][0])
        seen.update(struck)
    assert seen == {"a_hits_b: a strike by a on b", "c_hits_a: a strike by c on a"}
    blamed = [n for n in notes if n.startswith("calm: a violation attributed to ")]
    assert len(blamed) == int(m.result().counters["violations"][0])


def test_every_tally_is_declared_by_its_kind_and_read_back() -> None:
    s = three(rounds=3, events=STRIKES + "  push: {type: offensive, by: c}\n")
    m = NegotiationModel(s, n=2)
    result = m.run()
    for event in m.events:
        assert {t.name for t in event.tallies()} <= set(type(event).tallied)
    assert all(k.startswith(EVENT_COUNTER_PREFIXES) for k in result.event_counters)
