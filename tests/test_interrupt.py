"""Ctrl-C stops a run cleanly: exit 130, one line on stderr, no traceback, no files.

A real ``python -m sim run`` is started in a session of its own; once it is writing
replicates (its staging folder holds a non-empty ``.replicates.csv.tmp``), SIGINT goes to
the whole process group, as a terminal's Ctrl-C does (worker processes included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
RUNS = "400000"  # tens of seconds of work: still running when interrupted
STARTUP_LIMIT = 120  # seconds to wait for the run to start writing (a guard, not a timing)

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")


def all_entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def interrupt_run(out: Path, *extra: str, early: bool = False) -> subprocess.CompletedProcess:
    """Start a run writing to ``out``, SIGINT its process group once it is writing
    replicates (``early``: as soon as its staging folder exists, while its workers are
    starting), and return how it ended."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            BASELINE,
            "--runs",
            RUNS,
            "--no-plots",
            "--out",
            str(out),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        staging = out.parent / f".{out.name}.partial-{proc.pid}"
        partial = staging / ".replicates.csv.tmp"
        deadline = time.monotonic() + STARTUP_LIMIT
        while not (staging.is_dir() if early else partial.is_file() and partial.stat().st_size):
            if proc.poll() is not None or time.monotonic() > deadline:
                stdout, stderr = proc.communicate()
                pytest.fail(f"the run never started writing (exit {proc.returncode}): {stderr}")
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=STARTUP_LIMIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def assert_clean_interrupt(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == ["negsim: interrupted; nothing was saved"]
    assert proc.stdout == ""


def test_ctrl_c_on_two_workers_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    assert_clean_interrupt(interrupt_run(out, "--jobs", "2"))
    assert all_entries(tmp_path) == []  # no out folder, no staging folder, no temporary file


def test_ctrl_c_while_workers_start_leaves_nothing(tmp_path):
    """Worker processes that are still importing must not die with tracebacks."""
    out = tmp_path / "out"
    assert_clean_interrupt(interrupt_run(out, "--jobs", "2", early=True))
    assert all_entries(tmp_path) == []


def test_ctrl_c_in_one_process_leaves_a_forced_folder_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert_clean_interrupt(interrupt_run(out, "--jobs", "1", "--force"))
    assert all_entries(tmp_path) == ["out", "out/notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.distributed
def test_ctrl_c_on_a_local_dask_cluster_leaves_nothing(tmp_path):
    """The cluster's worker processes get the Ctrl-C too; they must not print tracebacks
    (nor dask's warnings about the tasks cancelled)."""
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    assert_clean_interrupt(interrupt_run(out, "--executor", "dask", "--jobs", "2"))
    assert all_entries(tmp_path) == []
