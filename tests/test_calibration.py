"""Calibration: targets files, history matching, readings, parameter samples, scoring.

The toy scenario has no possible agreement (absolute red lines that exclude each other)
and nothing else that ends the talks, so each of its 4 rounds has a strike with
probability p, independently: P(at least one strike) = 1 - (1 - p)^4, a known function of
the one uncertain parameter.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.api import calibrate, score
from sim.calibration.history_matching import CUTOFF
from sim.calibration.scoring import brier, score_columns
from sim.calibration.targets import check_against, load_targets
from sim.cli import factor_overrides, main
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.runner import run_replicates

ROUNDS = 4
TOY = f"""\
name: toy
rounds: {ROUNDS}
seed: 3
issues:
  share: {{zero: "all to b", one: "all to a"}}
actors:
  a:
    role: party
    ideal: {{share: 1.0}}
    salience: {{share: 1.0}}
    red_lines:
      - {{issue: share, min: 0.7, absolute: true}}
  b:
    role: party
    ideal: {{share: 0.0}}
    salience: {{share: 1.0}}
    red_lines:
      - {{issue: share, max: 0.3, absolute: true}}
events:
  raids:
    type: strike
    by: a
    target: b
    prob_per_round: {{dist: uniform, low: 0.0, high: 1.0}}
protocol:
  first_proposer: a
"""
BAND = (0.5, 0.8)
TARGETS = f"""\
targets:
  raided:
    probability: {{column: strikes}}
    band: [{BAND[0]}, {BAND[1]}]
    judgement: a toy
