"""Global sensitivity analysis: known answers on test functions, and a tiny scenario in
which only one parameter matters.

The test functions are stochastic like the model: a "replicate" r at design point x ends
in the outcome when its own shock U_r (a uniform keyed by the replicate index, as the
model's shocks are) falls below g(x). So P(outcome | x) = g(x), and

* g = x1 on the unit cube: S1 = ST = 1 for x1 and 0 for the others; the shocks' share of
  the single-replicate variance is E[g(1-g)] / (p(1-p)) = (1/6) / (1/4) = 2/3; a Morris
  step of 1/2 in x1 changes g by 1/2.
* g = x1 * x2: Var g = 1/9 - 1/16 = 7/144, V1 = V2 = Var(x/2) = 1/48, so S1 = 3/7 and
  ST = 1 - S1(other) = 4/7; the shocks' share is (1/4 - 1/9) / (3/16) = 20/27.

The Ishigami function (SALib's test function, deterministic) checks the analysis path
against its analytic indices with no shocks at all.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from sim.cli import main
from sim.distributions import Uniform
from sim.errors import NegsimError
from sim.global_sensitivity import (
    Problem,
    analyze,
    derived_seed,
    evaluate_model,
    make_design,
    problem_from_scenario,
    sensitivity_csv,
)
from sim.loader import load_scenario
from sim.outcomes import Outcome
from sim.streams import Purpose, replicate_keys, uniforms

UNIT3 = Problem(("x1", "x2", "x3"), (Uniform(0.0, 1.0),) * 3)


def bernoulli(design, g, seed=7):
    """0/1 outcomes: replicate r of row m ends in the outcome when U_r < g(x_m)."""
    reps = design.replicates()
    u = uniforms(replicate_keys(seed, Purpose.SHOCKS, reps.ravel()), 0).reshape(reps.shape)
    return (u < g(design.x)[:, None]).astype(float)


def within(est, conf, truth):
    """|estimate - truth| <= its 95% half-width (plus rounding)."""
    return abs(est - truth) <= conf + 1e-9


# ---- Sobol on known answers ----------------------------------------------------------


def test_sobol_one_parameter_function():
    design = make_design(UNIT3, "sobol", 256, 16, seed=7)
    res = analyze(UNIT3, design, bernoulli(design, lambda x: x[:, 0]), seed=7)
    s1, st = res.indices["S1"], res.indices["ST"]
    assert within(s1[0], res.conf["S1"][0], 1.0)
    assert within(st[0], res.conf["ST"][0], 1.0)
    # common shocks in A and AB_i: a parameter that does nothing changes nothing
    np.testing.assert_array_equal(st[1:], 0.0)
    np.testing.assert_array_equal(s1[1:], 0.0)
    lo, hi = res.split.shock_share_ci95
    assert lo <= 2 / 3 <= hi


def test_sobol_product_function_with_interaction():
    design = make_design(UNIT3, "sobol", 512, 16, seed=3)
    res = analyze(UNIT3, design, bernoulli(design, lambda x: x[:, 0] * x[:, 1], seed=3), seed=3)
    for k in (0, 1):
        assert within(res.indices["S1"][k], res.conf["S1"][k], 3 / 7)
        assert within(res.indices["ST"][k], res.conf["ST"][k], 4 / 7)
    assert res.indices["ST"][2] == 0.0
    lo, hi = res.split.shock_share_ci95
    assert lo <= 20 / 27 <= hi


def test_sobol_ishigami_without_shocks():
    from SALib.test_functions import Ishigami

    pi = np.pi
    problem = Problem(("x1", "x2", "x3"), (Uniform(-pi, pi),) * 3)
    design = make_design(problem, "sobol", 1024, 2, seed=1)
    y = np.repeat(Ishigami.evaluate(design.x)[:, None], 2, axis=1)
    res = analyze(problem, design, y, seed=1)
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    s1 = (v1 / v, v2 / v, 0.0)
    st = ((v1 + v13) / v, v2 / v, v13 / v)
    for k in range(3):
        assert within(res.indices["S1"][k], res.conf["S1"][k], s1[k]), (k, res.indices["S1"])
        assert within(res.indices["ST"][k], res.conf["ST"][k], st[k]), (k, res.indices["ST"])
    assert res.split.shock_share == 0.0


# ---- Morris ---------------------------------------------------------------------------


def test_morris_one_parameter_function():
    design = make_design(UNIT3, "morris", 40, 32, seed=5)
    res = analyze(UNIT3, design, bernoulli(design, lambda x: x[:, 0], seed=5), seed=5)
    # one step = half the quantile range (1/8 -> 5/8), so g = x1 changes by exactly 1/2
    assert within(res.indices["mu_star"][0], res.conf["mu_star"][0], 0.5)
    assert res.indices["mu"][0] > 0
    np.testing.assert_array_equal(res.indices["mu_star"][1:], 0.0)
    assert list(res.order())[0] == 0


# ---- the design ----------------------------------------------------------------------


def test_sobol_replicate_sets_pair_a_with_ab_not_with_b():
    design = make_design(UNIT3, "sobol", 8, 4, seed=1)
    step = UNIT3.d + 2
    for j in range(8):
        rows = design.sets[j * step : (j + 1) * step]
        assert len(set(rows[:-1])) == 1  # A_j and every AB_ij
        assert rows[-1] != rows[0]  # B_j has its own shocks
    assert len(np.unique(design.replicates())) == 2 * 8 * 4


def test_morris_trajectory_shares_its_replicates():
    design = make_design(UNIT3, "morris", 6, 4, seed=1)
    sets = design.sets.reshape(6, UNIT3.d + 1)
    assert (sets == sets[:, :1]).all() and len(np.unique(sets[:, 0])) == 6
    # the grid lies at the midpoints of four equal-probability bins
    assert set(np.round(np.unique(design.x), 6)) <= {0.125, 0.375, 0.625, 0.875}


def test_designs_follow_the_seed():
    a = make_design(UNIT3, "sobol", 16, 2, seed=4)
    b = make_design(UNIT3, "sobol", 16, 2, seed=4)
    c = make_design(UNIT3, "sobol", 16, 2, seed=5)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    assert derived_seed(0, 1) != 0 and derived_seed(0, 1) != derived_seed(0, 2)


@pytest.mark.parametrize(
    "method, n, runs, message",
    [
        ("sobol", 100, 8, "power of 2 for Sobol"),
        ("sobol", 64, 1, "--runs >= 2"),
        ("morris", 1, 8, "at least 2 trajectories"),
    ],
)
def test_bad_design_sizes(method, n, runs, message):
    with pytest.raises(NegsimError, match=message):
        make_design(UNIT3, method, n, runs, seed=1)


def test_no_uncertain_parameters():
    with pytest.raises(NegsimError, match="no uncertain parameters"):
        make_design(Problem((), ()), "morris", 4, 4, seed=1)


def test_an_outcome_that_never_happens_has_no_indices():
    design = make_design(UNIT3, "morris", 4, 4, seed=1)
    with pytest.raises(NegsimError, match="never happened"):
        analyze(UNIT3, design, np.zeros((design.points, 4)), seed=1)


# ---- a tiny scenario where only one parameter matters ---------------------------------

# Party a has a fixed BATNA, so its cost of war enters nothing; its public's approval
# intercept decides whether packages ratify.
TINY = """\
name: tiny
rounds: 6
seed: 5
issues:
  land: {zero: none, one: all}
