"""The ``negsim`` command line: argparse subcommands that wire the library together.

Each subcommand's handler lives in ``sim.commands.<area>`` and is imported only when that
subcommand runs, so ``negsim --help`` never imports numpy, scipy, mesa or matplotlib.

What a user sees when a command cannot finish is one line on stderr, never a traceback:

- bad input or options (:class:`~sim.errors.NegsimError`, a usage error) -> exit 2;
- an operating-system error (a full or read-only disk, a missing folder) -> exit 2;
- anything else is a bug in negsim: one line naming the command and its input, and asking
  for a report, also exit 2 (the line says ``internal error``); ``--debug`` (or
  ``NEGSIM_DEBUG=1``) prints the full traceback instead;
- SIGINT (Ctrl-C, pressed any number of times), SIGTERM and SIGHUP stop the workers,
  remove the staging folder and exit 130, 143 and 129 (128 + the signal's number).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import NoReturn, TextIO

from sim import __version__, io, limits, stopping
from sim.errors import NegsimError, printable

DEBUG_HELP = "on an unexpected error, print the full traceback (also NEGSIM_DEBUG=1)"

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
REPORT_HINT = "please report it, with the command line and input, to the negsim maintainers"

# subcommand -> "module:function" under sim.commands
HANDLERS = {
    "validate": "scenario_cmds:validate",
    "show": "scenario_cmds:show",
    "trace": "trace_cmd:trace",
    "run": "run_cmds:run",
    "compare": "run_cmds:compare",
    "plot": "plot_cmd:plot",
    "sweep": "explore_cmds:sweep",
    "sensitivity": "explore_cmds:sensitivity",
    "discover": "explore_cmds:discover",
    "calibrate": "calibrate_cmds:calibrate",
    "score": "calibrate_cmds:score",
}


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        _print_line(f"{self.prog}: error: {message} (see {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def _checked(check: Callable[[str], int]) -> Callable[[str], int]:
    """An argparse type from a :mod:`sim.limits` validator."""

    def convert(text: str) -> int:
        try:
            return check(text)
        except NegsimError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[-1]) from None

    convert.__name__ = check.__name__.removeprefix("checked_")
    return convert


_positive_int = _checked(limits.checked_runs)
_seed = _checked(limits.checked_seed)
_jobs = _checked(limits.checked_jobs)
_index = _checked(limits.checked_index)


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. actors.delta.salience.water_share=0.5; "
        "VALUE is read as YAML, so '{dist: uniform, low: 0, high: 1}' works (repeatable)",
    )


def _add_factor(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--factor",
        dest="factors",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="put a value the file fixes into the design: uniform on [LOW, HIGH], or "
        "PATH=V1,V2,... for a choice among values (repeatable)",
    )


def factor_overrides(factors: Sequence[str]) -> list[str]:
    """``--factor PATH=LOW:HIGH`` (or ``PATH=V1,V2,...``) as the ``--set`` that makes the
    value a distribution, so every exploration command treats it as uncertain."""
    out = []
    for text in factors:
        path, sep, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise NegsimError(f"--factor: expected PATH=LOW:HIGH or PATH=V1,V2,... (got {text!r})")
        try:
            if ":" in spec:
                low, high = (float(v) for v in spec.split(":"))
                if not low < high:
                    raise ValueError
                out.append(f"{path}={{dist: uniform, low: {low!r}, high: {high!r}}}")
            else:
                values = [float(v) for v in spec.split(",")]
                out.append(f"{path}={{dist: choice, values: {values!r}}}")
        except ValueError:
            raise NegsimError(
                f"--factor: expected PATH=LOW:HIGH with LOW < HIGH, or PATH=V1,V2,... "
                f"(got {text!r})"
            ) from None
    return out


def _add_run_options(
    p: argparse.ArgumentParser,
    *,
    plots: bool = True,
    runs_help: str = "number of replicates, each one simulated negotiation (default: the "
    "scenario's runs: key)",
) -> None:
    p.add_argument("--runs", type=_positive_int, metavar="N", help=runs_help)
    p.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        help=f"worker processes (default: all cores, here {os.cpu_count()})",
    )
    _add_set(p)
    p.add_argument(
        "--out", metavar="DIR", help="write results exactly here (refuses a non-empty DIR)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="let --out replace a previous negsim result (never any other folder or file)",
    )
    p.add_argument(
        "--force-size",
        action="store_true",
        help="run even when the estimated memory or time exceeds what this machine has",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no summary: only the results folder, one line on stdout",
    )
    _add_json(p)
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where chunks run: local processes, or a dask.distributed cluster",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler address (default: a local cluster)"
    )
    if plots:
        p.add_argument("--no-plots", action="store_true", help="do not draw figures")
        _add_format(p)


def _add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout instead of the text: the results folder and "
        "the summary (for scripts)",
    )


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["png", "svg", "pdf"], default="png", help="figure format")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = OneLineParser(
        prog="negsim",
        description="Negotiation scenario simulator: Monte Carlo runs of a game-theoretic, "
        "agent-based model of peace talks, from YAML scenario files.",
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="check scenario files; print OK or one line per error")
    p.add_argument("files", nargs="+", metavar="FILE")
    _add_set(p)
    _add_json(p)

    p = sub.add_parser("show", help="the resolved scenario as a table, with the quotes it cites")
    p.add_argument("file", metavar="FILE")
    _add_set(p)

    p = sub.add_parser("trace", help="one replicate, round by round, in plain words")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replicate", type=_index, default=0, metavar="I", help="replicate index (default 0)"
    )
    p.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    _add_set(p)

    p = sub.add_parser("run", help="Monte Carlo run of a scenario: summary, files and figures")
    p.add_argument("file", metavar="SCENARIO")
    _add_run_options(p)
    p.add_argument(
        "--record",
        choices=["rounds"],
        help="also keep every round of every replicate in rounds/ (Parquet, one file per "
        "chunk: front, BATNAs, aspirations, proposals, responses, events, the agreements' "
        "stage) and draw its figures",
    )

    p = sub.add_parser("compare", help="run several scenarios on common random numbers and compare")
    p.add_argument("files", nargs="+", metavar="SCENARIO")
    _add_run_options(p)

    p = sub.add_parser("plot", help="redraw the figures of an existing results folder")
    p.add_argument("results", metavar="RESULTS_DIR")
    _add_format(p)
    _add_json(p)

    p = sub.add_parser("sweep", help="outcome probabilities as one or two parameters vary")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="PATH",
        help="dotted path of any value the file gives, fixed or drawn (once or twice)",
    )
    p.add_argument(
        "--values", action="append", metavar="V1,V2,...", help="values of the matching --param"
    )
    p.add_argument(
        "--range", action="append", dest="ranges", metavar="LOW:HIGH:N", help="evenly spaced values"
    )
    p.add_argument(
        "--outcome",
        default=None,
        help="outcome for a two-parameter heat map (default: ceasefire where the scenario "
        "declares one, else settlement)",
    )
    _add_run_options(p, plots=False)
    _add_format(p)

    p = sub.add_parser(
        "sensitivity", help="global sensitivity (Sobol or Morris) over uncertain parameters"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    p.add_argument(
        "--n",
        type=_positive_int,
        default=None,
        help="base sample size (Sobol N, Morris trajectories)",
    )
    p.add_argument(
        "--outcome",
        default=None,
        help="outcome whose probability is analysed (default: ceasefire where the scenario "
        "declares one, else settlement)",
    )
    _add_factor(p)
    _add_run_options(
        p,
        plots=False,
        runs_help="replicates per design point (default 16 for sobol, 32 for morris)",
    )
    _add_format(p)

    p = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM): where in parameter space an outcome concentrates",
    )
    p.add_argument("file", metavar="FILE_OR_RESULTS_DIR")
    p.add_argument(
        "--outcome",
        default=None,
        help="outcome to explain (default: ceasefire where the scenario declares one, "
        "else settlement)",
    )
    p.add_argument("--peel", type=float, default=0.05, help="share peeled per step (default 0.05)")
    p.add_argument("--min-mass", type=float, default=0.05, help="smallest box mass (default 0.05)")
    _add_factor(p)
    _add_run_options(p, plots=False)
    _add_format(p)

    p = sub.add_parser(
        "calibrate",
        help="history matching: which uncertain parameters and readings the targets allow",
    )
    p.add_argument("file", metavar="SCENARIO")
    p.add_argument("--targets", required=True, metavar="FILE", help="a targets file")
    p.add_argument("--waves", type=_positive_int, default=3, help="waves (default 3)")
    p.add_argument(
        "--points", type=_positive_int, default=256, help="design points per wave (default 256)"
    )
    p.add_argument(
        "--growth",
        type=_positive_int,
        default=2,
        help="replicates per point multiply by this each wave (default 2)",
    )
    p.add_argument(
        "--abc",
        type=float,
        metavar="SHARE",
        help="also rejection ABC: keep this share of the first wave's points nearest the "
        "targets (abc.csv)",
    )
    _add_factor(p)
    _add_run_options(p, plots=False, runs_help="replicates per point in wave 1 (default 32)")
    _add_format(p)

    p = sub.add_parser("score", help="a run's results against targets, with Brier scores")
    p.add_argument("results", metavar="RESULTS_DIR")
    p.add_argument("--targets", required=True, metavar="FILE", help="a targets file")
    p.add_argument("--json", action="store_true", help="the scores as JSON")

    for command in sub.choices.values():  # --debug also after the command's name
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )
    for command in sub.choices.values():
        command.add_argument(
            "--seeds",
            metavar="DIR",
            help="the folder of seed documents that source: quotes are looked up in "
            "(default: the first seeds/ folder above each scenario file)",
        )
    return parser


def _print_line(text: str, file: TextIO | None = None) -> None:
    """Print one line whatever the terminal's encoding; a closed stream is not an error."""
    stream = sys.stderr if file is None else file
    text = printable(text)
    try:
        print(text, file=stream, flush=True)
    except UnicodeEncodeError:
        enc = getattr(stream, "encoding", None) or "ascii"
        with suppress(OSError, ValueError):
            print(text.encode(enc, "backslashreplace").decode(enc), file=stream, flush=True)
    except (OSError, ValueError):
        pass


