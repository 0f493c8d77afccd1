"""Results that cannot escape, collide or half-exist; errors that are one line.

The promises of docs/promises.md about results folders (one atomic act, a lock, names
that stay inside results/, --force only over a previous result, no links followed), the
top-level guard of the command line, and the limits on option values and run sizes.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import io, limits
from sim.cli import main
from sim.errors import NegsimError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
QUICK = ["--runs", "50", "--jobs", "1", "--no-plots", "--quiet"]


def all_entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def negsim(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        check=False,
    )


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ---- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, folder",
    [
        ("baseline", "baseline"),
        ("../../outside_results", "outside_results"),
        ("/etc/passwd", "etc-passwd"),
        ("a/b\\c", "a-b-c"),
        ("line\nbreak\x00nul\x1b[31m", "line_break_nul__31m"),
        (".hidden", "hidden"),
        ("-rf", "rf"),
        ("Ceasefire talks 2025", "Ceasefire_talks_2025"),
    ],
)
def test_scenario_names_become_one_safe_folder_name(name, folder):
    assert io.safe_name(name) == folder


@pytest.mark.parametrize("name", ["", ".", "..", "../..", "/", "\n", "...."])
def test_names_with_nothing_usable_are_refused(name):
    with pytest.raises(NegsimError, match="no usable folder name"):
        io.safe_name(name)


@given(st.text(max_size=120))
def test_a_safe_name_is_one_visible_component(name):
    try:
        safe = io.safe_name(name)
    except NegsimError:
        return
    assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
    assert not safe.startswith((".", "-"))
    assert all(ch.isprintable() and not ch.isspace() for ch in safe)
    assert len(safe) <= io.MAX_NAME_CHARS


def test_a_scenario_name_never_writes_outside_results(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    scenario = work / "esc.yaml"
    text = Path(BASELINE).read_text(encoding="utf-8")
    lines = [
        "name: ../../outside_results" if line.startswith("name:") else line
        for line in text.splitlines()
    ]
    scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "seeds", work / "seeds")
    monkeypatch.chdir(work)
    # the loader refuses the name (names follow one rule); were it let through, the
    # folder name would be made safe by io.safe_name (tested below)
    assert main(["run", str(scenario), *QUICK]) == 2
    assert not (tmp_path / "outside_results").exists()
    assert not (work / "results").exists()


# ---- one atomic act ------------------------------------------------------------------


def test_the_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with io.staged_output(target) as staging:
        (staging / "one.txt").write_text("1")
        assert not target.exists()  # never filled in place
        assert staging.parent == target.parent
    assert all_entries(target) == ["one.txt"]
    assert all_entries(tmp_path) == ["a", "a/b", "a/b/out", "a/b/out/one.txt"]


def test_a_failed_run_leaves_nothing_not_even_the_folders_it_made(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with pytest.raises(RuntimeError), io.staged_output(target) as staging:
        (staging / "one.txt").write_text("1")
        raise RuntimeError("boom")
    assert all_entries(tmp_path) == []


def test_a_default_run_folder_is_claimed_not_created(tmp_path):
    first = io.default_run_dir(tmp_path / "results", "../x", 1)
    second = io.default_run_dir(tmp_path / "results", "../x", 1)
    assert first != second and first.parent == second.parent == tmp_path / "results" / "x"
    assert not first.exists() and not second.exists()
    for target in (first, second):
        with io.staged_output(target) as staging:
            (staging / "f").write_text("x")
    assert all_entries(tmp_path / "results") == sorted(
        ["x", f"x/{first.name}", f"x/{first.name}/f", f"x/{second.name}", f"x/{second.name}/f"]
    )


def test_a_second_writer_of_one_folder_fails_at_once(tmp_path):
    target = tmp_path / "out"
    with io.staged_output(target) as staging:
        (staging / "first.txt").write_text("first")
        with pytest.raises(NegsimError, match="another negsim run is writing"):
            with io.staged_output(target):
                pass
    assert all_entries(tmp_path) == ["out", "out/first.txt"]


def test_two_processes_on_one_out_never_both_succeed(tmp_path, capsys):
    """A process holding the lock (a run in progress): the second run fails in one line."""
    out = tmp_path / "same"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from sim import io
                with io.staged_output({str(out)!r}) as staging:
                    print("holding", flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        assert main(["run", BASELINE, *QUICK, "--out", str(out)]) == 2
        line = one_line_error(capsys.readouterr().err)
        assert "another negsim run is writing" in line
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert all_entries(tmp_path) == ["same"]  # the holder's (empty) result, nothing mixed


def test_stale_staging_of_a_killed_run_is_cleaned_by_the_next(tmp_path):
    out = tmp_path / "out"
    staging = tmp_path / ".out.partial-999999"
    staging.mkdir()
    (staging / "replicates.csv").write_text("half")
    (tmp_path / ".out.negsim-lock").write_text("")  # nobody holds it
    orphan = tmp_path / ".other.partial-999998"  # a staging folder without a lock
    orphan.mkdir()
    with io.staged_output(out) as new:
        (new / "f").write_text("x")
    assert all_entries(tmp_path) == ["out", "out/f"]


def test_a_killed_run_is_cleaned_with_a_real_kill(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from sim import io\nimport os\nwith io.staged_output({str(out)!r}) as s:\n"
            "    (s / 'half').write_text('x')\n    os._exit(9)\n",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.wait(60) == 9
    assert any(".partial-" in p for p in all_entries(tmp_path))  # what SIGKILL leaves
    assert io.clean_stale(tmp_path)
    assert all_entries(tmp_path) == []


def _previous_result(out: Path) -> dict[str, bytes]:
    assert main(["run", BASELINE, *QUICK, "--out", str(out)]) == 0
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_force_replaces_a_previous_result_whole(tmp_path, capsys):
    out = tmp_path / "out"
    before = _previous_result(out)
    assert main(["run", BASELINE, *QUICK, "--seed", "7", "--out", str(out)]) == 2
    assert "--force" in one_line_error(capsys.readouterr().err)
    assert main(["run", BASELINE, *QUICK, "--seed", "7", "--out", str(out), "--force"]) == 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before) and after["summary.json"] != before["summary.json"]
    assert all_entries(tmp_path) == ["out", *(f"out/{n}" for n in sorted(after))]


def test_force_never_replaces_the_users_files(tmp_path, capsys):
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(Path(BASELINE).read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"mine": true}')  # not negsim's manifest
    for out in (scenario, folder):
        assert main(["run", BASELINE, *QUICK, "--out", str(out), "--force"]) == 2
        one_line_error(capsys.readouterr().err)
    assert scenario.read_text(encoding="utf-8") == Path(BASELINE).read_text(encoding="utf-8")
    assert all_entries(folder) == ["manifest.json"]


def test_links_are_never_followed(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    assert main(["run", BASELINE, *QUICK, "--out", str(link)]) == 2
    assert "symbolic link" in one_line_error(capsys.readouterr().err)
    assert all_entries(elsewhere) == []
    # a link planted at a temporary file's name is replaced, not written through
    target = tmp_path / "file.txt"
    (tmp_path / f".file.txt.tmp-{os.getpid()}").symlink_to(elsewhere / "victim")
    io.write_text_atomic(target, "text")
    assert target.read_text() == "text" and not (elsewhere / "victim").exists()


def test_results_never_go_into_seeds(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    assert main(["run", BASELINE, *QUICK, "--out", str(seeds / "x")]) == 2
    assert "seeds/" in one_line_error(capsys.readouterr().err)
    assert all_entries(tmp_path) == ["seeds"]


# ---- every error one line ------------------------------------------------------------


@pytest.mark.parametrize("out", ["/dev/full/x", "/proc/negsim-results", "/dev/null"])
def test_unwritable_destinations_are_one_line(out, capsys):
    assert main(["run", BASELINE, *QUICK, "--out", out]) == 2
    one_line_error(capsys.readouterr().err)


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x"))

    import sim.results as results

    monkeypatch.setattr(results, "write_json_atomic", full)
    assert main(["run", BASELINE, *QUICK, "--out", str(tmp_path / "out")]) == 2
    assert "No space left on device" in one_line_error(capsys.readouterr().err)
    assert all_entries(tmp_path) == []


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    import sim.commands.scenario_cmds as scenario_cmds

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(scenario_cmds, "validate", broken)
    assert main(["validate", BASELINE]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith(f"negsim validate {BASELINE}: internal error: RuntimeError: a bug")
    assert "report" in line and "--debug" in line
    assert main(["--debug", "validate", BASELINE]) == 2
    assert "Traceback" in capsys.readouterr().err
    assert main(["validate", BASELINE, "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", BASELINE, "--seed", str(2**64)],
        ["run", BASELINE, "--seed", "-1"],
        ["run", BASELINE, "--runs", "0"],
        ["run", BASELINE, "--runs", str(10**12)],
        ["run", BASELINE, "--jobs", "0"],
        ["run", BASELINE, "--jobs", "100000"],
        ["trace", BASELINE, "--replicate", "-1"],
        ["run", BASELINE, "--no-such-option"],
        ["no-such-command"],
        [],
    ],
)
def test_bad_options_are_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C"}])
def test_a_terminal_that_cannot_show_unicode_does_not_crash(env):
    proc = negsim("show", BASELINE, **env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    proc = negsim("validate", "/nonexistent/\u00e9\u2019.yaml", **env)
    assert proc.returncode == 2
    one_line_error(proc.stderr)


# ---- limits --------------------------------------------------------------------------


def test_seeds_never_wrap():
    assert limits.checked_seed(str(2**64 - 1)) == 2**64 - 1
    with pytest.raises(NegsimError, match="2\\*\\*64"):
        limits.checked_seed(str(2**64))


def test_duplicate_sweep_points_are_refused():
    limits.check_sweep_values("x", [0.0, 0.5, 1.0])
    with pytest.raises(NegsimError, match="points 1 and 2 are the same value"):
        limits.check_sweep_values("x", [0.5, 0.50], ["0.5", "0.50"])
    with pytest.raises(NegsimError, match="finite"):
        limits.check_sweep_values("x", [0.5, float("nan")])


def test_the_estimate_grows_with_parties_replicates_and_workers():
    small = limits.estimate(parties=2, issues=3, replicates=1000, rounds=20)
    assert limits.estimate(3, 3, 1000, 20).seconds > small.seconds
    assert (
        limits.estimate(8, 3, 1000, 20).memory_bytes > limits.estimate(4, 3, 1000, 20).memory_bytes
    )
    assert limits.estimate(2, 3, 2000, 20).seconds > small.seconds
    # two workers hold two chunks: more memory, less time each
    big = limits.estimate(4, 3, 100_000, 20, jobs=1)
    two = limits.estimate(4, 3, 100_000, 20, jobs=2)
    assert two.memory_bytes > big.memory_bytes and two.seconds < big.seconds


class _Shape:
    def __init__(self, parties: int, issues: int, rounds: int = 20) -> None:
        self.name, self.rounds = "synthetic", rounds
        self.parties, self.issues = [None] * parties, [None] * issues


def test_a_run_too_big_for_the_machine_is_refused_with_its_estimate():
    with pytest.raises(NegsimError) as err:
        limits.check_affordable(_Shape(20, 5), runs=10**8, jobs=2)
    assert "refused" in str(err.value) and "--force-size" in str(err.value)
    assert "20 parties" in str(err.value)
    assert limits.check_affordable(_Shape(20, 5), runs=10**8, jobs=2, insist=True).seconds > 0
    # the exact solver makes many parties affordable: 20 parties at a normal size run
    assert limits.check_affordable(_Shape(20, 5), runs=1000, jobs=2).seconds > 0
    assert limits.check_affordable(_Shape(2, 3), runs=2000, jobs=2).memory_bytes > 0


# ---- dask ----------------------------------------------------------------------------


@pytest.fixture
def silent_peer():
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for c in conns:
        c.close()
    server.close()


@pytest.mark.distributed
def test_a_scheduler_that_never_answers_times_out_in_one_line(silent_peer):
    pytest.importorskip("distributed")
    from sim.distributed import map_dask

    with pytest.raises(NegsimError, match="cannot reach dask scheduler"):
        list(map_dask(print, [(1,)], scheduler=silent_peer, jobs=1, timeout=2))


@pytest.mark.distributed
@pytest.mark.parametrize("address", ["not a :: address", "foo://bar:1"])
def test_a_bad_scheduler_address_is_one_line(address, capsys):
    pytest.importorskip("distributed")
    argv = ["run", BASELINE, *QUICK, "--executor", "dask", "--scheduler", address]
    assert main([*argv, "--out", "/tmp/negsim-never-written"]) == 2
    one_line_error(capsys.readouterr().err)
    assert not Path("/tmp/negsim-never-written").exists()
