"""A ten-party scenario runs through ``run``, ``trace``, ``sweep`` and ``plot`` (small
replicate counts): nothing in the command line assumes two sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main

N_PARTIES = 10


def ten_party_yaml() -> str:
    lines = [
        "name: ten_parties",
        "rounds: 4",
        "issues:",
        "  budget: {zero: nothing shared, one: everything shared}",
        "  seats: {zero: no seats, one: all seats}",
        "actors:",
    ]
    for i in range(N_PARTIES):
        a, b = round(i / (N_PARTIES - 1), 3), round(1 - i / (N_PARTIES - 1), 3)
        lines.append(
            f"  party_{i}: {{role: party, ideal: {{budget: {a}, seats: {b}}}, "
            f"salience: {{budget: {1 + i % 3}, seats: 1}}, batna: 0.2}}"
        )
    lines.append(
        "  chair: {role: mediator, ideal: {budget: 0.5, seats: 0.5}, "
        "salience: {budget: 1, seats: 1}}"
    )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ten") / "ten_parties.yaml"
    path.write_text(ten_party_yaml(), encoding="utf-8")
    return path


def test_ten_parties_run_trace_sweep_plot(scenario_file, tmp_path, capsys):
    quick = ["--jobs", "1", "--seed", "5"]
    out = tmp_path / "run"
    assert main(["run", str(scenario_file), "--runs", "20", "--out", str(out), *quick]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary
    assert main(["trace", str(scenario_file), "--seed", "5"]) == 0
    text = capsys.readouterr().out
    assert "party_9" in text
    sweep = tmp_path / "sweep"
    argv = ["sweep", str(scenario_file), "--param", "rounds", "--values", "2,4"]
    assert main([*argv, "--runs", "10", "--out", str(sweep), *quick]) == 0
    assert main(["plot", str(out)]) == 0
    assert any(out.rglob("*.png"))


def test_ten_parties_recognised_at_random_without_a_mediator(tmp_path, capsys):
    """Without a mediator, ten parties under Baron-Ferejohn recognition (equal chances,
    unanimity): the run's outcomes partition its replicates and the trace names the
    recognised proposer of each round."""
    text = ten_party_yaml().split("  chair:")[0].replace("rounds: 4", "rounds: 2")
    chances = ", ".join(f"party_{i}: 0.1" for i in range(N_PARTIES))
    path = tmp_path / "ten_recognised.yaml"
    path.write_text(text + f"protocol: {{recognition: {{{chances}}}}}\n", encoding="utf-8")
    out = tmp_path / "run"
    argv = ["run", str(path), "--runs", "4", "--out", str(out), "--jobs", "1", "--no-plots"]
    assert main([*argv, "--seed", "3"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary
    capsys.readouterr()
    assert main(["trace", str(path), "--seed", "3"]) == 0
    trace = capsys.readouterr().out
    assert any(f"party_{i} offers:" in trace for i in range(N_PARTIES))
