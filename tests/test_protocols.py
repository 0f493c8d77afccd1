"""Multilateral protocols: the engine's rotation offers against the closed forms of
:mod:`sim.analytic_protocols`, and the closed forms against their definitions.

The engine's packages live in a box, not on a pie; a ring of issues makes a pie of one:
issue k is a transfer between party k (ideal 1) and party k + 1 (ideal 0), each party
caring equally about its two issues, so U_k = 1/2 + (x_k - x_{k-1})/2 and the utilities
always sum to n/2. With disagreement worth 0 the rotation's offers are the pie's shares
times n/2, wherever those can be reached (every utility at most 1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_builders import issues, party, scenario

from sim import analytic
from sim.bargaining.general import rotation_values
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.model import NegotiationModel


def ring_model(n: int, patience: float | list[float], replicates: int = 2) -> NegotiationModel:
    names = [f"i{k}" for k in range(n)]
    deltas = patience if isinstance(patience, list) else [patience] * n
    parties = []
    for j in range(n):
        ideal = {k: 0.5 for k in names}
        sal = {k: 0.0 for k in names}
        ideal[names[j]], sal[names[j]] = 1.0, 0.5
        ideal[names[j - 1]], sal[names[j - 1]] = 0.0, 0.5
        parties.append(party(f"p{j}", ideal, sal, batna=0.0, patience=deltas[j]))
    sc = scenario(issues(*names), parties, rounds=2, first_proposer="p0")
    return NegotiationModel(sc, n=replicates)


@pytest.mark.parametrize(
    ("n", "patience"),
    [(3, 0.9), (3, 0.97), (4, 0.92), (5, 0.9)],
)
def test_rotation_offers_match_the_closed_form(n, patience):
    """Each responder gets the value of its own place in the rotation: the party m places
    behind the proposer delta^m times the proposer's share (not the value of proposing)."""
    model = ring_model(n, patience)
    r = np.arange(model.n)
    delta = np.broadcast_to(np.asarray(patience, dtype=float), (model.n, n)).copy()
    _, values, _ = rotation_values(model.geometry, np.zeros((model.n, n)), delta, r)
    expected = analytic.rotation_offers(delta[0]) * n / 2
    for row in values:
        np.testing.assert_allclose(row, expected, atol=1e-6)


def test_rotation_first_proposer_share_in_the_model():
    """Through the model's own alternating offers: the first offer is the closed form."""
    model = ring_model(3, 0.9, replicates=1)
    model.step()
    shares = analytic.rotation_offers([0.9] * 3)[0]
    u = np.array([p.shape.utility(model.proposal)[0] for p in model.party_agents])
    np.testing.assert_allclose(u, shares * 1.5, atol=1e-6)


@given(n=st.integers(2, 8), delta=st.floats(0.0, 0.99))
@settings(max_examples=50, deadline=None)
def test_rotation_closed_form_common_discount(n, delta):
    x = analytic.rotation_offers([delta] * n)
    s = analytic.rotation_share(n, delta)
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(x[0], s * delta ** np.arange(n), atol=1e-12)
    # the stationarity conditions: each responder indifferent to the next offer
    for i in range(n):
        nxt = x[(i + 1) % n]
        for j in range(n):
            if j != i:
                assert x[i, j] == pytest.approx(delta * nxt[j], abs=1e-12)


@given(d1=st.floats(0.0, 0.99), d2=st.floats(0.0, 0.99))
def test_two_party_rotation_is_rubinstein(d1, d2):
    x = analytic.rotation_offers([d1, d2])
    assert x[0, 0] == pytest.approx(analytic.rubinstein_share(d1, d2), abs=1e-12)


@given(t=st.integers(1, 40), delta=st.floats(0.0, 1.0))
def test_finite_horizon_backward_induction_matches_closed_form(t, delta):
    x = analytic.finite_rotation_offer([delta, delta], t)
    assert x[0] == pytest.approx(analytic.finite_horizon_share(t, delta), abs=1e-12)


def test_finite_horizon_swings_with_rounds_left_and_tends_to_rubinstein():
    d = 0.9
    shares = [analytic.finite_horizon_share(t, d) for t in range(1, 8)]
    limit = analytic.rubinstein_share(d, d)
    above = [s > limit for s in shares]
    assert above == [True, False, True, False, True, False, True]  # odd T: above
    assert analytic.finite_horizon_share(400, d) == pytest.approx(limit, abs=1e-12)


def test_long_finite_rotation_tends_to_the_stationary_offer():
    d = [0.9, 0.8, 0.95]
    x = analytic.finite_rotation_offer(d, 3 * 300)
    np.testing.assert_allclose(x, analytic.rotation_offers(d)[0], atol=1e-9)


