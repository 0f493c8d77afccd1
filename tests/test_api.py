"""The Python API: the CLI's numbers for the same seed, the files the CLI writes, DataFrames
that match the summaries, figures drawn into given axes, a light ``import sim``, and the
examples of docs/api.md run as doctests."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.errors import NegsimError

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
TRUCE = str(ROOT / "scenarios" / "energy_truce.yaml")


@pytest.fixture(scope="module")
def run800():
    return sim.run(BASELINE, runs=800, seed=31)


def test_run_gives_the_cli_numbers(run800, tmp_path):
    out = tmp_path / "cli"
    assert (
        main(
            [
                "run",
                BASELINE,
                "--runs",
                "800",
                "--seed",
                "31",
                "--jobs",
                "1",
                "--no-plots",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cli = json.loads((out / "summary.json").read_text())
    counts = {k: v["count"] for k, v in run800.summary["outcomes"].items()}
    assert counts == {k: v["count"] for k, v in cli["outcomes"].items()}
    assert sum(counts.values()) == 800
    assert run800.summary == cli


def test_save_writes_the_files_the_cli_writes(run800, tmp_path):
    cli = tmp_path / "cli"
    main(
        [
            "run",
            BASELINE,
            "--runs",
            "800",
            "--seed",
            "31",
            "--jobs",
            "1",
            "--quiet",
            "--out",
            str(cli),
        ]
    )
    api = run800.save(tmp_path / "api")
    listing = lambda d: sorted(str(p.relative_to(d)) for p in d.rglob("*"))  # noqa: E731
    assert listing(api) == listing(cli)
    for name in ("summary.json", "replicates.csv", "scenario.yaml"):
        assert (api / name).read_bytes() == (cli / name).read_bytes(), name
    manifest = json.loads((api / "manifest.json").read_text())
    assert (manifest["command"], manifest["seed"], manifest["runs"]) == ("run", 31, 800)


def test_replicates_frame_matches_the_summary(run800):
    df = run800.replicates
    assert len(df) == 800
    assert list(df["replicate"]) == list(range(800))
    assert df["outcome"].value_counts().to_dict() == {
        k: v["count"] for k, v in run800.summary["outcomes"].items() if v["count"]
    }
    assert any(c.startswith("param.") for c in df.columns)
    assert run800.rounds is None


def test_streamed_run_reads_its_replicates_back(tmp_path):
    streamed = sim.run(BASELINE, runs=60, seed=2, stream_to=tmp_path)
    in_memory = sim.run(BASELINE, runs=60, seed=2)
    assert (tmp_path / "replicates.csv").is_file()
    a, b = streamed.replicates, in_memory.replicates
    assert list(a.columns) == list(b.columns)
    assert list(a["outcome"]) == list(b["outcome"])
    np.testing.assert_allclose(a["end_round"], b["end_round"])


def test_plots_draw_into_given_axes(run800):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5)
    draws = (
        run800.plot_outcomes,
        run800.plot_terms,
        run800.plot_time_to_end,
        run800.plot_end_state,
        run800.plot_agreement_by_strikes,
    )
    try:
        for ax, draw in zip(axes, draws, strict=True):
            drawn_before = sum(a.has_data() for a in fig.findobj(plt.Axes))
            assert draw(ax=ax) is fig  # into the given figure, not a new one
            assert sum(a.has_data() for a in fig.findobj(plt.Axes)) > drawn_before
    finally:
        plt.close(fig)


def test_compare_gives_the_cli_table(tmp_path):
    both = sim.compare([BASELINE, TRUCE], runs=300, seed=4)
    out = tmp_path / "cli"
    assert (
        main(
            [
                "compare",
                BASELINE,
                TRUCE,
                "--runs",
                "300",
                "--seed",
                "4",
                "--jobs",
                "1",
                "--no-plots",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert both.summary == json.loads((out / "compare.json").read_text())
    counts = both.replicates.groupby("scenario")["outcome"].value_counts()
    assert counts["energy_truce"].sum() == 300
    frame = both.replicates
    for row in both.summary["rows"]:
        for label, o in row["outcomes"].items():
            if ":" in label:  # an event by a report date: its 0/1 column
                mine = frame[frame["scenario"] == row["scenario"]]
                assert mine[label.replace(":", ".", 1)].sum() == o["count"]
            else:
                assert counts[row["scenario"]].get(label, 0) == o["count"]


def test_sweep_frame_has_every_point_and_replicate():
    swept = sim.sweep(BASELINE, {"actors.russia.patience": [0.9, 0.99]}, runs=50, seed=3)
    df = swept.replicates
    assert len(df) == 100
    rows = [r for r in swept.summary["rows"] if r["outcome"] == "settlement"]
    for row in rows:
        point = df[df["actors.russia.patience"] == row["actors.russia.patience"]]
        assert int((point["outcome"] == "settlement").sum()) == row["count"]


def test_trace_rounds_end_where_the_replicate_ends():
    one = sim.trace(BASELINE, replicate=3, seed=5)
    rounds = one.rounds
    assert list(rounds["round"]) == list(range(1, len(rounds) + 1))
    assert one.summary["end_round"] == len(rounds)
    agreed = bool(rounds["agreed"].iloc[-1])
    assert agreed == (one.summary["outcome"] == "settlement")


def test_trace_rejects_a_negative_replicate():
    with pytest.raises(NegsimError, match="--replicate"):
        sim.trace(BASELINE, replicate=-1)


def test_all_lists_the_api():
    for name in ("load", "run", "compare", "sweep", "sensitivity", "discover", "trace"):
        assert name in sim.__all__
        assert callable(getattr(sim, name))
    with pytest.raises(AttributeError):
        sim.no_such_function  # noqa: B018


def test_import_sim_loads_no_heavy_module():
    code = (
        "import sys, sim; heavy = [m for m in ('numpy', 'mesa', 'pandas', 'matplotlib', "
        "'scipy') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == ""


def test_docs_api_examples(monkeypatch):
    """The examples of docs/api.md, run as doctests (code fences read as blank lines, so
    that an example's expected output ends at its fence)."""
    monkeypatch.chdir(ROOT)
    path = ROOT / "docs" / "api.md"
    text = re.sub(r"^```.*$", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    test = doctest.DocTestParser().get_doctest(text, {}, "api.md", str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10
    assert result.failed == 0


def test_sensitivity_and_discover_give_the_cli_files(tmp_path):
    import matplotlib.pyplot as plt

    sens = sim.sensitivity(BASELINE, "morris", 2, 4, 5, outcome="stalemate")
    cli = tmp_path / "sens"
    assert (
        main(
            [
                "sensitivity",
                BASELINE,
                "--method",
                "morris",
                "--n",
                "2",
                "--runs",
                "4",
                "--seed",
                "5",
                "--outcome",
                "stalemate",
                "--jobs",
                "1",
                "--quiet",
                "--out",
                str(cli),
            ]
        )
        == 0
    )
    assert sens.summary == json.loads((cli / "sensitivity.json").read_text())
    saved = sens.save(tmp_path / "sens_api")
    assert (saved / "design.csv").read_text() == (cli / "design.csv").read_text()
    assert len(sens.replicates) == sens.design.evaluations
    assert sorted(sens.indices["parameter"]) == sorted(sens.problem.names)

    found = sim.discover(BASELINE, "breakdown", 1500, 5)
    cli = tmp_path / "disc"
    assert (
        main(
            [
                "discover",
                BASELINE,
                "--outcome",
                "breakdown",
                "--runs",
                "1500",
                "--seed",
                "5",
                "--jobs",
                "1",
                "--quiet",
                "--out",
                str(cli),
            ]
        )
        == 0
    )
    assert found.summary == json.loads((cli / "discovery.json").read_text())
    assert int((found.replicates["outcome"] == "breakdown").sum()) == int(found.y.sum())
    fig, ax = plt.subplots()
    try:
        assert found.plot(ax=ax) is fig
    finally:
        plt.close(fig)
