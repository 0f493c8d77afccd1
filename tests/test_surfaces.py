"""Where analysts meet negsim: every command's folder gets report.html and can be redrawn
by ``negsim plot``; ``--json`` and ``--quiet`` for scripts; folders that say what was
overridden; ``validate`` listing every error; the caveats sensitivity prints; a progress
bar only on a terminal; a compare table within 100 columns."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from sim.cli import build_parser, main
from sim.commands.common import folder_name

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
MINIMAL = str(ROOT / "tests" / "data" / "valid" / "minimal.yaml")
QUICK = ["--jobs", "1", "--seed", "3"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A folder of every kind, made through the command line with --json."""
    base = tmp_path_factory.mktemp("kinds")
    commands = {
        "run": ["run", MINIMAL, "--runs", "40"],
        "compare": ["compare", MINIMAL, BASELINE, "--runs", "30"],
        "sweep": ["sweep", MINIMAL, "--param", "rounds", "--values", "4,8", "--runs", "30"],
        "grid": [
            "sweep", MINIMAL, "--param", "rounds", "--values", "4,8",
            "--param", "round_days", "--values", "7,14", "--runs", "20",
        ],
        "sensitivity": [
            "sensitivity", BASELINE, "--method", "morris", "--n", "2", "--runs", "8",
            "--outcome", "breakdown",
        ],
        "discover": ["discover", BASELINE, "--runs", "2000", "--outcome", "breakdown"],
    }  # fmt: skip
    printed = {}
    for kind, argv in commands.items():
        out = base / kind
        code = main([*argv, *QUICK, "--json", "--out", str(out)])
        assert code == 0, kind
        printed[kind] = out
    return base, printed


