"""Fuzzing the command line: any options, any mutation of a scenario file, give either a
result or a one-line error (exit 0 or 2), never a traceback or an internal error.

The commands run in-process with small runs and a short deadline per example; the default
run tries a few examples (``max_examples``); ``-m slow`` tries many more.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import printable

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "valid" / "minimal.yaml"
FAST = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
THOROUGH = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

TOKENS = [
    "--runs", "--seed", "--jobs", "--set", "--out", "--force", "--quiet", "--format",
    "--replicate", "--debug", "--executor", "--force-size", "-1", "0", "1", "3", "1e9",
    "18446744073709551616", "abc", "", "x", "rounds=0", "rounds=1e400", "name=../../x",
    "name=", "seed=-1", "runs=0", "actors=[]", "issues={}", "/dev/full/x", "/dev/null",
    "\u00e9\u2019", "a\nb", "--", "-", "png", "svg", "local", "nan", "inf",
]  # fmt: skip


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Exit code and stderr of ``negsim ARGV`` run in-process."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


def assert_result_or_one_line(code: int, err: str, argv: list[str]) -> None:
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert lines, (argv, err)
        assert "internal error" not in err, (argv, err)
        if argv[:1] == ["validate"] and len(lines) > 1:
            # validate prints every error it finds, each one line naming a file it was given
            files = [printable(a) for a in argv[1:]]
            assert all(any(line.startswith(f"{f}:") for f in files) for line in lines), lines
        else:
            assert len(lines) == 1, (argv, err)


def _options_case(tmp_path: Path, command: str, tokens: list[str]) -> None:
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    argv = [command, str(MINIMAL), *tokens]
    if command == "run":  # whatever was fuzzed, keep the work small and the output here
        argv += ["--runs", "20", "--jobs", "1", "--no-plots", "--quiet", "--out", str(out)]
    code, err = run_cli(argv)
    assert_result_or_one_line(code, err, argv)


# "show" is left out until it stops failing on the minimal scenario (an internal error
# when both parties keep the default patience of 1, reported in issue 17)
commands = st.sampled_from(["validate", "trace", "run"])
token_lists = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=6)


@FAST
@given(command=commands, tokens=token_lists)
def test_any_options_give_a_result_or_one_line(tmp_path, command, tokens):
    _options_case(tmp_path, command, tokens)


@pytest.mark.slow
@THOROUGH
@given(command=commands, tokens=token_lists)
def test_any_options_thoroughly(tmp_path, command, tokens):
    _options_case(tmp_path, command, tokens)


NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")
ODD_NUMBERS = ["0", "-1", "1e308", "-1e308", "1.7e308", "nan", ".inf", "99999", "0.0000001"]


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> str:
    """The minimal scenario with a few lines deleted, duplicated, cut, or numbers swapped."""
    lines = MINIMAL.read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "cut", "number", "garbage"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "number" and NUMBER.search(lines[i]):
            lines[i] = NUMBER.sub(draw(st.sampled_from(ODD_NUMBERS)), lines[i], count=1)
        else:
            lines[i] += draw(st.sampled_from([" {", " [", ": x", " &a", " *a", "\t", "\x00", "é"]))
    return "\n".join(lines) + "\n"


def _scenario_case(tmp_path: Path, text: str) -> None:
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    for argv in (["validate", str(path)], ["trace", str(path)]):
        code, err = run_cli(argv)
        assert_result_or_one_line(code, err, argv)
    code, _ = run_cli(["validate", str(path)])
    if code == 0:  # a scenario that validates must also run
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        argv = ["run", str(path), "--runs", "20", "--jobs", "1", "--no-plots", "--quiet"]
        code, err = run_cli([*argv, "--out", str(out)])
        assert_result_or_one_line(code, err, argv)


@FAST
@given(text=mutated_scenarios())
def test_mutated_scenarios_give_a_result_or_one_line(tmp_path, text):
    _scenario_case(tmp_path, text)


@pytest.mark.slow
@THOROUGH
@given(text=mutated_scenarios())
def test_mutated_scenarios_thoroughly(tmp_path, text):
    _scenario_case(tmp_path, text)


def test_validate_reports_a_file_name_with_a_nul_as_that_file_s_error():
    """Found by the options fuzzer: a NUL in the second of two bad file names escaped the
    per-file report and came out as a second, command-wide line."""
    argv = ["validate", str(MINIMAL), "-1", "\x00"]
    code, err = run_cli(argv)
    assert code == 2
    assert err.strip().splitlines() == [
        "-1: file not found",
        "\\x00: cannot read file: a file name cannot contain a NUL character",
    ]
    assert_result_or_one_line(code, err, argv)
