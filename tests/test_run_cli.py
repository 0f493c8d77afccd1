"""``negsim run``: the options, the files a run writes and where it writes them.

The command runs in-process through :func:`sim.cli.main` (fast); the one test about the
exit code and stderr of a refused ``--out`` runs ``python -m sim`` in a subprocess, as a
user would. Runs are small (a few thousand replicates of the baseline).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import io
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import sim.model
from sim.cli import main
from sim.ensemble import Chunk, run_chunk
from sim.io import default_run_dir
from sim.loader import load_scenario
from sim.outcomes import OUTCOME_LABELS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
QUICK = ["--jobs", "1", "--no-plots"]
FILES = {"summary.json", "replicates.csv", "scenario.yaml", "manifest.json", "report.html"}
try:  # with the parquet extra, a run also writes replicates.parquet
    import pyarrow  # noqa: F401

    FILES.add("replicates.parquet")
except ImportError:
    pass


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    return list(reader.fieldnames or []), rows


def all_entries(folder: Path) -> list[str]:
    """Every file and folder below ``folder`` (hidden ones included), relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def run3000(tmp_path_factory):
    """One run of the baseline: 3,000 replicates, seed 11, with what it printed."""
    out = tmp_path_factory.mktemp("run") / "out"
    argv = ["run", BASELINE, "--runs", "3000", "--seed", "11", *QUICK, "--out", str(out)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return {
        "code": code,
        "out": out,
        "argv": argv,
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
    }


def test_run_writes_exactly_the_four_files(run3000):
    assert run3000["code"] == 0
    out = run3000["out"]
    assert all_entries(out) == sorted(FILES)  # no plots (--no-plots), no temporary files
    # nothing left beside the folder either (the staging folder is gone)
    assert all_entries(out.parent) == ["out", *(f"out/{f}" for f in sorted(FILES))]


def test_summary_adds_up(run3000):
    s = json.loads((run3000["out"] / "summary.json").read_text())
    assert s["runs"] == 3000
    assert s["seed"] == 11
    assert list(s["outcomes"]) == list(OUTCOME_LABELS)
    assert sum(o["count"] for o in s["outcomes"].values()) == 3000
    assert sum(o["p"] for o in s["outcomes"].values()) == pytest.approx(1.0, abs=1e-12)
    for label, o in s["outcomes"].items():
        lo, hi = o["ci95"]
        assert o["p"] == o["count"] / 3000, label
        assert 0.0 <= lo <= o["p"] <= hi <= 1.0, label
        assert hi - lo > 0, label  # a real interval, not a point


def test_summary_matches_replicates_csv(run3000):
    """The summary is computed from the same replicates that replicates.csv holds."""
    s = json.loads((run3000["out"] / "summary.json").read_text())
    header, rows = read_csv(run3000["out"] / "replicates.csv")
    assert len(rows) == 3000
    assert [int(r["replicate"]) for r in rows] == list(range(3000))
    for label, o in s["outcomes"].items():
        assert sum(r["outcome"] == label for r in rows) == o["count"], label
    agreed = [r for r in rows if r["outcome"] == "settlement"]
    assert len(agreed) == s["time_to_agreement"]["agreements"]
    assert set(s["terms"]) == set(s["issues"])
    # the staged baseline may give no settlement at all: then no agreed terms are reported
    for issue, t in s["terms"].items():
        values = [float(r[f"terms.{issue}"]) for r in agreed]
        if not values:
            assert t["mean"] is None, issue
            continue
        assert t["mean"] == pytest.approx(sum(values) / len(values), rel=1e-8, abs=1e-9), issue


def test_replicates_csv_has_every_drawn_parameter(run3000):
    header, rows = read_csv(run3000["out"] / "replicates.csv")
    scenario = load_scenario(BASELINE, [])
    params = {c.removeprefix("param.") for c in header if c.startswith("param.")}
    drawn = set(scenario.uncertain_parameters())
    for reading in scenario.readings:  # a reading may draw what the file fixes
        drawn |= set(reading.scenario.uncertain_parameters())
    assert params == drawn | ({"reading"} if scenario.readings else set())
    assert params, "the baseline has uncertain parameters"
    for name in params:
        values = {r[f"param.{name}"] for r in rows}
        assert "" not in values and "nan" not in values, name


def test_scenario_yaml_is_the_resolved_scenario(run3000):
    original = load_scenario(BASELINE, [])
    written = load_scenario(str(run3000["out"] / "scenario.yaml"), [])
    assert written.name == original.name
    assert written.parameters() == original.parameters()
    assert "extends" not in (run3000["out"] / "scenario.yaml").read_text()


def test_manifest_records_how_the_run_was_made(run3000):
    m = json.loads((run3000["out"] / "manifest.json").read_text())
    assert m["command"] == "run"
    assert m["argv"] == ["negsim", *run3000["argv"]]  # the command line, not pytest's
    assert (m["seed"], m["runs"], m["jobs"], m["executor"]) == (11, 3000, 1, "local")
    sha = hashlib.sha256(Path(BASELINE).read_bytes()).hexdigest()
    assert [f["sha256"] for f in m["scenario_files"]] == [sha]
    for lib in ("negsim", "numpy", "mesa", "python"):
        assert m["versions"][lib] and m["versions"][lib] != "not installed", lib
    started, finished = (
        dt.datetime.fromisoformat(m[k].replace("Z", "+00:00")) for k in ("started", "finished")
    )
    assert started <= finished


def test_run_prints_the_summary_and_where_it_went(run3000):
    assert "settlement" in run3000["stdout"]
    assert f"results written to {run3000['out']}/" in run3000["stdout"]
    assert run3000["stderr"] == ""  # stderr is not a terminal: no progress bar


def test_quiet_prints_only_the_results_folder(tmp_path, capsys):
    out = tmp_path / "q"
    assert main(["run", BASELINE, "--runs", "200", *QUICK, "--quiet", "--out", str(out)]) == 0
    assert capsys.readouterr() == (f"{out}\n", "")
    assert {p.name for p in out.iterdir()} == FILES


def test_a_single_replicate_has_no_standard_errors(tmp_path, capsys):
    """One replicate: every standard error is undefined, stored as null in summary.json and
    printed as n/a, and the run succeeds (it used to stop on a NaN the JSON writer refused)."""
    out = tmp_path / "one"
    assert main(["run", BASELINE, "--runs", "1", "--seed", "1", *QUICK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    s = json.loads((out / "summary.json").read_text())
    assert s["staged"]["ceasefires_mean"]["se"] is None
    assert all(u["se"] is None for u in s["utilities"].values())
    assert "(se n/a)" in printed


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_on_a_terminal_unless_quiet(tmp_path, monkeypatch, capsys, quiet):
    """A run of any size draws a tqdm bar on a terminal's stderr, which then times the
    writing of the files and figures."""
    fake = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", fake)
    argv = ["run", BASELINE, "--runs", "200", *QUICK, "--out", str(tmp_path / "p")]
    assert main(argv + (["--quiet"] if quiet else [])) == 0
    if quiet:
        assert fake.getvalue() == ""
    else:
        assert "/200" in fake.getvalue() and "rep" in fake.getvalue()
        assert "writing files, figures and report.html" in fake.getvalue()
    capsys.readouterr()


def test_defaults_come_from_the_scenario(tmp_path, capsys):
    """Without --runs, --seed and --jobs: the scenario's runs and seed, and all cores."""
    scenario = load_scenario(BASELINE, [])
    out = tmp_path / "d"
    assert main(["run", BASELINE, "--no-plots", "--quiet", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    m = json.loads((out / "manifest.json").read_text())
    assert (s["runs"], s["seed"]) == (scenario.runs, scenario.seed)
    assert (m["runs"], m["seed"], m["jobs"]) == (scenario.runs, scenario.seed, os.cpu_count())


def test_set_overrides_reach_the_run(tmp_path, capsys):
    """--set (repeatable) changes the scenario that runs and is recorded."""
    out = tmp_path / "s"
    sets = ["actors.russia.patience=0.995", "rounds=13"]
    argv = ["run", BASELINE, "--runs", "300", *QUICK, "--quiet", "--out", str(out)]
    for s in sets:
        argv += ["--set", s]
    assert main(argv) == 0
    written = load_scenario(str(out / "scenario.yaml"), [])
    assert written.rounds == 13
    assert written.parameters()["actors.russia.patience"] == 0.995
    header, _ = read_csv(out / "replicates.csv")
    assert "param.actors.russia.patience" not in header  # no longer drawn
    assert json.loads((out / "summary.json").read_text())["rounds"] == 13
    assert json.loads((out / "manifest.json").read_text())["overrides"] == sets


def test_default_folder_is_new_for_every_run(tmp_path, monkeypatch, capsys):
    """results/<scenario>/<run-id>/ under the working folder; a second run with the same
    seed goes to a new folder and leaves the first as it was."""
    monkeypatch.chdir(tmp_path)
    argv = ["run", BASELINE, "--runs", "100", "--seed", "3", *QUICK, "--quiet"]
    assert main(argv) == 0
    (first,) = (tmp_path / "results" / "baseline").iterdir()
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    assert set(before) == FILES
    assert main(argv) == 0
    runs = sorted((tmp_path / "results" / "baseline").iterdir())
    assert len(runs) == 2
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    (second,) = [p for p in runs if p != first]
    assert {p.name for p in second.iterdir()} == FILES
    assert all_entries(tmp_path / "results") == sorted(
        ["baseline"]
        + [f"baseline/{r.name}" for r in runs]
        + [f"baseline/{r.name}/{f}" for r in runs for f in FILES]
    )


def test_out_refuses_a_non_empty_folder(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = ["run", BASELINE, "--runs", "100", *QUICK, "--quiet", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err
    assert all_entries(tmp_path) == ["busy", "busy/notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"
    # --force replaces only a previous negsim result, never the user's own folder
    assert main(argv + ["--force"]) == 2
    assert "not one" in capsys.readouterr().err
    assert all_entries(tmp_path) == ["busy", "busy/notes.txt"]


def test_out_accepts_an_empty_folder(tmp_path, capsys):
    out = tmp_path / "empty"
    out.mkdir()
    assert main(["run", BASELINE, "--runs", "100", *QUICK, "--quiet", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == FILES


def test_out_refuses_a_file(tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("x")
    assert main(["run", BASELINE, "--runs", "100", *QUICK, "--quiet", "--out", str(out)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert out.read_text() == "x"


def test_scheduler_needs_the_dask_executor(tmp_path, capsys):
    argv = [
        "run",
        BASELINE,
        "--runs",
        "100",
        *QUICK,
        "--scheduler",
        "tcp://127.0.0.1:8786",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    assert "--executor dask" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_refused_out_from_the_shell(tmp_path):
    """As a user sees it: exit code 2 and one line on stderr, no traceback."""
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", BASELINE, "--runs", "100", *QUICK, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "not empty" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert all_entries(tmp_path) == ["busy", "busy/notes.txt"]


def test_a_finished_chunk_frees_its_model(monkeypatch):
    """Chunks stream: a chunk's model (its arrays: tens of MB) is freed when the chunk is
    done, without waiting for the garbage collector. Mesa 3.3 keeps every model in
    ``Agent._ids``; a million replicates then held 5 GiB."""
    refs = []

    class Recorded(sim.model.NegotiationModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            refs.append(weakref.ref(self))

    monkeypatch.setattr(sim.model, "NegotiationModel", Recorded)
    scenario = load_scenario(BASELINE, [])
    gc.collect()
    gc.disable()
    try:
        out = run_chunk(scenario, 1, Chunk(0, 0, 50))
        # one model per reading of the source the chunk's replicates drew, each freed
        assert 1 <= len(refs) <= max(1, len(scenario.readings))
        assert all(ref() is None for ref in refs)
    finally:
        gc.enable()
    assert len(out.result) == 50 and np.all(out.result.replicate == np.arange(50))


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path):
    """The run folder is claimed when it is chosen, so a second run that starts before the
    first has finished (a script launching several at once) cannot take the same name."""
    first = default_run_dir(tmp_path, "baseline", 3)
    second = default_run_dir(tmp_path, "baseline", 3)
    assert first != second
    assert not first.exists() and not second.exists()  # claimed, published whole later
    assert second.name.startswith(first.name.split("-")[0])


def test_an_interrupted_run_leaves_no_run_folder(tmp_path, monkeypatch, capsys):
    """Ctrl-C (here raised in-process, in the middle of simulating) under results/."""
    import sim.runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.runner, "run_replicates", interrupted)
    assert main(["run", BASELINE, "--runs", "100", *QUICK]) == 130
    assert capsys.readouterr().err == "negsim: interrupted; nothing was saved\n"
    assert all_entries(tmp_path) in ([], ["results"], ["results", "results/baseline"])