actors:
  a:
    role: party
    label: Alpha
    ideal: {land: 0}
    salience: {land: 1}
    batna: 0.3
    concession: {deadline: 6}  # believes it must reach its BATNA by round 6
    war:
      cost_per_round: {dist: uniform, low: 0.0, high: 0.05}
    ratification:
      intercept: {dist: uniform, low: -1.5, high: 1.5}
      coefficients: {land: -1.0}
      threshold: 0.5
      vote_noise_sd: 1.0
      lost_rounds: 1
      anticipate: false  # else the cost of a failed vote (lost rounds x cost) enters signing
  b:
    role: party
    ideal: {land: 1}
    salience: {land: 1}
    batna: 0.3
    concession: {deadline: 6}  # believes it must reach its BATNA by round 6
  m:
    role: mediator
    ideal: {land: 0.5}
    salience: {land: 1}
"""
COST = "actors.a.war.cost_per_round"
INTERCEPT = "actors.a.ratification.intercept"


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


def test_scenario_where_one_parameter_matters(tiny):
    scenario = load_scenario(tiny)
    problem = problem_from_scenario(scenario)
    assert set(problem.names) == {COST, INTERCEPT}
    k_cost, k_int = problem.names.index(COST), problem.names.index(INTERCEPT)
    for method, n, runs in (("morris", 10, 16), ("sobol", 32, 8)):
        design = make_design(problem, method, n, runs, seed=9)
        codes = evaluate_model(scenario, problem, design, seed=9)
        y = (codes == Outcome.AGREEMENT).astype(float)
        res = analyze(problem, design, y, seed=9)
        if method == "morris":
            assert res.indices["mu_star"][k_cost] == 0.0
            assert res.indices["mu_star"][k_int] > res.conf["mu_star"][k_int]
        else:
            assert res.indices["ST"][k_cost] == 0.0
            assert res.indices["ST"][k_int] - res.conf["ST"][k_int] > 0.5
        assert 0 < res.split.shock_share < 1  # the votes are noisy


def test_model_evaluation_does_not_depend_on_blocks(tiny):
    scenario = load_scenario(tiny)
    problem = problem_from_scenario(scenario)
    design = make_design(problem, "morris", 4, 6, seed=2)
    whole = evaluate_model(scenario, problem, design, seed=2)
    pieces = evaluate_model(scenario, problem, design, seed=2, block=5)
    np.testing.assert_array_equal(whole, pieces)


def test_sensitivity_command(tiny, tmp_path, capsys):
    out = tmp_path / "m"
    code = main(
        [
            "sensitivity",
            tiny,
            "--method",
            "morris",
            "--n",
            "6",
            "--runs",
            "8",
            "--seed",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO((out / "sensitivity.csv").read_text())))
    assert [r["parameter"] for r in rows][0] == INTERCEPT  # largest first
    assert rows[0]["label"] == "Alpha's ratification intercept"
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["design"]["replicates"] == 6 * 3 * 8
    assert 0 <= data["variance"]["shock_share"] <= 1
    assert (out / "plots" / "sensitivity_morris.png").is_file()
    assert (out / "design.csv").is_file()
    text = capsys.readouterr().out
    assert "Shocks:" in text and "no parameter explains" in text


def test_sobol_csv_columns(tiny):
    scenario = load_scenario(tiny)
    problem = problem_from_scenario(scenario)
    design = make_design(problem, "sobol", 8, 4, seed=1)
    y = (evaluate_model(scenario, problem, design, seed=1) == Outcome.AGREEMENT).astype(float)
    res = analyze(problem, design, y, seed=1)
    header = sensitivity_csv(res).splitlines()[0].split(",")
    assert header == ["parameter", "file_key", "label", "ST", "ST_conf", "S1", "S1_conf"]


@pytest.mark.slow
def test_intervals_cover_the_known_answers_across_seeds():
    """Not tuned to one seed: over 20 seeds the 95% intervals cover the analytic indices of
    the product function (both parameters) and Morris' 1/2 step at least 16 times."""
    hits = {"S1": 0, "ST": 0, "shocks": 0, "mu_star": 0}
    for seed in range(20):
        design = make_design(UNIT3, "sobol", 512, 16, seed=seed)
        res = analyze(
            UNIT3, design, bernoulli(design, lambda x: x[:, 0] * x[:, 1], seed=seed), seed=seed
        )
        hits["S1"] += all(within(res.indices["S1"][k], res.conf["S1"][k], 3 / 7) for k in (0, 1))
        hits["ST"] += all(within(res.indices["ST"][k], res.conf["ST"][k], 4 / 7) for k in (0, 1))
        lo, hi = res.split.shock_share_ci95
        hits["shocks"] += lo <= 20 / 27 <= hi
        design = make_design(UNIT3, "morris", 40, 32, seed=seed)
        res = analyze(UNIT3, design, bernoulli(design, lambda x: x[:, 0], seed=seed), seed=seed)
        hits["mu_star"] += within(res.indices["mu_star"][0], res.conf["mu_star"][0], 0.5)
    assert min(hits.values()) >= 16, hits
