"""The engine is not about one conflict: other actors, other issues, three parties.

A river-basin negotiation among three riparian states over water_share, dam_years and
data_sharing, with and without a mediator. Also the model-level reproducibility checks:
the same seed gives identical arrays, a different seed different ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from model_builders import issues, mediator, party, run, scenario

from sim.distributions import Uniform
from sim.model import NegotiationModel
from sim.outcomes import Outcome
from sim.scenario import Concession, Ratification, RedLine, Walkout, War

ISSUES = ("water_share", "dam_years", "data_sharing")


# three parties without a mediator solve the rotation's fixed point every round (about a
# second a round at a dozen replicates): those cases run with -m slow
MEDIATED_OR_SLOW = [True, pytest.param(False, marks=pytest.mark.slow)]


def size(with_mediator: bool) -> int:
    """Replicates per run: three parties alternating offers iterate best responses on a
    rotation to its fixed point each round, far slower than the mediator's Nash pick."""
    return 400 if with_mediator else 12


def river_basin(*, with_mediator: bool, batna_shift: float = 0.0):
    """Upstream wants a large water share for itself (1) and long dam filling; the two
    downstream states want the opposite, care about different issues, and want data.
    BATNAs (fixed, uncertain) are well below the compromise packages: a ZOPA exists."""
    common = dict(
        concession=Concession("conceder", beta=Uniform(1.0, 3.0), deadline=8.0),
        walkout=Walkout(gap=0.6, hazard=0.02),
        belief_noise_sd=0.05,
        patience=0.97,
    )
    upstream = party(
        "upstream",
        {"water_share": 1.0, "dam_years": 1.0, "data_sharing": 0.0},
        {"water_share": 0.5, "dam_years": 0.4, "data_sharing": 0.1},
        batna=Uniform(0.2, 0.3) if batna_shift == 0 else 0.25 + batna_shift,
        **common,
    )
    midstream = party(
        "midstream",
        {"water_share": 0.2, "dam_years": 0.3, "data_sharing": 1.0},
        {"water_share": 0.3, "dam_years": 0.2, "data_sharing": 0.5},
        loss="quadratic",
        red_lines=(RedLine("water_share", "max", 0.8, penalty=0.5),),
        batna=Uniform(0.3, 0.4) if batna_shift == 0 else 0.35 + batna_shift,
        **common,
    )
    delta = party(
        "delta",
        {"water_share": 0.0, "dam_years": 0.0, "data_sharing": 1.0},
        {"water_share": 0.6, "dam_years": 0.3, "data_sharing": 0.1},
        war=War(cost_per_round=0.01, horizon=5.0),
        ratification=Ratification(
            intercept=1.0, coefficients={"water_share": -1.0}, threshold=0.4, vote_noise_sd=0.5
        ),
        **common,
    )
    med = mediator("basin_commission", ISSUES, budget=2.0) if with_mediator else None
    return scenario(
        issues(*ISSUES, under_war={"water_share": 0.5, "dam_years": 0.5}),
        [upstream, midstream, delta],
        med,
        rounds=15,
        name="river_basin",
        first_proposer=None if with_mediator else "delta",
    )


@pytest.mark.parametrize("with_mediator", [True, False])
def test_three_parties_other_issues_agree_where_a_zopa_exists(with_mediator):
    res = run(river_basin(with_mediator=with_mediator), n=size(with_mediator))
    assert res.issues == ISSUES
    assert res.parties == ("upstream", "midstream", "delta")
    assert res.actors[-1] == ("basin_commission" if with_mediator else "delta")
    shares = np.array(list(res.counts().values())) / len(res)
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)
    agreed = res.outcome == Outcome.AGREEMENT
    assert agreed.mean() > 0.8
    # each agreement is worth at least the BATNA drawn for the two parties that have one
    for i, name in enumerate(("upstream", "midstream")):
        batna = res.params[f"actors.{name}.batna"]
        assert np.all(res.utility[agreed, i] >= batna[agreed] - 1e-12)
    t = res.terms[agreed]
    assert np.all((t >= 0.0) & (t <= 1.0))
    if not with_mediator:
        assert not np.any(res.outcome == Outcome.MEDIATOR_EXIT)


@pytest.mark.parametrize("with_mediator", MEDIATED_OR_SLOW)
def test_three_parties_without_zopa_never_agree(with_mediator):
    """The same basin with BATNAs raised by 0.6 (upstream 0.85, midstream 0.95): no
    package is worth that much to both, so no agreement."""
    n = size(with_mediator)
    res = run(river_basin(with_mediator=with_mediator, batna_shift=0.6), n=n)
    assert res.counts()["settlement"] == 0
    assert sum(res.counts().values()) == n


# ---------------------------------------------------------------------- reproducibility

ARRAYS = (
    "outcome",
    "end_round",
    "terms",
    "utility",
    "front_line",
    "cost",
    "failed_ratifications",
    "pressure_used",
    "walkout_by",
    "compromise",
)


@pytest.mark.parametrize("with_mediator", MEDIATED_OR_SLOW)
def test_same_seed_identical_different_seed_differs(with_mediator):
    sc = river_basin(with_mediator=with_mediator)
    n = size(with_mediator)
    a = NegotiationModel(sc, seed=7, n=n).run()
    b = NegotiationModel(sc, seed=7, n=n).run()
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in a.counters:
        np.testing.assert_array_equal(a.counter(name), b.counter(name), err_msg=name)
    assert a.params.keys() == b.params.keys() and len(a.params) > 0
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key], err_msg=key)
    c = NegotiationModel(sc, seed=8, n=n).run()
    # different draws: every uncertain parameter differs in (nearly) every replicate,
    # and so do the outcomes that depend on them
    for key in a.params:
        assert np.mean(a.params[key] != c.params[key]) > 0.99, key
    assert not np.array_equal(a.end_round, c.end_round)
    assert not np.allclose(a.utility, c.utility, equal_nan=True)


def test_scenario_seed_is_the_default_seed():
    sc = river_basin(with_mediator=True)
    a = NegotiationModel(dataclasses.replace(sc, seed=5), n=200).run()
    b = NegotiationModel(sc, seed=5, n=200).run()
    np.testing.assert_array_equal(a.utility, b.utility)
    c = NegotiationModel(dataclasses.replace(sc, seed=6), n=200).run()
    assert not np.array_equal(a.params["actors.upstream.batna"], c.params["actors.upstream.batna"])
