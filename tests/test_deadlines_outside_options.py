"""A deadline known to the parties, outside options and a fixed cost of bargaining: the
engine's alternating offers against the closed forms of :mod:`sim.analytic_protocols`,
and what each does to the talks (docs/model.md, "Protocols").

Two parties divide a pie: one issue, A's ideal 1, B's 0, linear loss, disagreement worth
0, so A's utility is its share. Three parties use the ring of issues of
tests/test_protocols.py with disagreement worth 1/4 each: the surplus of 3/4 is then a
pie whose every division the box can reach (no party above utility 1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_builders import issues, party, run, scenario

from sim import analytic
from sim.model import NegotiationModel
from sim.outcomes import NO_ONE, Outcome
from sim.scenario import Concession

A, B = "a", "b"


def pie(d_a, d_b, *, deadline=None, outside_b=None, cost=(0.0, 0.0), batna_b=0.0, **kw):
    a = party(A, {"share": 1.0}, {"share": 1.0}, batna=0.0, patience=d_a, bargaining_cost=cost[0])
    b = party(
        B,
        {"share": 0.0},
        {"share": 1.0},
        batna=batna_b,
        patience=d_b,
        bargaining_cost=cost[1],
        outside_option=outside_b,
        **kw,
    )
    return scenario(issues("share"), [a, b], rounds=40, first_proposer=A, deadline=deadline)


def first_share(sc) -> float:
    res = run(sc)
    assert res.outcome[0] == Outcome.AGREEMENT and res.end_round[0] == 1
    return float(res.terms[0, 0])


# --------------------------------------------------------------------------- deadline


@pytest.mark.parametrize("delta", [0.5, 0.8, 0.95])
@pytest.mark.parametrize("rounds_left", [1, 2, 3, 4, 7, 8])
def test_known_deadline_swings_the_first_share_with_its_parity(delta, rounds_left):
    """Stahl's finite horizon: (1 - (-delta)^T) / (1 + delta), above Rubinstein's
    1 / (1 + delta) for odd T (the first proposer also proposes last), below for even."""
    share = first_share(pie(delta, delta, deadline=rounds_left))
    assert share == pytest.approx(analytic.finite_horizon_share(rounds_left, delta), abs=1e-9)
    rubinstein = 1 / (1 + delta)
    assert (share > rubinstein) == (rounds_left % 2 == 1)


@settings(deadline=None, max_examples=40)
@given(
    d_a=st.floats(0.0, 0.99),
    d_b=st.floats(0.0, 0.99),
    rounds_left=st.integers(1, 12),
    w=st.one_of(st.none(), st.floats(0.0, 0.9)),
    c_b=st.sampled_from([0.0, 0.01, 0.05]),
)
def test_deadline_offer_matches_backward_induction(d_a, d_b, rounds_left, w, c_b):
    """Any discount factors, outside option and cost: the closed form's recursion."""
    sc = pie(d_a, d_b, deadline=rounds_left, outside_b=w, cost=(0.0, c_b))
    expected = analytic.finite_rotation_offer(
        [d_a, d_b], rounds_left, outside=[0.0, w or 0.0], cost=[0.0, c_b]
    )[0]
    assert first_share(sc) == pytest.approx(expected, abs=1e-9)


def test_a_long_deadline_gives_the_stationary_offer():
    share = first_share(pie(0.9, 0.8, deadline=201))
    assert share == pytest.approx((1 - 0.8) / (1 - 0.9 * 0.8), abs=1e-9)


def stubborn(deadline: int | None, rounds: int):
    """Both parties hold out for their ideal (no zone of agreement ever opens)."""
    a = party(A, {"share": 1.0}, {"share": 1.0}, batna=0.6, concession=Concession("none"))
    b = party(B, {"share": 0.0}, {"share": 1.0}, batna=0.6, concession=Concession("none"))
    return scenario(issues("share"), [a, b], rounds=rounds, first_proposer=A, deadline=deadline)


def test_talks_end_at_the_deadline_whatever_the_window():
    for rounds in (5, 12, 30):
        res = run(stubborn(5, rounds), n=20)
        assert np.all(res.outcome == Outcome.BREAKDOWN)
        assert np.all(res.end_round == 5)
        assert np.all(res.walkout_by == NO_ONE)
    # without a deadline the same talks run to the window's end
    res = run(stubborn(None, 12), n=20)
    assert np.all(res.outcome == Outcome.STALEMATE) and np.all(res.end_round == 12)


# --------------------------------------------------------------------------- outside options


@pytest.mark.parametrize("w", [0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.9])
def test_outside_option_binds_only_when_it_beats_waiting(w):
    """Binmore-Shaked-Sutton: x_1 = min((1 - d_2) / (1 - d_1 d_2), 1 - w_2)."""
    share = first_share(pie(0.9, 0.8, outside_b=w))
    assert share == pytest.approx(analytic.outside_option_share(0.9, 0.8, w), abs=1e-9)


