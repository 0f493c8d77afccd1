"""Stop signals end a run cleanly: Ctrl-C (SIGINT, any number of times) exits 130,
SIGTERM 143, SIGHUP 129; one line on stderr, no traceback, no files, no workers left.

A real ``python -m sim run`` is started in a session of its own; while its workers start
(its staging folder exists) or once it is writing replicates (the staging folder holds a
non-empty ``.replicates.csv.tmp``), the signal goes to the whole process group, as a
terminal's Ctrl-C or a closed terminal's SIGHUP does (worker processes included), or to
the main process alone, as ``kill`` or a service manager's SIGTERM does.
"""

from __future__ import annotations

import contextlib
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

#: ``python -m sim`` as a terminal's foreground job starts it: with Ctrl-C's default action.
#: A job started in the background of a non-interactive shell (``cmd &``, as scripts and
#: some CI runners start the suite) inherits SIGINT ignored, and Python then never turns
#: Ctrl-C into KeyboardInterrupt; so the run resets it before it starts.
SIM = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'sim', *sys.argv[1:]])",
]


def all_entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def survivors(session: int) -> list[int]:
    """Processes still alive in the run's session (its workers, once it has exited)."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry)) == session:
                    found.append(int(entry))
    return found


def interrupt_run(
    out: Path,
    *extra: str,
    early: bool = False,
    sig: int = signal.SIGINT,
    times: int = 1,
    group: bool = True,
) -> subprocess.CompletedProcess:
    """Start a run writing to ``out``, send ``sig`` (``times`` times, a little apart) to
    its process group (``group``) or to its main process, once it is writing replicates
    (``early``: as soon as its staging folder exists, while its workers are starting),
    and return how it ended. No process of the run may outlive it."""
    proc = subprocess.Popen(
        [
            *SIM,
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
            time.sleep(0.02)
        for i in range(times):
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(proc.pid, sig)
                else:
                    os.kill(proc.pid, sig)
            if i + 1 < times:
                time.sleep(0.2)
        stdout, stderr = proc.communicate(timeout=STARTUP_LIMIT)
        deadline = time.monotonic() + 10  # workers killed by the run are reaped by init
        while survivors(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert survivors(proc.pid) == [], "worker processes outlived the run"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def assert_clean_interrupt(proc: subprocess.CompletedProcess, sig: int = signal.SIGINT) -> None:
    assert proc.returncode == 128 + sig, proc.stderr
    assert "Traceback" not in proc.stderr
    expected = (
        "negsim: interrupted; nothing was saved"
        if sig == signal.SIGINT
        else f"negsim: stopped by {signal.Signals(sig).name}; nothing was saved"
    )
    assert proc.stderr.splitlines() == [expected]
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
    """--force replaces a previous result only when the new one is complete."""
    out = tmp_path / "out"
    previous = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            BASELINE,
            "--runs",
            "50",
            "--no-plots",
            "--quiet",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert previous.returncode == 0, previous.stderr
    before = {p: p.read_bytes() for p in out.iterdir()}
    assert_clean_interrupt(interrupt_run(out, "--jobs", "1", "--force"))
    assert {p: p.read_bytes() for p in out.iterdir()} == before
    assert all_entries(tmp_path) == ["out", *(f"out/{p.name}" for p in sorted(before))]


@pytest.mark.distributed
def test_ctrl_c_on_a_local_dask_cluster_leaves_nothing(tmp_path):
    """The cluster's worker processes get the Ctrl-C too; they must not print tracebacks
    (nor dask's warnings about the tasks cancelled)."""
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    assert_clean_interrupt(interrupt_run(out, "--executor", "dask", "--jobs", "2"))
    assert all_entries(tmp_path) == []


STOPS = [
    pytest.param(signal.SIGINT, 3, True, id="ctrl-c-three-times"),
    pytest.param(signal.SIGTERM, 1, False, id="sigterm-main-process"),
    pytest.param(signal.SIGHUP, 1, True, id="sighup-closed-terminal"),
]


@pytest.mark.parametrize("sig, times, group", STOPS)
def test_stop_signals_while_writing_leave_nothing(tmp_path, sig, times, group):
    out = tmp_path / "out"
    assert_clean_interrupt(
        interrupt_run(out, "--jobs", "2", sig=sig, times=times, group=group), sig
    )
    assert all_entries(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig, times, group", STOPS)
def test_stop_signals_while_workers_start_leave_nothing(tmp_path, sig, times, group):
    out = tmp_path / "out"
    assert_clean_interrupt(
        interrupt_run(out, "--jobs", "2", early=True, sig=sig, times=times, group=group), sig
    )
    assert all_entries(tmp_path) == []


@pytest.mark.slow
def test_sigterm_under_results_removes_the_folders_it_made(tmp_path):
    """The default destination: results/<scenario>/ did not exist, and must not after."""
    proc = subprocess.Popen(
        [*SIM, "run", BASELINE, "--runs", RUNS, "--no-plots", "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while not list(tmp_path.glob("results/baseline/.*.partial-*/.replicates.csv.tmp")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=STARTUP_LIMIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 143
    assert all_entries(tmp_path) == []


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_stop_signals_on_a_local_dask_cluster_leave_nothing(tmp_path, sig):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    assert_clean_interrupt(
        interrupt_run(out, "--executor", "dask", "--jobs", "2", sig=sig, times=2), sig
    )
    assert all_entries(tmp_path) == []