@given(d1=st.floats(0.1, 0.95), d2=st.floats(0.1, 0.95), w=st.floats(0.0, 1.0))
def test_outside_option_principle(d1, d2, w):
    """The option binds only when it beats the responder's share: below it the split is
    Rubinstein's; above it the responder gets exactly its option. Long finite games with
    the option converge to the same split."""
    x = analytic.outside_option_share(d1, d2, w)
    rub = analytic.rubinstein_share(d1, d2)
    if w <= 1 - rub:
        assert x == pytest.approx(rub, abs=1e-12)
    else:
        assert x == pytest.approx(1 - w, abs=1e-12)
    # backward induction with party 1's option 0 and party 2's option w, a long horizon
    long = analytic.finite_rotation_offer([d1, d2], 2 * 400, outside=[0.0, w])
    assert long[0] == pytest.approx(x, abs=1e-6)


def test_fixed_costs_favour_the_cheaper_party():
    assert analytic.fixed_cost_share(0.01, 0.02) == 1.0
    assert analytic.fixed_cost_share(0.02, 0.01) == pytest.approx(0.01)
    # a long finite game with costs and no discounting: the same shares
    assert analytic.finite_rotation_offer([1.0, 1.0], 2 * 200, cost=[0.01, 0.02])[0] == (
        pytest.approx(1.0)
    )
    with pytest.raises(ValueError):
        analytic.fixed_cost_share(0.01, 0.01)


@pytest.mark.parametrize(("n", "q", "delta"), [(3, 2, 0.9), (5, 3, 0.8), (7, 7, 0.95)])
def test_baron_ferejohn_symmetric_equilibrium(n, q, delta):
    """The shares add up to the pie, members get their continuation value delta/n, and
    each party's value before recognition is 1/n (the stationarity that defines it)."""
    prop, member, excluded = analytic.baron_ferejohn_shares(n, q, delta)
    assert prop + (q - 1) * member + (n - q) * excluded == pytest.approx(1.0)
    assert member == pytest.approx(delta / n)
    # value before recognition: proposer with prob 1/n, else a member with prob (q-1)/(n-1)
    # (the proposer picks its q - 1 members at random among equals); stationarity: 1/n
    value = prop / n + (n - 1) / n * (q - 1) / (n - 1) * member + (n - q) / n * excluded
    assert value == pytest.approx(1.0 / n, abs=1e-12)
    assert member == pytest.approx(delta * value, abs=1e-12)
    if q == (n + 1) // 2 and n % 2:
        assert prop == pytest.approx(1 - delta * (n - 1) / (2 * n))


def test_holding_out_proposer_treats_every_responder_alike():
    """A proposer whose aspiration (0.9) is above its subgame-perfect value (0.55) holds
    out; in
    the symmetric ring it gives both responders the same utility, (1.5 - 0.9) / 2 each,
    not everything to the party listed after it."""
    model = ring_model(3, 0.9, replicates=1)
    model.party_agents[0].aspiration[:] = 0.9
    model.round = 1  # the first proposer's turn
    rows = np.arange(1)
    batna = np.zeros((1, 3))
    x = model.bilateral.propose(rows, batna).x
    u = np.array([p.shape.utility(x)[0] for p in model.party_agents])
    assert 0.9 - 1e-12 <= u[0] < 0.9 + 1e-3  # never below its aspiration
    assert u[1] == pytest.approx(0.3, abs=1e-3)
    assert u[2] == pytest.approx(0.3, abs=1e-3)


# ------------------------------------------------------------------- the decision rule

THREE = Path(__file__).parent / "data" / "valid" / "three_party.yaml"


def test_quota_and_needed_parties_from_the_file():
    sc = load_scenario(THREE, overrides=["protocol.quota=2", "protocol.needed=[b]"])
    assert sc.quota == 2 and sc.needed == ("b",)
    model = NegotiationModel(sc, n=1)
    accept = np.array(
        [
            [True, True, False],  # a quota of two with b: agreed
            [True, False, True],  # two, but b missing: not agreed
            [False, True, False],  # b alone: short of the quota
            [True, True, True],
        ]
    )
    assert model.decided(accept).tolist() == [True, False, False, True]
    unanimous = NegotiationModel(load_scenario(THREE), n=1)
    assert unanimous.decided(accept).tolist() == [False, False, False, True]


def test_quota_above_the_number_of_parties_is_bad_input():
    with pytest.raises(ScenarioError, match=r"protocol\.quota: must be <= the number of parties"):
        load_scenario(THREE, overrides=["protocol.quota=4"])


# ------------------------------------------------- Baron-Ferejohn: random recognition


def recognised_ring(
    n: int,
    patience: float,
    recognition: dict[str, float],
    quota: int | None = None,
    replicates: int = 6,
    seed: int = 0,
) -> NegotiationModel:
    """The ring of :func:`ring_model`, its proposer recognised at random each round."""
    base = ring_model(n, patience).negotiation
    sc = dataclasses.replace(base, first_proposer=None, recognition=recognition, quota=quota)
    return NegotiationModel(sc, n=replicates, seed=seed)