def test_json_is_one_object_on_stdout_with_the_folder_and_summary(tmp_path, capsys):
    for argv, summary_file in (
        (["run", MINIMAL, "--runs", "20"], "summary.json"),
        (["sweep", MINIMAL, "--param", "rounds", "--values", "4", "--runs", "10"], None),
        (["compare", MINIMAL, MINIMAL, "--runs", "10"], "compare.json"),
    ):
        out = tmp_path / argv[0]
        assert main([*argv, *QUICK, "--json", "--out", str(out)]) == 0
        captured = capsys.readouterr()
        data = json.loads(captured.out)  # nothing but the JSON on stdout
        assert data["results"] == str(out)
        if summary_file:
            assert data["summary"] == json.loads((out / summary_file).read_text())
        else:
            assert data["summary"]["axes"] == {"rounds": [4.0]}


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "grid", "sensitivity", "discover"])
def test_every_command_writes_a_report_and_plot_redraws_its_figures(folders, kind, capsys):
    _, printed = folders
    folder = printed[kind]
    report = folder / "report.html"
    assert report.is_file()
    drawn = sorted(p.name for p in (folder / "plots").glob("*.png"))
    assert drawn, "the command drew its figures"
    for name in drawn:
        assert (
            f'alt="{Path(name).stem}"' in report.read_text()
            or Path(name).stem in report.read_text()
        )
    report.unlink()
    capsys.readouterr()
    assert main(["plot", str(folder), "--format", "svg", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"] == str(report) and report.is_file()
    redrawn = sorted(Path(p).name for p in out["figures"])
    assert redrawn == sorted(n.replace(".png", ".svg") for n in drawn)
    for name in redrawn:
        assert (folder / "plots" / name).read_text().lstrip().startswith("<?xml")
    # the page shows each figure once, as redrawn (the PNGs are still in plots/)
    page = report.read_text()
    assert '<img src="data:image/png' not in page
    assert page.count("<figure") == len(redrawn)


def test_the_prim_figure_draws_the_box_against_the_sampled_ranges(folders):
    _, printed = folders
    data = json.loads((printed["discover"] / "discovery.json").read_text())
    restricted = {r["parameter"] for b in data["boxes"] for r in b["restrictions"]}
    assert restricted <= set(data["sampled_ranges"])  # every restricted one has its range
    for low, high in data["sampled_ranges"].values():
        assert low <= high


def test_sensitivity_prints_the_caveats_its_figure_flags():
    import sim

    sens = sim.sensitivity(BASELINE, "morris", 2, 8, 3, outcome="breakdown")
    caveats = sens.result.plot_data().caveats
    assert caveats, "a tiny Morris design leaves mu* = 0 for many parameters"
    for caveat in caveats:
        assert f"Caution: {caveat}" in sens.text


def test_sweep_curve_is_labelled_in_words():
    import sim

    sweep = sim.sweep(MINIMAL, {"actors.russia.patience": [0.9, 0.99]}, runs=10, seed=1)
    assert sweep.labels["actors.russia.patience"] != "actors.russia.patience"
    fig = sweep.plot()
    assert (
        sweep.labels["actors.russia.patience"]
        in " ".join(t.get_text() for a in fig.axes for t in (a.xaxis.label, a.title))
        + fig.get_suptitle()
        if hasattr(fig, "get_suptitle")
        else ""
    )


# ---- folders that name what was overridden -------------------------------------------------


def test_folder_name_marks_overrides_and_copies(tmp_path):
    copy = tmp_path / "my_copy.yaml"
    copy.write_text("name: baseline\n")
    assert folder_name("baseline", BASELINE, []) == "baseline"
    assert folder_name("baseline", copy, []) == "baseline+my_copy"
    marked = folder_name("baseline", BASELINE, ["rounds=10"])
    assert re.fullmatch(r"baseline\+set-[0-9a-f]{8}", marked)
    assert folder_name("baseline", BASELINE, ["rounds=11"]) != marked
    assert folder_name("baseline", BASELINE, ["rounds=10"]) == marked  # reproducible
    assert folder_name("compare", None, []) == "compare"


def test_a_set_run_and_a_copy_never_land_in_the_plain_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "my_copy.yaml"
    copy.write_text(f"extends: {json.dumps(MINIMAL)}\nname: minimal\n")
    quiet = [*QUICK, "--runs", "10", "--no-plots", "--quiet"]
    assert main(["run", MINIMAL, *quiet]) == 0
    assert main(["run", MINIMAL, *quiet, "--set", "rounds=4"]) == 0
    assert main(["run", str(copy), *quiet]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 3  # --quiet: one line each, the folder
    plain, overridden, copied = (Path(p) for p in printed)
    assert plain.parent.name == "minimal"
    assert re.fullmatch(r"minimal\+set-[0-9a-f]{8}", overridden.parent.name)
    assert copied.parent.name == "minimal+my_copy"
    manifest = json.loads((overridden / "manifest.json").read_text())
    assert manifest["overrides"] == ["rounds=4"]


# ---- validate lists every error ------------------------------------------------------------

MANY_ERRORS = """\
name: many
rounds: 0
issues:
  a: {zero: low, one: high, bogus: 1}
  b: {zero: low, one: high}
actors:
  p: {role: party, patience: 2, ideal: {a: 0, b: 0}, salience: {a: 0.5, b: 0.5}}
  q: {role: party, ideal: {a: 1, b: 1}, salience: {a: 0.5, b: 0.5}}
colour: red
"""


def test_validate_reports_every_error_of_a_file(tmp_path, capsys):
    path = tmp_path / "many.yaml"
    path.write_text(MANY_ERRORS)
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"{path}:2:9: rounds: must be >= 1 (got 0)",
        f"{path}:4:29: issues.a.bogus: unknown key; allowed: zero, one, under_war",
        f"{path}:7:30: actors.p.patience: must be in (0, 1] (got 2)",
        f"{path}:9:1: colour: unknown key; allowed: extends, name, description, rounds, "
        "round_days, runs, seed, loss, issues, actors, world, events, protocol, start_date, "
        "report_dates, agreements, readings, sample",
    ]
    assert main(["validate", str(path), BASELINE, "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == [
        {"file": str(path), "ok": False, "errors": lines},
        {"file": BASELINE, "ok": True, "errors": []},
    ]
    # the other commands print the first error only, one line
    assert main(["run", str(path), "--runs", "5"]) == 2
    assert capsys.readouterr().err.splitlines() == lines[:1]


def test_validate_still_gives_one_line_for_a_file_with_one_error(tmp_path, capsys):
    path = tmp_path / "one.yaml"
    fixed = {
        "rounds: 0": "rounds: 3",
        ", bogus: 1": "",
        "patience: 2, ": "",
        "colour: red\n": "protocol: {first_proposer: p}\n",
    }
    text = MANY_ERRORS
    for wrong, right in fixed.items():
        text = text.replace(wrong, right)
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    path.write_text(path.read_text().replace("rounds: 3", "rounds: -1"))
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{path}:2:9: rounds: must be >= 1 (got -1)"]


# ---- printing ------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert not sys.stderr.isatty()
    assert main(["run", MINIMAL, "--runs", "50", *QUICK, "--out", str(tmp_path / "r")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.rstrip().endswith(f"results written to {tmp_path / 'r'}/")


def test_compare_table_fits_100_columns_with_ten_long_names():
    from sim.comparison import format_compare
    from sim.outcomes import OUTCOME_LABELS

    def outcome(p):
        return {"p": p, "ci95": [p / 2, min(1, p * 2)], "count": 1, "diff": -p,
                "diff_ci95": [-1.0, 1.0]}  # fmt: skip

    names = [f"scenario_with_a_rather_long_name_{i}" for i in range(10)]
    table = {
        "baseline": names[0],
        "rows": [{"scenario": n, "outcomes": {c: outcome(1.0) for c in OUTCOME_LABELS}}
                 for n in names],
    }  # fmt: skip
    text = format_compare(table)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert all(n in text for n in names)


def test_help_texts_say_replicates_for_runs():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            if "--runs" in action.option_strings:
                assert "replicates" in action.help, name