@settings(deadline=None, max_examples=40)
@given(d_a=st.floats(0.0, 0.99), d_b=st.floats(0.0, 0.99), w=st.floats(0.0, 1.0))
def test_outside_option_share_property(d_a, d_b, w):
    share = first_share(pie(d_a, d_b, outside_b=w))
    assert share == pytest.approx(analytic.outside_option_share(d_a, d_b, w), abs=1e-9)


def test_an_outside_option_is_not_a_disagreement_point():
    """The same 0.1 as an outside option leaves Rubinstein's split alone; as B's
    disagreement point it moves it."""
    rubinstein = (1 - 0.8) / (1 - 0.9 * 0.8)
    assert first_share(pie(0.9, 0.8, outside_b=0.1)) == pytest.approx(rubinstein, abs=1e-9)
    assert first_share(pie(0.9, 0.8, batna_b=0.1)) < rubinstein - 0.01


def holding_out(w: float):
    """A proposes first and holds out for its ideal (Boulware from its ideal); B may opt
    out for w. B's value of waiting for its own offer: 0.8 (1 - 0.9 min(5/7, 1 - w)),
    0.512 with w = 0.6 (it opts out), 0.286 with w = 0.2 (it waits)."""
    a = party(A, {"share": 1.0}, {"share": 1.0}, batna=0.0, patience=0.9, concession=Concession())
    b = party(B, {"share": 0.0}, {"share": 1.0}, batna=0.0, patience=0.8, outside_option=w)
    return scenario(issues("share"), [a, b], rounds=10, first_proposer=A)


def test_a_responder_opts_out_when_its_option_beats_the_offer_and_waiting():
    res = run(holding_out(0.6), n=5)
    assert np.all(res.outcome == Outcome.BREAKDOWN)
    assert np.all(res.end_round == 1)
    assert np.all(res.walkout_by == 1)


def test_a_responder_waits_when_waiting_beats_its_option():
    res = run(holding_out(0.2), n=5)
    assert not np.any((res.outcome == Outcome.BREAKDOWN) & (res.end_round == 1))


# --------------------------------------------------------------------------- costs


@pytest.mark.parametrize(("c_a", "c_b"), [(0.01, 0.02), (0.05, 0.02), (0.1, 0.3), (0.2, 0.05)])
def test_fixed_cost_of_bargaining_hands_the_pie_to_the_cheaper_party(c_a, c_b):
    """Rubinstein (1982, section 5): no discounting, a fixed cost per round."""
    share = first_share(pie(1.0, 1.0, cost=(c_a, c_b)))
    assert share == pytest.approx(analytic.fixed_cost_share(c_a, c_b), abs=1e-9)


def test_no_cost_and_no_option_leave_the_offers_as_they_were():
    """The terms are off unless a scenario sets them: Rubinstein to the last bit."""
    share = first_share(pie(0.9, 0.8, cost=(0.0, 0.0)))
    assert share == pytest.approx((1 - 0.8) / (1 - 0.72), abs=1e-12)


# --------------------------------------------------------------------------- three parties


def ring3(
    deltas,
    *,
    deadline=None,
    outside=(None, None, None),
    cost=(0.0, 0.0, 0.0),
    d=0.25,
    recognition=None,
    replicates=1,
):
    names = ["i0", "i1", "i2"]
    parties = []
    for j in range(3):
        ideal, sal = dict.fromkeys(names, 0.5), dict.fromkeys(names, 0.0)
        ideal[names[j]], sal[names[j]] = 1.0, 0.5
        ideal[names[j - 1]], sal[names[j - 1]] = 0.0, 0.5
        pie = 1.5 - 3 * d  # the surplus: shares, options and costs scale with it
        kw = {} if outside[j] is None else {"outside_option": d + pie * outside[j]}
        kw["bargaining_cost"] = pie * cost[j]
        parties.append(party(f"p{j}", ideal, sal, batna=d, patience=deltas[j], **kw))
    sc = scenario(
        issues(*names),
        parties,
        rounds=2,
        first_proposer=None if recognition else "p0",
        deadline=deadline,
        recognition=recognition,
    )
    return NegotiationModel(sc, n=replicates)


def first_offer_shares(model: NegotiationModel, d: float) -> np.ndarray:
    """The first round's package as shares of the surplus, (replicates, 3); the first
    replicate's alone when there is one."""
    model.step()
    u = np.stack([p.shape.utility(model.proposal) for p in model.party_agents], axis=1)
    shares = (u - d) / (1.5 - 3 * d)
    return shares[0] if model.n == 1 else shares


@pytest.mark.parametrize("rounds_left", [1, 2, 3, 5])
def test_three_party_deadline_matches_the_rotation_by_backward_induction(rounds_left):
    deltas = [0.9, 0.8, 0.95]
    shares = first_offer_shares(ring3(deltas, deadline=rounds_left), 0.25)
    expected = analytic.finite_rotation_offer(deltas, rounds_left)
    np.testing.assert_allclose(shares, expected, atol=1e-6)