"""


def _p_of(f: float) -> float:
    """The strike probability p with 1 - (1 - p)^4 = f."""
    return 1.0 - (1.0 - f) ** (1.0 / ROUNDS)


def _f(p: np.ndarray) -> np.ndarray:
    return 1.0 - (1.0 - p) ** ROUNDS


@pytest.fixture
def toy(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "toy.yaml").write_text(TOY)
    (tmp_path / "targets.yaml").write_text(TARGETS)
    return tmp_path / "toy.yaml", tmp_path / "targets.yaml"


def test_calibration_recovers_the_interval_the_function_gives(toy):
    scenario, targets = toy
    cal = calibrate(scenario, targets, waves=3, points=48, runs=100, seed=5)
    res = cal.result
    assert res.survived
    p = res.final.x[res.accepted, 0]
    # the edge of the non-implausible set in f: the band's end moved by the Monte Carlo
    # error of the last wave (in the denominator and in the estimate itself)
    sd = (BAND[1] - BAND[0]) / 6
    runs = res.final.runs
    slack = []
    for end in BAND:
        v = end * (1 - end) / runs
        slack.append(CUTOFF * (math.sqrt(sd**2 + v) - sd) + CUTOFF * math.sqrt(v))
    assert BAND[0] - slack[0] <= _f(p.min()) <= BAND[0] + slack[0]
    assert BAND[1] - slack[1] <= _f(p.max()) <= BAND[1] + slack[1]
    # and the accepted points cover the analytic interval, without gaps wider than the
    # design's spacing would leave
    assert p.min() <= _p_of(BAND[0] + slack[0]) and p.max() >= _p_of(BAND[1] - slack[1])
    # the surviving share of the prior is the interval's length (p is uniform on [0, 1])
    width = _p_of(BAND[1]) - _p_of(BAND[0])
    assert res.final.surviving_fraction == pytest.approx(width, abs=0.05)


def test_every_wave_is_reproducible_whatever_jobs(toy):
    scenario, targets = toy
    one = calibrate(scenario, targets, waves=2, points=24, runs=400, seed=9, jobs=1).result
    two = calibrate(scenario, targets, waves=2, points=24, runs=400, seed=9, jobs=2).result
    assert len(one.waves) == len(two.waves) == 2
    for a, b in zip(one.waves, two.waves, strict=True):
        np.testing.assert_array_equal(a.u, b.u)
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.impl, b.impl)


def test_a_calibrated_scenario_draws_only_accepted_rows(toy, tmp_path):
    scenario, targets = toy
    cal = calibrate(scenario, targets, waves=2, points=32, runs=50, seed=2)
    out = cal.save(tmp_path / "cal")
    calibrated = load_scenario(out / "calibrated.yaml")
    assert calibrated.sample is not None and len(calibrated.sample) == cal.result.accepted.size
    drawn = run_replicates(calibrated, 500, 1, keep_params=True).params[
        "events.raids.prob_per_round"
    ]
    accepted = set(np.round(cal.result.final.x[cal.result.accepted, 0], 12))
    assert set(np.round(drawn, 12)) <= accepted
    assert (out / "plots" / "min_implausibility.png").stat().st_size > 0
    assert (out / "plots" / "marginals.png").stat().st_size > 0


def test_nothing_surviving_is_a_finding_naming_the_conflict(toy, tmp_path):
    scenario, _ = toy
    (tmp_path / "clash.yaml").write_text(
        TARGETS + "  rarely_raided:\n    probability: {column: strikes}\n    band: [0.0, 0.2]\n"
        "    judgement: contradicts the other\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "calibrate",
            str(scenario),
            "--targets",
            str(tmp_path / "clash.yaml"),
            "--points",
            "32",
            "--runs",
            "50",
            "--waves",
            "2",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    res = calibrate(scenario, tmp_path / "clash.yaml", waves=2, points=32, runs=50)
    assert not res.result.survived
    assert res.result.conflict().pairs == [("raided", "rarely_raided")]
    assert "NOTHING SURVIVES" in res.text and "raided and rarely_raided conflict" in res.text
    assert not (out / "calibrated.yaml").exists()


def test_a_reading_that_changes_nothing_leaves_every_number_unchanged(toy, tmp_path):
    scenario, _ = toy
    (tmp_path / "read.yaml").write_text(
        "extends: toy.yaml\nname: read\nreadings:\n"
        "  first: {weight: 1, changes: {}}\n  second: {weight: 3, changes: {}}\n"
    )
    plain = run_replicates(load_scenario(scenario), 3000, 11, keep_params=True).columns()
    read = run_replicates(
        load_scenario(tmp_path / "read.yaml"), 3000, 11, jobs=2, keep_params=True
    ).columns()
    assert set(read) - set(plain) == {"param.reading"}
    for name, values in plain.items():
        np.testing.assert_array_equal(
            np.asarray(values).astype(str), np.asarray(read[name]).astype(str), err_msg=name
        )
    # and the readings are drawn by weight: about a quarter read "first"
    share = float(np.mean(read["param.reading"] == 0))
    assert share == pytest.approx(0.25, abs=4 * math.sqrt(0.25 * 0.75 / 3000))


def test_a_reading_that_changes_something_changes_its_replicates_only(toy, tmp_path):
    (tmp_path / "read.yaml").write_text(
        "extends: toy.yaml\nname: read\nreadings:\n"
        "  calm: {changes: {events.raids.prob_per_round: 0.0}}\n"
        "  as_written: {changes: {}}\n"
    )
    s = load_scenario(tmp_path / "read.yaml")
    res = run_replicates(s, 2000, 4, keep_params=True)
    calm = res.params["reading"] == 0
    assert 0 < calm.sum() < len(res)
    assert np.all(res.counter("strikes")[calm] == 0)
    assert res.counter("strikes")[~calm].sum() > 0


def test_a_bad_reading_change_is_one_line_at_the_change(toy, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "extends: toy.yaml\nreadings:\n  odd:\n    changes:\n"
        "      events.raids.prob_per_round: 1.5\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "bad.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'bad.yaml'}:5:")
    assert "events.raids.prob_per_round" in str(err.value) and "(got 1.5)" in str(err.value)


def test_the_brier_score_matches_a_hand_computation(toy, tmp_path):
    scenario, _ = toy
    (tmp_path / "resolved.yaml").write_text(
        "targets:\n  raided:\n    probability: {column: strikes}\n    band: [0.0, 0.5]\n"
        "    forecast: 0.24\n    resolved: false\n    judgement: a toy\n"
        "  raided_yes:\n    probability: {column: strikes}\n    band: [0.0, 0.5]\n"
        "    forecast: 0.9\n    resolved: true\n    judgement: a toy\n"
    )
    targets = load_targets(tmp_path / "resolved.yaml")
    s = load_scenario(scenario)
    strikes = np.array([0, 2, 0, 0, 1, 0, 0, 3, 0, 0])  # 3 of 10 replicates: p = 0.3
    cols = {"strikes": strikes, "outcome": np.array(["stalemate"] * 10)}
    scores = score_columns(targets, s, cols, seed=1, runs=10, load_horizon=None)
    no, yes = scores
    assert no.estimate == pytest.approx(0.3)
    assert no.brier_model == pytest.approx(0.3**2)  # (0.3 - 0)^2 = 0.09
    assert no.brier_forecast == pytest.approx(0.24**2)  # 0.0576
    assert yes.brier_model == pytest.approx(0.7**2)  # (0.3 - 1)^2 = 0.49
    assert yes.brier_forecast == pytest.approx(0.1**2)  # (0.9 - 1)^2 = 0.01
    assert brier(0.5, True) == brier(0.5, False) == 0.25


def test_score_command_on_a_run(toy, tmp_path, capsys):
    scenario, targets = toy
    out = tmp_path / "run"
    assert (
        main(["run", str(scenario), "--runs", "400", "--no-plots", "--quiet", "--out", str(out)])
        == 0
    )
    assert main(["score", str(out), "--targets", str(targets)]) == 0
    text = capsys.readouterr().out
    assert text.rstrip().splitlines()[-1].endswith("targets inside their bands")
    card = score(out, targets)
    est = card.scores[0].estimate
    values = run_replicates(load_scenario(scenario), 400, 3).counter("strikes") > 0
    assert est == pytest.approx(values.mean())


def test_shipped_baseline_targets_load_and_fit_the_baseline():
    root = Path(__file__).resolve().parents[1]
    targets = load_targets(root / "scenarios" / "targets" / "baseline.yaml")
    check_against(targets, load_scenario(root / "scenarios" / "baseline.yaml"))
    assert len(targets.for_calibration()) >= 4
    for t in targets.targets:
        assert t.quotes or t.judgement, t.name


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            "targets:\n  armistice_soon:\n    probability: {outcome: armistice, by_round: 4}\n"
            "    band: [0.0, 0.2]\n    judgement: x\n",
            ":3:28: targets.armistice_soon.probability.outcome: ",
            'not an outcome this model computes; outcomes: {labels} (got "armistice")',
        ),
        (
            "targets:\n  t:\n    probability: {outcome: agreement}\n    band: [0.0, 0.2]\n",
            ":2:3: targets.t: ",
            "a target needs its source: quotes (source:) or a stated judgement (judgement:)",
        ),
        (
            "targets:\n  t:\n    mean: {column: strikes}\n    band: [0.2, 0.1]\n    judgement: x\n",
            ":4:11: targets.t.band: ",
            "a band needs low < high (got [0.2, 0.1])",
        ),
        (
            "targets:\n  t:\n    mean: {column: strikes}\n    value: 0.2\n    judgement: x\n",
            ":4:5: targets.t.value: ",
            "a value needs its sd (the target's own uncertainty)",
        ),
    ],
)
def test_bad_targets_are_one_line(tmp_path, body, where, message):
    from sim.outcomes import OUTCOME_LABELS

    message = message.replace("{labels}", ", ".join(OUTCOME_LABELS))
    path = tmp_path / "t.yaml"
    path.write_text(body)
    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    assert str(err.value) == f"{path}{where}{message}"


def test_a_target_column_the_scenario_lacks_is_one_line(toy, tmp_path):
    scenario, _ = toy
    path = tmp_path / "t.yaml"
    path.write_text(
        "targets:\n  t:\n    mean: {column: front_lines}\n    band: [0, 1]\n    judgement: x\n"
    )
    with pytest.raises(ScenarioError) as err:
        check_against(load_targets(path), load_scenario(scenario))
    assert str(err.value).startswith(f"{path}:3:20: targets.t.mean.column: not a replicate column")
    assert '(got "front_lines")' in str(err.value)


def test_factor_puts_a_fixed_value_into_the_design(toy):
    scenario, _ = toy
    sets = factor_overrides(["actors.a.red_lines.0.bound=0.6:0.9", "rounds_like=1,2"])
    assert sets[0] == "actors.a.red_lines.0.bound={dist: uniform, low: 0.6, high: 0.9}"
    assert sets[1] == "rounds_like={dist: choice, values: [1.0, 2.0]}"
    s = load_scenario(scenario, sets[:1])
    assert "actors.a.red_lines.0.bound" in s.uncertain_parameters()


def test_rejection_abc_keeps_the_points_nearest_the_targets(toy):
    from sim.calibration.history_matching import abc_accept

    scenario, targets = toy
    res = calibrate(scenario, targets, waves=1, points=100, runs=100, seed=4).result
    kept = abc_accept(res, 0.2)
    assert len(kept) == 20
    first = res.waves[0]
    distance = np.abs(first.mean[:, 0] - res.plans[0].target.centre)
    assert distance[kept].max() <= np.sort(distance)[19] + 1e-12
    # the kept strike probabilities sit around the one that hits the band's centre
    p = first.x[kept, 0]
    assert p.min() < _p_of(0.65) < p.max()
