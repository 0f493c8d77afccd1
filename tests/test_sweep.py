"""Parameter sweeps: parsing, common random numbers, a known monotone effect, files."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from sim.cli import main
from sim.ensemble import run_ensemble
from sim.errors import NegsimError, ScenarioError
from sim.loader import load_scenario
from sim.outcomes import OUTCOME_LABELS, Outcome
from sim.stats import paired_difference_interval
from sim.sweep_grid import axes_from_options, parse_range, parse_values, run_sweep, sweep_csv

# Two parties and a mediator on one issue. Party a's public votes on every package:
# approval = logistic(intercept - land + noise), ratified when >= 0.5. A higher intercept
# makes every vote more likely to pass and changes nothing else, so P(agreement) can only
# rise with it: the known monotone effect.
TINY = """\
name: tiny
rounds: 6
runs: 300
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
    ratification:
      intercept: {dist: uniform, low: -1, high: 1}
      coefficients: {land: -1.0}
      threshold: 0.5
      vote_noise_sd: 1.0
      lost_rounds: 1
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

INTERCEPT = "actors.a.ratification.intercept"


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


# ---- parsing -------------------------------------------------------------------------


def test_values_keep_whole_numbers_whole():
    values, texts = parse_values("4, 8,16")
    assert values == (4.0, 8.0, 16.0)
    assert texts == ("4", "8", "16")  # `rounds` must be a whole number in YAML


def test_small_numbers_read_back_as_numbers(tiny):
    """The override text of 0.00002 must not be `2e-05`, which YAML 1.1 reads as a string."""
    values, texts = parse_values("0.001,0.00002")
    for v, t in zip(values, texts, strict=True):
        scenario = load_scenario(tiny, [f"{INTERCEPT}={t}"])
        assert scenario.parameters()[INTERCEPT] == v


def test_range_is_evenly_spaced_and_clean():
    values, texts = parse_range("0:1:5")
    assert values == (0.0, 0.25, 0.5, 0.75, 1.0)
    values, texts = parse_range("0:0.3:4")
    assert texts == ("0", "0.1", "0.2", "0.3")


@pytest.mark.parametrize(
    "text, message",
    [
        ("4,,8", "expected numbers separated by commas"),
        ("4,x", "'x' is not a number"),
        ("4,4", "a value is repeated"),
    ],
)
def test_bad_values(text, message):
    with pytest.raises(NegsimError, match=message):
        parse_values(text)


@pytest.mark.parametrize(
    "text, message",
    [
        ("0:1", "expected LOW:HIGH:N"),
        ("0:1:1", "need N >= 2"),
        ("a:1:3", "expected LOW:HIGH:N with numbers"),
    ],
)
def test_bad_range(text, message):
    with pytest.raises(NegsimError, match=message):
        parse_range(text)


def test_options_pair_in_order_and_refuse_a_mix():
    axes = axes_from_options(["rounds", "x.y"], ["4,8", "1,2,3"], None)
    assert [a.param for a in axes] == ["rounds", "x.y"]
    assert [len(a.values) for a in axes] == [2, 3]
    with pytest.raises(NegsimError, match="both as --values or both as --range"):
        axes_from_options(["rounds", "x.y"], ["4,8"], ["0:1:3"])
    with pytest.raises(NegsimError, match="one --values or --range per --param"):
        axes_from_options(["rounds"], ["4,8"], ["0:1:3"])
    with pytest.raises(NegsimError, match="one or two --param"):
        axes_from_options(["a", "b", "c"], ["1,2", "1,2", "1,2"], None)
    with pytest.raises(NegsimError, match="use --seed"):
        axes_from_options(["seed"], ["1,2"], None)


# ---- the sweep -----------------------------------------------------------------------


def test_known_monotone_effect_is_monotone_within_intervals(tiny):
    axes = axes_from_options([INTERCEPT], ["-1,-0.5,0,0.5,1"], None)
    res = run_sweep(tiny, axes, runs=400, seed=3)
    agree = res.outcome == Outcome.AGREEMENT
    p = agree.mean(axis=1)
    for i in range(len(p) - 1):
        lo, hi = paired_difference_interval(agree[i + 1].astype(float), agree[i].astype(float))
        assert hi >= 0, f"P(agreement) fell significantly from point {i} to {i + 1}: {p}"
    # and the effect is real: the last point is significantly above the first
    lo, _ = paired_difference_interval(agree[-1].astype(float), agree[0].astype(float))
    assert lo > 0, p