@pytest.mark.parametrize(
    "probabilities", [(0.5, 0.3, 0.2), (1 / 3, 1 / 3, 1 / 3), (0.4, 0.35, 0.25)]
)
def test_recognised_proposer_offers_the_closed_form(probabilities):
    """Unanimity with unequal recognition: each replicate's proposer i keeps
    1 - delta (1 - p_i) of the pie and offers each responder delta p_j (its value before
    recognition is p_j), whoever is recognised."""
    names = [f"p{j}" for j in range(3)]
    model = recognised_ring(3, 0.9, dict(zip(names, probabilities, strict=True)))
    model.step()
    proposers = model.protocol.proposers
    expected = analytic.baron_ferejohn_unanimity_offers(probabilities, 0.9) * 1.5
    u = np.stack([p.shape.utility(model.proposal) for p in model.party_agents], axis=1)
    for r, i in enumerate(proposers):
        np.testing.assert_allclose(u[r], expected[i], atol=1e-6)


def test_two_parties_recognised_at_random_split_one_issue():
    """One divisible issue between two parties, recognised 0.7 / 0.3: the proposer keeps
    1 - delta * (the other's probability)."""
    north = party("north", {"share": 1.0}, {"share": 1.0}, batna=0.0, patience=0.8)
    south = party("south", {"share": 0.0}, {"share": 1.0}, batna=0.0, patience=0.8)
    sc = scenario(
        issues("share"), [north, south], rounds=2, recognition={"north": 0.7, "south": 0.3}
    )
    model = NegotiationModel(sc, n=8)
    model.step()
    expected = analytic.baron_ferejohn_unanimity_offers([0.7, 0.3], 0.8)
    u = np.stack([p.shape.utility(model.proposal) for p in model.party_agents], axis=1)
    for r, i in enumerate(model.protocol.proposers):
        np.testing.assert_allclose(u[r], expected[i], atol=1e-6)


def test_a_quota_of_one_lets_the_proposer_take_everything():
    """Closed rule with q = 1: nobody else's vote is needed, so the proposer keeps the
    whole pie (Baron-Ferejohn's 1 - delta (q - 1)/n with q = 1)."""
    north = party("north", {"share": 1.0}, {"share": 1.0}, batna=0.0, patience=0.8)
    south = party("south", {"share": 0.0}, {"share": 1.0}, batna=0.0, patience=0.8)
    sc = scenario(
        issues("share"),
        [north, south],
        rounds=2,
        recognition={"north": 0.5, "south": 0.5},
        quota=1,
    )
    model = NegotiationModel(sc, n=8)
    model.step()
    share = analytic.baron_ferejohn_shares(2, 1, 0.8)[0]
    u = np.stack([p.shape.utility(model.proposal) for p in model.party_agents], axis=1)
    mine = u[np.arange(8), model.protocol.proposers]
    np.testing.assert_allclose(mine, share, atol=1e-6)


def test_recognition_frequencies_and_their_independence_from_order_and_chunks():
    """The proposer is drawn with the given probabilities (binomial, 4 standard errors),
    from each replicate's own stream: the same party proposes in replicate r whether it
    runs alone or in an ensemble, and whatever order the parties are listed in."""
    from sim.mediation.legislative import LegislativeBargaining

    prob = {"p0": 0.5, "p1": 0.3, "p2": 0.2}
    model = recognised_ring(3, 0.9, prob, replicates=4000)
    model.round = 1
    rule = model.protocol
    assert isinstance(rule, LegislativeBargaining)
    drawn = rule.recognise()
    for j, p in enumerate(prob.values()):
        assert abs(np.mean(drawn == j) - p) <= 4 * np.sqrt(p * (1 - p) / 4000)
    alone = recognised_ring(3, 0.9, prob, replicates=1).negotiation
    one = NegotiationModel(alone, replicates=np.array([17]))
    one.round = 1
    assert one.protocol.recognise()[0] == drawn[17]
    sc = model.negotiation
    flipped = dataclasses.replace(sc, parties=tuple(reversed(sc.parties)))
    other = NegotiationModel(flipped, n=4000)
    other.round = 1
    names = np.array(sc.party_names)
    np.testing.assert_array_equal(
        np.array(flipped.party_names)[other.protocol.recognise()], names[drawn]
    )


def test_recognition_must_cover_every_party_and_sum_to_one():
    for override, message in [
        ("protocol.recognition={a: 0.5, b: 0.5}", "give every party a probability"),
        ("protocol.recognition={a: 0.5, b: 0.3, c: 0.1}", "the probabilities must sum to 1"),
    ]:
        with pytest.raises(ScenarioError, match=rf"protocol\.recognition: {message}"):
            load_scenario(THREE, overrides=[override])
    sc = load_scenario(THREE, overrides=["protocol.recognition={a: 0.2, b: 0.3, c: 0.5}"])
    assert sc.recognition == {"a": 0.2, "b": 0.3, "c": 0.5}
