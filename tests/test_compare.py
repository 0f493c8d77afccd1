"""``negsim compare``: scenarios on common random numbers, and their differences.

compare runs every scenario with the same seed and runs, so replicate i of each sees the
same draws of the parameters they share. Its probabilities must be those of separate
``negsim run``s with that seed, and its differences the differences of those runs, with
the paired interval computed from the replicates.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.outcomes import OUTCOME_LABELS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
RUNS, SEED = 3000, 5
Z95 = 1.959963984540054
COMMON = ["--runs", str(RUNS), "--seed", str(SEED), "--jobs", "1", "--no-plots", "--quiet"]


@pytest.fixture(scope="module")
def variant(tmp_path_factory) -> str:
    """The baseline with half as many rounds: a scenario with other outcome shares."""
    path = tmp_path_factory.mktemp("scen") / "short_talks.yaml"
    path.write_text(f"extends: {json.dumps(BASELINE)}\nname: short_talks\nrounds: 13\n")
    return str(path)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, variant):
    """compare(baseline, variant) and a separate run of each, same seed and runs."""
    base = tmp_path_factory.mktemp("cmp")
    assert main(["compare", BASELINE, variant, *COMMON, "--out", str(base / "cmp")]) == 0
    assert main(["run", BASELINE, *COMMON, "--out", str(base / "a")]) == 0
    assert main(["run", variant, *COMMON, "--out", str(base / "b")]) == 0
    return base


def outcomes_of(folder: Path) -> np.ndarray:
    with open(folder / "replicates.csv", newline="") as fh:
        return np.array([row["outcome"] for row in csv.DictReader(fh)])


def test_compare_writes_its_files(folders):
    assert {p.name for p in (folders / "cmp").iterdir()} == {
        "compare.json",
        "compare.csv",
        "manifest.json",
        "report.html",
    }
    table = json.loads((folders / "cmp" / "compare.json").read_text())
    assert (table["seed"], table["runs"]) == (SEED, RUNS)
    assert [r["scenario"] for r in table["rows"]] == ["baseline", "short_talks"]
    with open(folders / "cmp" / "compare.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["scenario"], r["outcome"]) for r in rows if r["outcome"] in OUTCOME_LABELS] == [
        (s, o) for s in ("baseline", "short_talks") for o in OUTCOME_LABELS
    ]
    m = json.loads((folders / "cmp" / "manifest.json").read_text())
    assert (m["command"], m["seed"], m["runs"]) == ("compare", SEED, RUNS)
    assert len(m["scenario_files"]) == 2


def test_probabilities_are_those_of_separate_runs(folders):
    table = json.loads((folders / "cmp" / "compare.json").read_text())
    for row, run in zip(table["rows"], ("a", "b"), strict=True):
        s = json.loads((folders / run / "summary.json").read_text())
        assert row["runs"] == RUNS
        for label in OUTCOME_LABELS:
            got, want = row["outcomes"][label], s["outcomes"][label]
            assert (got["count"], got["p"], got["ci95"]) == (
                want["count"],
                want["p"],
                want["ci95"],
            ), label
        states = [o["p"] for k, o in row["outcomes"].items() if k in OUTCOME_LABELS]
        assert sum(states) == pytest.approx(1, abs=1e-12)


def test_differences_are_the_differences_of_the_runs(folders):
    table = json.loads((folders / "cmp" / "compare.json").read_text())
    sa = json.loads((folders / "a" / "summary.json").read_text())
    sb = json.loads((folders / "b" / "summary.json").read_text())
    out_a, out_b = outcomes_of(folders / "a"), outcomes_of(folders / "b")
    first, second = table["rows"]
    assert any(second["outcomes"][lab]["diff"] != 0 for lab in OUTCOME_LABELS)
    for label in OUTCOME_LABELS:
        o = second["outcomes"][label]
        assert o["diff"] == pytest.approx(
            sb["outcomes"][label]["p"] - sa["outcomes"][label]["p"], abs=1e-12
        ), label
        # the paired (common random numbers) 95% interval, from the replicates
        d = (out_b == label).astype(float) - (out_a == label).astype(float)
        half = Z95 * d.std(ddof=1) / math.sqrt(RUNS)
        assert o["diff_ci95"] == pytest.approx([d.mean() - half, d.mean() + half], abs=1e-9)
        assert o["diff_ci95"][0] <= o["diff"] <= o["diff_ci95"][1], label
        # the first scenario against itself
        assert first["outcomes"][label]["diff"] == 0
        assert first["outcomes"][label]["diff_ci95"] == [0, 0]


def test_common_random_numbers_share_the_draws(folders):
    """Replicate i of both scenarios drew the same value of every shared parameter."""

    def params(folder: Path) -> dict[str, list[str]]:
        with open(folder / "replicates.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return {k: [r[k] for r in rows] for k in rows[0] if k.startswith("param.")}

    pa, pb = params(folders / "a"), params(folders / "b")
    assert pa.keys() == pb.keys() and pa
    for key in pa:
        assert pa[key] == pb[key], key


def test_a_scenario_against_itself_differs_by_nothing(tmp_path, capsys):
    out = tmp_path / "same"
    assert main(["compare", BASELINE, BASELINE, *COMMON, "--out", str(out)]) == 0
    table = json.loads((out / "compare.json").read_text())
    assert [r["scenario"] for r in table["rows"]] == ["baseline", "baseline-2"]
    for label, o in table["rows"][1]["outcomes"].items():
        assert o["diff"] == 0, label
        assert o["diff_ci95"] == [0, 0], label
        assert o["p"] == table["rows"][0]["outcomes"][label]["p"], label


def test_compare_prints_the_table(tmp_path, capsys, variant):
    argv = [
        "compare",
        BASELINE,
        variant,
        *[a for a in COMMON if a != "--quiet"],
        "--runs",
        "300",
        "--out",
        str(tmp_path / "t"),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "difference from baseline" in text
    assert "short_talks" in text
    for label in OUTCOME_LABELS:
        assert label.replace("_", " ") in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_compare_needs_two_scenarios(tmp_path, capsys):
    assert main(["compare", BASELINE, *COMMON, "--out", str(tmp_path / "x")]) == 2
    assert "at least two" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_compare_csv_quotes_a_name_with_a_comma():
    from sim.comparison import compare_csv

    outcome = {"p": 0.5, "ci95": [0.4, 0.6], "count": 5, "diff": 0.0, "diff_ci95": [0.0, 0.0]}
    table = {
        "baseline": "a, b/c",
        "rows": [{"scenario": "a, b/c", "runs": 10, "outcomes": {"settlement": outcome}}],
    }
    rows = list(csv.reader(compare_csv(table).splitlines()))
    assert rows[1][:2] == ["a, b/c", "settlement"]
    assert all(len(r) == len(rows[0]) for r in rows)


def test_compare_draws_its_figure_for_scenarios_with_report_dates(tmp_path):
    """The shipped scenarios list report dates, so compare.json carries per-date events
    (``ceasefire_by:DATE``) beside the end states; the figure draws the end states."""
    out = tmp_path / "drawn"
    truce = str(ROOT / "scenarios" / "energy_truce.yaml")
    argv = ["compare", BASELINE, truce, "--runs", "200", "--seed", "3", "--jobs", "1"]
    assert main([*argv, "--quiet", "--out", str(out)]) == 0
    table = json.loads((out / "compare.json").read_text())
    assert any(":" in k for k in table["rows"][0]["outcomes"]), "no per-date events to ignore"
    png = out / "plots" / "compare.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