def _tolerant_streams() -> None:
    """Characters a terminal cannot show (``PYTHONIOENCODING=ascii``, ``LANG=C``) are
    escaped instead of crashing the command at its last print."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def _input_of(args: argparse.Namespace) -> str:
    """The files or folder a command was given, for its error line."""
    for name in ("file", "results"):
        if getattr(args, name, None):
            return str(getattr(args, name))
    files = getattr(args, "files", None)
    return " ".join(map(str, files)) if files else ""


def _one_line(text: str, limit: int = 400) -> str:
    one = printable(" ".join(str(text).split(" ")).replace("\n", " "))
    return one if len(one) <= limit else one[: limit - 3] + "..."


def _os_error(exc: OSError) -> str:
    """``FILE: what went wrong`` for an operating-system error."""
    what = exc.strerror or type(exc).__name__
    where = exc.filename if exc.filename is not None else None
    if where is None:
        return _one_line(str(exc) or what)
    return _one_line(f"{where}: {what}")


def _internal(where: str, exc: BaseException, debug: bool) -> int:
    """A bug in negsim: one line asking for a report (the traceback under --debug)."""
    if debug:
        traceback.print_exception(exc)
    _print_line(
        f"{where}: internal error: {type(exc).__name__}: {_one_line(str(exc), 200)} "
        f"({REPORT_HINT}; --debug shows the traceback)"
    )
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    _tolerant_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    from sim import provenance  # not at the top: ``negsim --help`` stays light

    provenance.use_seeds_dir(getattr(args, "seeds", None))
    # the command line as typed, for manifest.json (sys.argv is the host's when called in-process)
    args.command_line = ["negsim", *(sys.argv[1:] if argv is None else argv)]
    debug = bool(getattr(args, "debug", False)) or os.environ.get("NEGSIM_DEBUG") == "1"
    module_name, func_name = HANDLERS[args.command].split(":")
    where = f"negsim {args.command}" + (f" {_input_of(args)}" if _input_of(args) else "")
    stopping.install()
    try:
        if getattr(args, "factors", None):
            args.overrides = [*args.overrides, *factor_overrides(args.factors)]
        module = importlib.import_module(f"sim.commands.{module_name}")
        return int(getattr(module, func_name)(args) or 0)
    except NegsimError as exc:
        # ScenarioError already reads FILE:LINE:COL: key.path: message
        _print_line(_one_line(str(exc), 2000))
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (sim.errors.Stopped)
        signum = getattr(exc, "signum", signal.SIGINT)
        _print_line(stopping.message(signum))
        return stopping.exit_code(signum)
    except BrokenPipeError:
        # the reader of stdout went away (``negsim show x | head``): not an error; make
        # the interpreter's last flush quiet too
        with suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if debug:
            traceback.print_exc()
        _print_line(f"{where}: {_os_error(exc)}")
        return EXIT_USAGE
    except ValueError as exc:
        if "null byte" in str(exc):  # a NUL in a path the user gave: not a bug
            _print_line(f"{where}: a file name cannot contain a NUL character")
            return EXIT_USAGE
        return _internal(where, exc, debug)
    except MemoryError:
        _print_line(f"{where}: out of memory (fewer --runs or --jobs may fit)")
        return EXIT_USAGE
    except Exception as exc:
        return _internal(where, exc, debug)
    finally:
        io.release_all()  # anything a failed command claimed and did not publish
        stopping.cancel_watchdog()
        stopping.restore()


def entry() -> int:
    """The ``negsim`` program: :func:`main`, and after a stop signal an immediate exit
    (the cleanup has run; Python's shutdown could wait forever on the threads of a
    process pool whose worker was killed while writing a result)."""
    code = main()
    if stopping.stopped():
        stopping.exit_after_stop(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(entry())