def test_every_point_equals_a_run_with_that_value(tiny):
    """Common random numbers: point v is exactly `negsim run --set PATH=v` with the seed."""
    axes = axes_from_options([INTERCEPT], ["-0.5,0.5"], None)
    res = run_sweep(tiny, axes, runs=200, seed=11)
    for p, text in enumerate(axes[0].texts):
        alone = run_ensemble(load_scenario(tiny, [f"{INTERCEPT}={text}"]), 200, 11)
        np.testing.assert_array_equal(res.outcome[p], alone.outcome)
        np.testing.assert_array_equal(res.end_round[p], alone.end_round)


def test_sweep_does_not_depend_on_workers(tiny, monkeypatch):
    import sim.sweep_grid

    axes = axes_from_options([INTERCEPT], ["-1,1"], None)
    one = run_sweep(tiny, axes, runs=150, seed=2, jobs=1)
    monkeypatch.setattr(sim.sweep_grid, "PARALLEL_MIN_REPLICATES", 0)
    two = run_sweep(tiny, axes, runs=150, seed=2, jobs=2, chunk_size=64)  # 3 chunks a point
    np.testing.assert_array_equal(one.outcome, two.outcome)


def test_csv_has_one_row_per_point_and_class(tiny):
    axes = axes_from_options([INTERCEPT, "rounds"], ["-1,1", "3,6,9"], None)
    res = run_sweep(tiny, axes, runs=100, seed=1)
    rows = list(csv.DictReader(io.StringIO(sweep_csv(res))))
    assert len(rows) == 2 * 3 * len(OUTCOME_LABELS)
    assert list(rows[0])[:4] == [INTERCEPT, "rounds", "outcome", "runs"]
    for i in range(0, len(rows), len(OUTCOME_LABELS)):
        point = rows[i : i + len(OUTCOME_LABELS)]
        assert [r["outcome"] for r in point] == list(OUTCOME_LABELS)
        assert sum(int(r["count"]) for r in point) == 100
        for r in point:
            assert float(r["ci95_low"]) <= float(r["p"]) <= float(r["ci95_high"])
    first = rows[: len(OUTCOME_LABELS)]
    assert all(float(r["diff_vs_first"]) == 0 for r in first)
    # the heat map's grid: rows follow the second parameter
    grid = res.grid("settlement")
    assert grid.p.shape == (3, 2)
    counts = res.counts()[:, Outcome.AGREEMENT].reshape(2, 3)
    np.testing.assert_array_equal(grid.counts, counts.T)


def test_unknown_parameter_is_a_scenario_error(tiny):
    axes = axes_from_options(["actors.a.ratification.intercpt"], ["0,1"], None)
    with pytest.raises(ScenarioError, match="intercpt"):
        run_sweep(tiny, axes, runs=10, seed=1)


# ---- the command ---------------------------------------------------------------------


def test_sweep_command_writes_csv_and_figure(tiny, tmp_path, capsys):
    out = tmp_path / "s"
    code = main(
        [
            "sweep",
            tiny,
            "--param",
            INTERCEPT,
            "--values=-1,0,1",
            "--runs",
            "100",
            "--seed",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert (out / "sweep.csv").stat().st_size > 0
    assert (out / "plots" / "sweep.png").is_file()
    assert (out / "manifest.json").is_file()
    text = capsys.readouterr().out
    assert "common random numbers" in text and "settlement" in text


def test_two_parameter_sweep_draws_a_heat_map(tiny, tmp_path):
    out = tmp_path / "h"
    code = main(
        [
            "sweep",
            tiny,
            "--param",
            INTERCEPT,
            "--range=-1:1:3",
            "--param",
            "rounds",
            "--range",
            "3:9:3",
            "--runs",
            "50",
            "--seed",
            "2",
            "--quiet",
            "--out",
            str(out),
            "--outcome",
            "stalemate",
            "--format",
            "svg",
        ]
    )
    assert code == 0
    assert (out / "plots" / "sweep_stalemate.svg").is_file()


def test_sweep_command_rejects_an_unknown_outcome(tiny, tmp_path, capsys):
    code = main(
        [
            "sweep",
            tiny,
            "--param",
            INTERCEPT,
            "--values",
            "0,1",
            "--outcome",
            "peace",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 2
    assert "unknown outcome class 'peace'" in capsys.readouterr().err
