"""Every shipped scenario loads, runs a small ensemble, and its outcomes add up.

Also the single-run trace: the same model with one replicate tells the story of that
replicate, and ends the way the ensemble says the replicate ended.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.commands.trace_cmd import story
from sim.ensemble import run_ensemble
from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import Outcome

SCENARIOS = sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.yaml"))


def test_the_library_has_baseline_variants_and_another_negotiation():
    names = {p.stem for p in SCENARIOS}
    assert "baseline" in names
    assert len(names) >= 10


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_and_outcomes_partition(path: Path):
    scenario = load_scenario(path)
    # structural checks on every replicate; a three-party scenario's rounds cost far more
    # (its solver), and 120 of its replicates still end in agreement and without it
    n = 120 if len(scenario.parties) > 2 else 300
    result = run_ensemble(scenario, n, seed=7)
    counts = result.counts()
    assert sum(counts.values()) == n
    assert set(np.unique(result.outcome)) <= {o.value for o in Outcome}
    agreed = result.outcome == Outcome.AGREEMENT
    # terms exist exactly for agreements, and lie in the package box
    assert np.all(np.isfinite(result.terms[agreed]))
    assert np.all(np.isnan(result.terms[~agreed]))
    assert np.all((result.terms[agreed] >= -1e-12) & (result.terms[agreed] <= 1 + 1e-12))
    assert np.all((result.end_round >= 1) & (result.end_round <= scenario.rounds))
    if len(scenario.parties) > 2:  # the smaller sample still covers both kinds of end
        assert 0 < agreed.sum() < n


def test_variants_change_the_baseline_outcomes():
    """Variants are not copies: the energy truce reduces strikes on common random numbers."""
    base = run_ensemble(load_scenario(SCENARIOS[0].parent / "baseline.yaml"), 400, seed=3)
    truce = run_ensemble(load_scenario(SCENARIOS[0].parent / "energy_truce.yaml"), 400, seed=3)
    assert truce.counter("strikes").mean() < base.counter("strikes").mean()


def test_trace_tells_the_story_of_the_same_replicate():
    scenario = load_scenario(SCENARIOS[0].parent / "baseline.yaml")
    ensemble = run_ensemble(scenario, 12, seed=11)
    from sim.readings import replicate_model_inputs

    own, values, _ = replicate_model_inputs(scenario, 11, 5)  # replicate 5's reading
    model = NegotiationModel(
        own, seed=11, replicates=np.array([5]), record=True, parameter_values=values
    )
    alone = model.run()
    text = story(own, model, alone, 11, 5)
    assert alone.outcome[0] == ensemble.outcome[5]
    assert alone.end_round[0] == ensemble.end_round[5]
    assert len(model.log) == int(alone.end_round[0])
    assert text.count("\nround ") == len(model.log)
    ending = {
        Outcome.AGREEMENT: "ended: agreement",
        Outcome.BREAKDOWN: "ended: breakdown",
        Outcome.MEDIATOR_EXIT: "ended: the mediator left",
        Outcome.STALEMATE: "ended: stalemate",
    }[Outcome(int(alone.outcome[0]))]
    assert ending in text
    assert "BATNA" in text and "aspiration" in text


def test_trace_command_prints_rounds(capsys):
    assert main(["trace", str(SCENARIOS[0].parent / "baseline.yaml"), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "round 1 (day 0)" in out
    assert "ended:" in out


def test_help_lists_subcommands_and_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for sub in (
        "run",
        "compare",
        "trace",
        "validate",
        "show",
        "plot",
        "sweep",
        "sensitivity",
        "discover",
    ):
        assert sub in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "negsim 0.1.0" in capsys.readouterr().out


def test_the_command_line_imports_no_heavy_module_before_a_command_runs():
    import subprocess
    import sys

    code = (
        "import sys, sim.cli; sim.cli.build_parser();"
        "print(sorted(m for m in ('numpy', 'scipy', 'mesa', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
