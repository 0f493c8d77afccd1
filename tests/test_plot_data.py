"""Data preparation of the figures, checked against numbers computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim import plot_data as pd
from sim.outcomes import EnsembleResult, Outcome
from sim.stats import wilson_interval

A, B, M, S, C = (int(o) for o in Outcome)
NAN = np.nan


def make_result(**overrides) -> EnsembleResult:
    """Ten hand-made replicates: 5 agreements, 2 breakdowns, 1 mediator exit, 2 stalemates.

    Issues territory and security; parties a and b; mediator m; 5 rounds of 14 days.
    """
    outcome = np.array([A, A, A, A, B, B, M, S, S, A], dtype=np.int8)
    terms = np.full((10, 2), NAN)
    terms[outcome == A, 0] = [0.10, 0.12, 0.50, 0.56, 0.97]
    terms[outcome == A, 1] = [0.30, 0.30, 0.30, 0.30, 0.30]
    fields = dict(
        scenario="toy",
        issues=("territory", "security"),
        parties=("a", "b"),
        actors=("a", "b", "m"),
        rounds=5,
        round_days=14.0,
        replicate=np.arange(10, dtype=np.int64),
        outcome=outcome,
        # the second stalemate says round 4: a stalemate still ends at the last round
        end_round=np.array([1, 2, 2, 5, 3, 4, 5, 5, 4, 3], dtype=np.int16),
        terms=terms,
        utility=np.zeros((10, 3)),
        front_line=np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.9, 0.5]),
        cost=np.column_stack([np.arange(10.0), 10 * np.arange(10.0)]),
        counters={
            "strikes": np.array([0, 0, 1, 1, 0, 2, 3, 0, 1, 5], dtype=np.int64),
            "violations": np.zeros(10, dtype=np.int64),
        },
        failed_ratifications=np.zeros(10, dtype=np.int64),
        pressure_used=np.zeros(10, dtype=np.int64),
        walkout_by=np.array([-1, -1, -1, -1, 0, 1, -1, -1, -1, -1], dtype=np.int8),
        compromise=np.column_stack([np.full(10, 0.45), np.full(10, 0.5)]),
        params={"actors.a.ideal.territory": np.array([0.0] * 5 + [0.2] * 5)},
    )
    if "strikes" in overrides:
        fields["counters"] = {**fields["counters"], "strikes": overrides.pop("strikes")}
    fields.update(overrides)
    return EnsembleResult(**fields)


IDEALS = {"a": {"territory": 0.9, "security": 0.3}, "b": {"territory": 0.8, "security": 0.7}}


def test_outcome_probabilities_match_counts_and_wilson():
    data = pd.prepare_outcomes(make_result())
    assert data.scenario == "toy" and data.n == 10
    assert data.classes == ("settlement", "breakdown", "mediator_exit", "stalemate", "ceasefire")
    np.testing.assert_array_equal(data.counts, [5, 2, 1, 2, 0])
    np.testing.assert_allclose(data.p, [0.5, 0.2, 0.1, 0.2, 0])
    low, high = wilson_interval(np.array([5, 2, 1, 2, 0]), np.array([10] * 5))
    np.testing.assert_allclose(data.low, low)
    np.testing.assert_allclose(data.high, high)
    # Wilson 95% for 5 of 10, by hand: 0.5 -+ 1.96 sqrt(0.025 + 1.96^2/400) / (1 + 1.96^2/10)
    assert data.low[0] == pytest.approx(0.2366, abs=1e-3)
    assert data.high[0] == pytest.approx(0.7634, abs=1e-3)


def test_outcome_probabilities_of_no_replicates_are_nan():
    empty = make_result().take(np.zeros(10, dtype=bool))
    data = pd.prepare_outcomes(empty)
    assert data.n == 0
    assert np.isnan(data.p).all() and np.isnan(data.low).all()


def test_terms_histogram_ideals_and_compromise():
    data = pd.prepare_terms(make_result(), IDEALS)
    assert data.n_agreements == 5
    assert [t.issue for t in data.issues] == ["territory", "security"]
    territory, security = data.issues
    np.testing.assert_allclose(territory.values, [0.10, 0.12, 0.50, 0.56, 0.97])
    np.testing.assert_allclose(territory.bin_edges, np.linspace(0, 1, 21))
    expected = np.zeros(20)
    expected[[2, 10, 11, 19]] = [0.4, 0.2, 0.2, 0.2]
    np.testing.assert_allclose(territory.shares, expected)
    # a's territory ideal was drawn (mean 0.1) and wins over the fixed 0.9
    assert dict(territory.ideals) == pytest.approx({"a": 0.1, "b": 0.8})
    assert dict(security.ideals) == pytest.approx({"a": 0.3, "b": 0.7})
    assert territory.compromise == pytest.approx(0.45)
    assert security.compromise == pytest.approx(0.5)
    assert security.shares.sum() == pytest.approx(1.0)


def test_terms_without_agreement_or_ideals():
    r = make_result()
    data = pd.prepare_terms(r.take(r.outcome != A))
    assert data.n_agreements == 0
    assert data.issues[0].values.size == 0
    np.testing.assert_array_equal(data.issues[0].shares, np.zeros(20))
    # only the drawn ideal is known: its mean over the kept replicates 4..8 (0, .2, .2, .2, .2)
    assert dict(data.issues[0].ideals) == pytest.approx({"a": 0.16})
    assert dict(data.issues[1].ideals) == {}


def test_cumulative_incidence_by_round():
    data = pd.prepare_time_to_end(make_result())
    np.testing.assert_array_equal(data.rounds, [0, 1, 2, 3, 4, 5])
    assert data.round_days == 14.0
    np.testing.assert_allclose(
        data.cif,
        [
            [0, 0.1, 0.3, 0.4, 0.4, 0.5],  # agreements in rounds 1, 2, 2, 3, 5
            [0, 0, 0, 0.1, 0.2, 0.2],  # breakdowns in rounds 3, 4
            [0, 0, 0, 0, 0, 0.1],  # mediator exit in round 5
            [0, 0, 0, 0, 0, 0.2],  # stalemates end at the last round
            [0, 0, 0, 0, 0, 0],  # no ceasefire
        ],
    )
    assert data.cif[:, -1].sum() == pytest.approx(1.0)


def test_end_state_quantiles_by_class():
    data = pd.prepare_end_state(make_result())
    np.testing.assert_array_equal(data.counts, [5, 2, 1, 2, 0])
    # agreements' front lines 0.1 .. 0.5: linear quantiles by hand
    np.testing.assert_allclose(data.front_line[0], [0.12, 0.2, 0.3, 0.4, 0.48])
    np.testing.assert_allclose(data.front_line[2], [0.8] * 5)  # one mediator exit
    assert data.parties == ("a", "b")
    assert data.cost.shape == (2, 5, 5)
    # breakdowns are replicates 4 and 5: costs a = 4, 5 and b = 40, 50
    np.testing.assert_allclose(data.cost[0, 1], [4.05, 4.25, 4.5, 4.75, 4.95])
    np.testing.assert_allclose(data.cost[1, 1], [40.5, 42.5, 45, 47.5, 49.5])


def test_end_state_class_without_replicates_is_nan():
    r = make_result()
    data = pd.prepare_end_state(r.take(r.outcome != M))
    assert data.counts[2] == 0
    assert np.isnan(data.front_line[2]).all() and np.isnan(data.cost[:, 2]).all()


def test_agreement_by_strikes_pools_the_sparse_tail():
    data = pd.prepare_strikes(make_result(), min_count=3)
    # strikes 0: 4 runs (2 agreements); 1: 3 runs (2); 2 and more: 3 runs (1)
    assert data.labels == ("0", "1", "2+")
    np.testing.assert_array_equal(data.lower, [0, 1, 2])
    np.testing.assert_array_equal(data.upper, [0, 1, 5])
    np.testing.assert_array_equal(data.n_bin, [4, 3, 3])
    np.testing.assert_array_equal(data.agreements, [2, 2, 1])
    np.testing.assert_allclose(data.p, [0.5, 2 / 3, 1 / 3])
    low, high = wilson_interval(np.array([2, 2, 1]), np.array([4, 3, 3]))
    np.testing.assert_allclose(data.low, low)
    np.testing.assert_allclose(data.high, high)
    assert data.n_bin.sum() == data.n == 10


def test_agreement_by_strikes_bins():
    data = pd.prepare_strikes(make_result(), min_count=1)
    # counts 0..5 with 4 absent: the empty 4 and the single 5 make the last bin
    assert data.labels == ("0", "1", "2", "3", "4+")
    np.testing.assert_array_equal(data.n_bin, [4, 3, 1, 1, 1])
    r = make_result(strikes=np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0]))
    data = pd.prepare_strikes(r, min_count=4)
    assert data.labels == ("0", "1")
    np.testing.assert_array_equal(data.n_bin, [5, 5])
    # a sparse head is merged forwards, and wide ranges are cut into at most max_bins
    r = make_result(strikes=np.array([3, 4, 5, 5, 5, 6, 6, 6, 9, 12]))
    data = pd.prepare_strikes(r, min_count=3)
    # 3, 4, 5 reach 3 runs together; 6 has 3; 9 and 12 (2 runs) join it as "6+"
    assert data.labels == ("3–5", "6+")
    np.testing.assert_array_equal(data.n_bin, [5, 5])
    np.testing.assert_array_equal(data.upper, [5, 12])
    data = pd.prepare_strikes(r, min_count=1, max_bins=4)  # 3..12: width 3
    assert data.labels == ("3–5", "6–8", "9–11", "12")
    np.testing.assert_array_equal(data.n_bin, [5, 3, 1, 1])
    assert pd.prepare_strikes(r.take(np.zeros(10, dtype=bool))).labels == ()


def test_compare_table():
    table = pd.prepare_compare_from_counts(
        ["base", "truce"], [{"settlement": 3, "breakdown": 1}, {"stalemate": 4}]
    )
    assert table.scenarios == ("base", "truce")
    np.testing.assert_array_equal(table.n, [4, 4])
    np.testing.assert_allclose(table.p, [[0.75, 0.25, 0, 0, 0], [0, 0, 0, 1, 0]])
    low, high = wilson_interval(table.counts, np.full((2, 5), 4))
    np.testing.assert_allclose(table.low, low)
    np.testing.assert_allclose(table.high, high)
    from_results = pd.prepare_compare({"x": make_result(), "y": make_result()})
    assert from_results.scenarios == ("x", "y")
    np.testing.assert_array_equal(from_results.counts, [[5, 2, 1, 2, 0]] * 2)
    with pytest.raises(ValueError, match="unknown outcome class"):
        pd.prepare_compare_from_counts(["a"], [{"deal": 1}])


def test_sweep_curve_and_grid():
    curve = pd.prepare_sweep("actors.a.patience", [0.5, 0.9], [make_result(), make_result()])
    assert curve.param == "actors.a.patience" and curve.scenario == "toy"
    np.testing.assert_allclose(curve.values, [0.5, 0.9])
    np.testing.assert_allclose(curve.p, [[0.5, 0.2, 0.1, 0.2, 0]] * 2)
    r = make_result()
    grid = pd.prepare_sweep_grid(
        ("x.p", "y.q"),
        [1, 2, 3],
        [10, 20],
        [[r, r, r.take(r.outcome == A)], [r, r, r]],
        "settlement",
    )
    assert grid.p.shape == (2, 3)
    np.testing.assert_allclose(grid.p, [[0.5, 0.5, 1.0], [0.5, 0.5, 0.5]])
    np.testing.assert_array_equal(grid.n, [[10, 10, 5], [10, 10, 10]])
    assert grid.low[0, 2] < 1.0 == grid.high[0, 2]
    with pytest.raises(ValueError, match="grid"):
        pd.prepare_sweep_grid(("x", "y"), [1, 2], [1], [[r]])


def test_sensitivity_orders_largest_first():
    sobol = {
        "S1": [0.05, 0.4, 0.2],
        "S1_conf": [0.01, 0.02, 0.03],
        "ST": [0.1, 0.5, 0.3],
        "ST_conf": [0.04, 0.05, 0.06],
    }
    data = pd.prepare_sensitivity(
        sobol, ["a", "b", "c"], method="sobol", outcome="settlement", scenario="toy", n=1024
    )
    assert data.names == ("b", "c", "a")
    assert list(data.indices) == ["ST", "S1"]
    np.testing.assert_allclose(data.indices["ST"], [0.5, 0.3, 0.1])
    np.testing.assert_allclose(data.indices["S1"], [0.4, 0.2, 0.05])
    np.testing.assert_allclose(data.conf["S1"], [0.02, 0.03, 0.01])
    morris = {
        "mu_star": [0.2, np.nan, 0.3],
        "mu_star_conf": [0.1, 0.1, 0.2],
        "sigma": [0.05, 0.0, 0.1],
    }
    data = pd.prepare_sensitivity(
        morris, ["a", "b", "c"], method="morris", outcome="breakdown", scenario="toy", n=40
    )
    assert data.names == ("c", "a", "b")  # NaN last
    assert data.conf["sigma"] is None
    np.testing.assert_allclose(data.conf["mu_star"], [0.2, 0.1, 0.1])
    with pytest.raises(ValueError, match="no 'ST'"):
        pd.prepare_sensitivity(
            {"S1": [1.0]}, ["a"], method="sobol", outcome="settlement", scenario="toy", n=1
        )


def test_prim_trajectory_checks_its_input():
    data = pd.prepare_prim(
        [1.0, 0.8, 0.5],
        [0.3, 0.5, 0.9],
        1,
        outcome="settlement",
        scenario="toy",
        n=100,
        mass=[1.0, 0.5, 0.2],
    )
    assert data.chosen == 1
    np.testing.assert_allclose(data.density, [0.3, 0.5, 0.9])
    with pytest.raises(ValueError, match="chosen box 3"):
        pd.prepare_prim([1.0], [0.3], 3, outcome="settlement", scenario="toy", n=1)
    with pytest.raises(ValueError, match="unknown outcome class"):
        pd.prepare_prim([1.0], [0.3], 0, outcome="deal", scenario="toy", n=1)
