"""The mediator's patience and the strikes' channels: mechanism tests on common random
numbers (same seed, same replicates), tolerances from standard errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.events.strike import StrikeEvent
from sim.loader import load_scenario
from sim.mediation.interest import InterestChooser
from sim.model import NegotiationModel
from sim.outcomes import Outcome, read_replicates_csv

BASE = "scenarios/baseline.yaml"
US = "actors.united_states"
RU_STRIKE = "events.energy_strikes"


def model(overrides=(), n=4000, path=BASE, seed=11):
    return NegotiationModel(load_scenario(path, list(overrides)), n=n, seed=seed)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the paired difference a - b."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


# ---- the mediator's interests --------------------------------------------------------------


def test_zero_interest_weight_reproduces_the_nash_proposal_exactly():
    """omega = 0 skips the mediator's own utility: proposals are the Nash packages."""
    a = model([f"{US}.proposal.interest_weight=0"], n=500)
    b = model([f"{US}.proposal.interest_weight=0", f"{US}.ideal.security_guarantees=0.9"], n=500)
    for _ in range(3):
        a.step()
        b.step()
        np.testing.assert_array_equal(a.proposal, b.proposal)


def test_interest_choice_beats_the_nash_package_and_every_frontier_point():
    """The chosen package maximises (1-w) sum w_i log(U_i - d_i) + w U_m over a dense
    sample of the frontier polyline (up to the chord approximation of U_m)."""
    m = model([f"{US}.proposal.interest_weight=0.3"], n=300)
    m.step()
    g, med = m.geometry, m.mediator
    rows = np.arange(m.n)
    d = np.stack([p.batna for p in m.party_agents], axis=1) + m.belief_error[:, -1, :].T
    w = med.weights(m.round)
    omega = med.interest_weight
    chooser = InterestChooser(g, med.shape)
    nash = np.full((m.n, m.k), 0.5)
    x = chooser.choose(rows, nash, np.ones(m.n, dtype=np.int8), d, w, omega, None)

    def value(pts: np.ndarray) -> np.ndarray:  # pts (N, M, K)
        u = g.utilities(pts)
        s = u - d[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = (1 - omega[:, None]) * np.sum(w[:, None, :] * np.log(np.where(s > 0, s, 1)), 2)
        v = v + omega[:, None] * med.shape.utility(pts)
        return np.where(np.all(s > 0, axis=2), v, -np.inf)

    t = np.linspace(0, 1, 41)
    v = g.vertices
    dense = v[:, :-1, None, :] + t[None, None, :, None] * (v[:, 1:] - v[:, :-1])[:, :, None, :]
    dense = dense.reshape(m.n, -1, m.k)
    best_dense = value(dense).max(axis=1)
    got = value(x[:, None, :])[:, 0]
    ok = np.isfinite(best_dense)
    # the chord approximation of the mediator's utility inside an edge costs a little
    # (its utility is concave along an edge; the chord is exact at the vertices)
    assert ok.sum() > 100
    assert np.all(got[ok] >= best_dense[ok] - 0.005)
    assert np.mean(best_dense[ok] - got[ok]) < 0.001


def test_the_mediators_ideal_moves_its_proposals_when_its_interests_count():
    """security_guarantees variant: the US ideal on guarantees (0.8 vs 0.45) now moves
    the proposed guarantees up; with omega = 0 it has exactly no effect."""
    k = load_scenario(BASE).issue_names.index("security_guarantees")
    hi = model([f"{US}.ideal.security_guarantees=0.8"], n=2000)
    lo = model([f"{US}.ideal.security_guarantees=0.45"], n=2000)
    hi.step()
    lo.step()
    made = np.isfinite(hi.proposal[:, k]) & np.isfinite(lo.proposal[:, k])
    diff, se = paired(hi.proposal[made, k], lo.proposal[made, k])
    assert diff > 3 * se and diff > 0


# ---- exit follows frustration -------------------------------------------------------------


def _exit_model(tolerance: float, extra=()) -> NegotiationModel:
    return model(
        [
            f"{US}.deadline.exit_hazard=1",
            f"{US}.frustration.rounds_to_press=2",
            f"{US}.frustration.progress_tolerance={tolerance}",
            f"{US}.pressure.budget=0",
            f"{US}.after_exit=end",
            *extra,
        ],
        n=3000,
    )


def test_exit_follows_frustration_not_the_round_number():
    """The same replicates leave earlier when less counts as progress (the blocking party
    is seen to stall): exit answers the blocking behaviour, not the clock."""
    strict = _exit_model(1.0).run()
    lenient = _exit_model(0.0).run()
    a, b = strict.mediator_exit_round, lenient.mediator_exit_round
    both = np.isfinite(a) & np.isfinite(b)
    assert both.sum() > 100
    diff, se = paired(a[both], b[both])
    assert diff < -3 * se
    assert np.isfinite(a).mean() >= np.isfinite(b).mean()


def test_no_exit_before_pressure_has_failed():
    """With more rounds to press than the window, frustration never ripens: no exit."""
    r = _exit_model(1.0, [f"{US}.frustration.rounds_to_press=40"]).run()
    assert not np.isfinite(r.mediator_exit_round).any()
    assert not np.any(r.outcome == Outcome.MEDIATOR_EXIT)


def test_exit_is_not_concentrated_at_the_deadline():
    """A deadline is an ultimatum: exits in the deadline round are no more frequent than
    in the rounds around it (within sampling error)."""
    m = model([f"{US}.deadline.round=10", f"{US}.after_exit=end"], n=20000)
    r = m.run()
    exits = r.mediator_exit_round[np.isfinite(r.mediator_exit_round)]
    at = np.sum(exits == 10)
    around = np.mean([np.sum(exits == t) for t in (8, 9, 11, 12)])
    assert at <= around + 3 * np.sqrt(max(around, 1.0)) + 3


def test_after_exit_bilateral_continues_the_talks():
    """bilateral: after the mediator leaves the parties go on (no mediator_exit outcome,
    talks end later than the exit); end: the talks end in the exit round."""
    common = [f"{US}.deadline.exit_hazard=1", f"{US}.frustration.rounds_to_press=1"]
    end = model([*common, f"{US}.after_exit=end"], n=1000).run()
    bil = model([*common, f"{US}.after_exit=bilateral"], n=1000).run()
    left = np.isfinite(bil.mediator_exit_round)
    assert left.sum() > 50
    np.testing.assert_array_equal(left, np.isfinite(end.mediator_exit_round))
    assert np.all(end.outcome[left] == Outcome.MEDIATOR_EXIT)
    assert np.all(end.end_round[left] == end.mediator_exit_round[left])
    assert not np.any(bil.outcome == Outcome.MEDIATOR_EXIT)
    assert np.any(bil.end_round[left] > bil.mediator_exit_round[left])


def test_exit_round_is_a_column_of_replicates_csv(tmp_path):
    r = model([f"{US}.deadline.exit_hazard=1", f"{US}.frustration.rounds_to_press=1"], n=200).run()
    path = tmp_path / "replicates.csv"
    path.write_text(r.to_csv_text())
    header = path.read_text().splitlines()[0].split(",")
    for col in ("mediator_exit_round", "strikes.energy_strikes", "strikes_by.ukraine"):
        assert col in header
    back = read_replicates_csv(
        path,
        scenario=r.scenario,
        issues=r.issues,
        parties=r.parties,
        actors=r.actors,
        rounds=r.rounds,
        round_days=r.round_days,
    )
    np.testing.assert_array_equal(back.mediator_exit_round, r.mediator_exit_round)
    np.testing.assert_array_equal(
        back.event_counters["strikes.refinery_strikes"],
        r.event_counters["strikes.refinery_strikes"],
    )


# ---- strikes through every channel ----------------------------------------------------------

CHANNEL_ATTRIBUTE = {
    "coercion_cost": "extra_cost",
    "coercion_pace": "concession_pace",
    "backlash_aspiration": "backlash",
    "backlash_approval": "approval_shift",
    "walkout": "walkout_bump",
}
SIZES = [
    f"{RU_STRIKE}.coercion_pace=0.03",
    f"{RU_STRIKE}.backlash.approval_shift=0.3",
    f"{RU_STRIKE}.postpone_prob=0.5",
    f"{RU_STRIKE}.backlash.aspiration_bump=0.05",
    f"{RU_STRIKE}.coercion_cost=0.003",
    f"{RU_STRIKE}.backlash.walkout_hazard_bump=0.03",
]


def _after_strikes(extra=()):
    m = model([*SIZES, *extra], n=400)
    for _ in range(3):
        m.step()
    ukraine = m.party_agents[m.negotiation.party_names.index("ukraine")]
    strike = next(e for e in m.events if isinstance(e, StrikeEvent) and e.name == "energy_strikes")
    return m, ukraine, strike


@pytest.mark.parametrize("channel", [*CHANNEL_ATTRIBUTE, "postponement"])
def test_each_channel_switch_turns_exactly_its_channel_off(channel):
    on_model, on, on_strike = _after_strikes()
    off_model, off, off_strike = _after_strikes([f"{RU_STRIKE}.channels.{channel}=false"])
    neutral = {"extra_cost": 0.0, "concession_pace": 1.0, "backlash": 0.0}
    neutral |= {"approval_shift": 0.0, "walkout_bump": 0.0}
    # the strikes themselves are the same draws in the first round (before any channel acts)
    for name, attr in CHANNEL_ATTRIBUTE.items():
        if name == channel:
            continue
        assert np.any(getattr(on, attr) != neutral[attr]), name
    if channel == "postponement":
        assert on_strike.postpone.max() > 0 and off_strike.postpone.max() == 0
        return
    attr = CHANNEL_ATTRIBUTE[channel]
    assert np.all(getattr(off, attr) == neutral[attr])
    assert np.any(getattr(on, attr) != neutral[attr])
    # exactly this one: every other channel's size is as drawn
    for name in ("coercion", "pace", "bump", "approval", "postpone", "hazard_bump"):
        if (name, channel) in {
            ("coercion", "coercion_cost"),
            ("pace", "coercion_pace"),
            ("bump", "backlash_aspiration"),
            ("approval", "backlash_approval"),
            ("hazard_bump", "walkout"),
        }:
            assert np.all(getattr(off_strike, name) == 0)
        else:
            np.testing.assert_array_equal(getattr(off_strike, name), getattr(on_strike, name))


def test_strike_backlash_on_opinion_lowers_the_chance_of_ratifying():
    """Same replicates, same packages put to the vote: the approval channel lowers the
    logit of approval by exactly the shift while the backlash lasts, and so the share of
    votes that pass."""
    m, ukraine, strike = _after_strikes()
    x = np.tile(np.array([0.3, 0.2, 0.6, 0.3]), (m.n, 1))
    hardened = strike.backlash_until >= m.round
    assert hardened.sum() > 50
    shifted = ukraine.approval_logit(x)
    ukraine.approval_shift = np.zeros(m.n)
    plain = ukraine.approval_logit(x)
    np.testing.assert_allclose((plain - shifted)[hardened], strike.approval[hardened])
    p_shifted = 1 / (1 + np.exp(-(shifted - ukraine.rat_logit_threshold)))
    p_plain = 1 / (1 + np.exp(-(plain - ukraine.rat_logit_threshold)))
    diff, se = paired(p_shifted[hardened], p_plain[hardened])
    assert diff < 0 and diff < -3 * se


def test_coercion_on_pace_speeds_concession():
    """Same replicates: with the pace channel on, Ukraine's aspiration after ten rounds is
    lower than with it off."""
    a = model([f"{RU_STRIKE}.coercion_pace=0.1", f"{US}.after_exit=end"], n=3000)
    b = model(
        [f"{RU_STRIKE}.coercion_pace=0.1", f"{RU_STRIKE}.channels.coercion_pace=false"], n=3000
    )
    for _ in range(10):
        a.step()
        b.step()
    i = a.negotiation.party_names.index("ukraine")
    live = a.active & b.active
    diff, se = paired(a.party_agents[i].aspiration[live], b.party_agents[i].aspiration[live])
    assert diff < -3 * se


def test_either_party_strikes_the_other():
    """The baseline's Ukrainian strikes on Russian refineries cost Russia, counted per
    event and per striker."""
    m = model(n=500)
    for _ in range(3):
        m.step()
    russia = m.party_agents[m.negotiation.party_names.index("russia")]
    assert np.any(russia.extra_cost > 0)
    r = m.run()
    assert r.event_counters["strikes_by.ukraine"].sum() > 0
    assert r.event_counters["strikes_by.russia"].sum() > 0
    np.testing.assert_array_equal(
        r.counters["strikes"],
        r.event_counters["strikes.energy_strikes"] + r.event_counters["strikes.refinery_strikes"],
    )


TRUCE = "agreements.kinds.energy_truce"
# the energy truce holds (no collapse) and stops what it covers outright
HELD = [f"{TRUCE}.collapse.hazard=0"]


def strikes_under_the_truce(m: NegotiationModel, rounds: int = 12) -> tuple[dict[str, int], int]:
    """Strikes per event in the replicate-rounds that began with the energy truce in force
    (it is an agreement kind, in force at the start; a wider agreement may replace it
    later), and the number of those replicate-rounds."""
    truce = next(k.index for k in m.agreements.kinds if k.spec.name == "energy_truce")
    strikes = [e for e in m.events if isinstance(e, StrikeEvent)]
    struck = {e.name: 0 for e in strikes}
    under = 0
    for _ in range(rounds):
        held = m.active & (m.agreements.in_force == truce)
        under += int(held.sum())
        m.step()
        for e in strikes:
            struck[e.name] += int((e.struck & held).sum())
    assert under > 1000
    return struck, under


def test_a_truce_covering_both_sides_strikes_stops_both():
    path = "scenarios/energy_truce.yaml"
    both = [*HELD, f"{TRUCE}.stops.energy_strikes=0", f"{TRUCE}.stops.refinery_strikes=0"]
    struck, _ = strikes_under_the_truce(model(both, n=300, path=path))
    assert struck == {"energy_strikes": 0, "refinery_strikes": 0}


def test_a_truce_stops_only_the_strikes_it_covers(tmp_path):
    """The same truce without Ukraine's refinery strikes in its terms: Russia's grid strikes
    stop, Ukraine's go on under it at their own rate (a beta(5, 5) chance per round, mean
    one half; covered, it would be 5-15%)."""
    # extends stays inside its folder; the quotes are checked against seeds/
    shutil.copytree("seeds", tmp_path / "seeds")
    for name in ("baseline.yaml", "energy_truce.yaml"):
        shutil.copyfile(Path("scenarios") / name, tmp_path / name)
    variant = tmp_path / "energy_truce_grid_only.yaml"
    variant.write_text(
        "extends: energy_truce.yaml\n"
        "agreements:\n  kinds:\n    energy_truce:\n      stops:\n"
        "        energy_strikes: 0\n        refinery_strikes: null\n"
    )
    struck, under = strikes_under_the_truce(model(HELD, n=300, path=str(variant)))
    assert struck["energy_strikes"] == 0
    assert struck["refinery_strikes"] > 0.3 * under
