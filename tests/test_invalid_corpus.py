"""The invalid-scenario corpus: each tests/data/invalid/NAME.yaml fails with exactly the
one-line message in NAME.expected, in the library and on the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
INVALID = ROOT / "tests" / "data" / "invalid"
CASES = sorted(p.stem for p in INVALID.glob("*.yaml"))
REQUIRED_CASES = {
    "unknown_key",
    "wrong_type",
    "probability_out_of_range",
    "negative_salience",
    "zero_saliences",
    "patience_zero",
    "patience_above_one",
    "uniform_low_ge_high",
    "normal_sd_zero",
    "beta_a_nonpositive",
    "choice_weights_zero",
    "unknown_distribution",
    "red_line_undeclared_issue",
    "lever_undeclared_target",
    "one_party",
    "two_mediators",
    "no_mediator_no_first_proposer",
    "duplicate_key",
    "yaml11_no",
    "yaml11_off",
    "empty",
    "list_not_mapping",
    "extends_missing",
    "cycle_a",
    "quote_not_found",
    "bad_syntax",
    "bool_as_number",
    # names, and input bounded so a small file cannot ask for unbounded work
    "top_name_separator",
    "top_name_dotdot",
    "name_control_character",
    "alias_bomb",
    "nesting_too_deep",
    "extends_not_yaml",
    "extends_outside_folder",
    "rounds_too_many",
    "round_count_too_large",
    "seed_too_large",
    "salience_overflow",
    "choice_weights_overflow",
    "normal_no_mass_in_bounds",
}


def expected(name: str) -> str:
    lines = (INVALID / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, f"{name}.expected must hold exactly one line"
    return lines[0]


def test_corpus_is_complete():
    assert len(CASES) >= 24
    assert REQUIRED_CASES <= set(CASES), sorted(REQUIRED_CASES - set(CASES))
    orphans = {p.stem for p in INVALID.glob("*.expected")} - set(CASES)
    assert not orphans, f"expected messages without a case: {sorted(orphans)}"
    for name in CASES:
        assert (INVALID / f"{name}.expected").is_file(), f"{name}.yaml has no {name}.expected"


@pytest.mark.parametrize("name", CASES)
def test_case_raises_its_message(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # messages name files as the CLI does from the repository root
    with pytest.raises(ScenarioError) as err:
        load_scenario(f"tests/data/invalid/{name}.yaml")
    assert str(err.value) == expected(name)
    assert "\n" not in str(err.value)


def run_validate(*files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_reports_every_case_on_one_line():
    """One process for the whole corpus: validate checks each file and goes on."""
    files = [f"tests/data/invalid/{name}.yaml" for name in CASES]
    result = run_validate(*files)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [expected(name) for name in CASES]


@pytest.mark.parametrize("name", ["yaml11_no", "empty", "cycle_a", "quote_not_found"])
def test_cli_single_file(name):
    result = run_validate(f"tests/data/invalid/{name}.yaml")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", expected(name) + "\n")
    assert f"{name}.yaml" in result.stderr