@settings(deadline=None, max_examples=25)
@given(
    deltas=st.lists(st.floats(0.5, 0.99), min_size=3, max_size=3),
    rounds_left=st.integers(1, 8),
    outside=st.lists(st.one_of(st.none(), st.floats(0.0, 0.3)), min_size=3, max_size=3),
    cost=st.lists(st.sampled_from([0.0, 0.01, 0.04]), min_size=3, max_size=3),
)
def test_three_party_deadline_with_options_and_costs(deltas, rounds_left, outside, cost):
    """Backward induction through the rotation with outside options (at most 0.3 each,
    so the floors always fit in the pie) and costs: the closed form's recursion."""
    model = ring3(deltas, deadline=rounds_left, outside=tuple(outside), cost=tuple(cost))
    shares = first_offer_shares(model, 0.25)
    expected = analytic.finite_rotation_offer(
        deltas, rounds_left, outside=[w or 0.0 for w in outside], cost=cost
    )
    np.testing.assert_allclose(shares, expected, atol=1e-6)


def test_three_party_stationary_offer_with_an_outside_option():
    """p1's option (0.4 of the pie) beats waiting (0.9 x 0.46): it binds, and the others'
    offers follow the rotation's recursion with it."""
    shares = first_offer_shares(ring3([0.9] * 3, outside=(None, 0.4, None), d=0.0), 0.0)
    expected = analytic.finite_rotation_offer([0.9] * 3, 3 * 300, outside=[0.0, 0.4, 0.0])
    np.testing.assert_allclose(shares, expected, atol=1e-6)


# --------------------------------------------------------------------------- the scenario file

PIE_FILE = """\
rounds: 6
issues:
  share: {zero: all to b, one: all to a}
actors:
  a:
    role: party
    ideal: {share: 1}
    salience: {share: 1}
  b:
    role: party
    ideal: {share: 0}
    salience: {share: 1}
    outside_option: 0.2
    bargaining_cost: COST
protocol:
  PROTOCOL
"""


def load_pie(tmp_path, cost="0.01", protocol="{first_proposer: a, deadline: 4}"):
    from sim.loader import load_scenario

    path = tmp_path / "pie.yaml"
    path.write_text(PIE_FILE.replace("COST", cost).replace("PROTOCOL", protocol))
    return load_scenario(str(path))


def test_the_keys_load_and_reach_the_model(tmp_path):
    sc = load_pie(tmp_path)
    assert sc.deadline == 4
    assert sc.parties[1].outside_option == 0.2 and sc.parties[1].bargaining_cost == 0.01
    model = NegotiationModel(sc, n=3)
    assert np.all(model.outside_option[:, 1] == 0.2) and np.all(
        np.isinf(model.outside_option[:, 0])
    )
    res = model.run()
    assert np.all(res.end_round <= 4)


@pytest.mark.parametrize(
    ("cost", "protocol", "message"),
    [
        ("-0.1", "{first_proposer: a}", "actors.b.bargaining_cost"),
        ("0.01", "{first_proposer: a, deadline: 0}", "protocol.deadline"),
    ],
)
def test_bad_values_are_one_line_errors(tmp_path, cost, protocol, message):
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        load_pie(tmp_path, cost, protocol)
    text = str(err.value)
    assert message in text and "pie.yaml:" in text and "\n" not in text


def test_recognition_with_a_binding_outside_option():
    """Baron-Ferejohn, unanimity, equal recognition, delta 0.9: responders get delta / 3
    = 0.3 each. p1's option of 0.4 binds, and the others' floors f solve
    f = delta ((1 - F) / 3 + f) with F = 2 f + 0.4: f = 1.8 / 7."""
    model = ring3(
        [0.9] * 3,
        outside=(None, 0.4, None),
        recognition={"p0": 1 / 3, "p1": 1 / 3, "p2": 1 / 3},
        replicates=30,
    )
    shares = first_offer_shares(model, 0.25)
    proposers = model.protocol.proposers
    f = 1.8 / 7
    for proposer in range(3):
        at = proposers == proposer
        assert at.any()
        floors = np.array([f, 0.4, f])
        floors[proposer] = 1 - (floors.sum() - floors[proposer])
        np.testing.assert_allclose(shares[at], np.broadcast_to(floors, (at.sum(), 3)), atol=1e-6)


def test_recognition_with_an_option_below_waiting_is_unchanged():
    plain = ring3([0.9] * 3, recognition={"p0": 0.5, "p1": 0.25, "p2": 0.25}, replicates=20)
    option = ring3(
        [0.9] * 3,
        outside=(0.1, None, 0.05),
        recognition={"p0": 0.5, "p1": 0.25, "p2": 0.25},
        replicates=20,
    )
    np.testing.assert_allclose(
        first_offer_shares(option, 0.25), first_offer_shares(plain, 0.25), atol=1e-6
    )
