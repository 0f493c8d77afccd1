"""The ``negsim`` command line: argparse subcommands that wire the library together.

Each subcommand's handler lives in ``sim.commands.<area>`` and is imported only when that
subcommand runs, so ``negsim --help`` never imports numpy, scipy, mesa or matplotlib.
A :class:`~sim.errors.NegsimError` becomes one line on stderr and exit code 2; Ctrl-C
becomes a short message and exit code 130, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from sim import __version__
from sim.errors import NegsimError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (got {value})")
    return value


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
    runs_help: str = "replicates (default: the scenario's runs)",
) -> None:
    p.add_argument("--runs", type=_positive_int, help=runs_help)
    p.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        help=f"worker processes (default: all cores, here {os.cpu_count()})",
    )
    _add_set(p)
    p.add_argument(
        "--out", metavar="DIR", help="write results exactly here (refuses a non-empty DIR)"
    )
    p.add_argument("--force", action="store_true", help="allow --out to be a non-empty folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on stdout")
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


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["png", "svg", "pdf"], default="png", help="figure format")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="negsim",
        description="Negotiation scenario simulator: Monte Carlo runs of a game-theoretic, "
        "agent-based model of peace talks, from YAML scenario files.",
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="check scenario files; print OK or one line per error")
    p.add_argument("files", nargs="+", metavar="FILE")
    _add_set(p)

    p = sub.add_parser("show", help="the resolved scenario as a table, with the quotes it cites")
    p.add_argument("file", metavar="FILE")
    _add_set(p)

    p = sub.add_parser("trace", help="one replicate, round by round, in plain words")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replicate", type=int, default=0, metavar="I", help="replicate index (default 0)"
    )
    p.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    _add_set(p)

    p = sub.add_parser("run", help="Monte Carlo run of a scenario: summary, files and figures")
    p.add_argument("file", metavar="SCENARIO")
    _add_run_options(p)

    p = sub.add_parser("compare", help="run several scenarios on common random numbers and compare")
    p.add_argument("files", nargs="+", metavar="SCENARIO")
    _add_run_options(p)

    p = sub.add_parser("plot", help="redraw the figures of an existing results folder")
    p.add_argument("results", metavar="RESULTS_DIR")
    _add_format(p)

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
        "--outcome", default="agreement", help="outcome class for a two-parameter heat map"
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
        "--outcome", default="agreement", help="outcome class whose probability is analysed"
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
    p.add_argument("--outcome", default="agreement")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # the command line as typed, for manifest.json (sys.argv is the host's when called in-process)
    args.command_line = ["negsim", *(sys.argv[1:] if argv is None else argv)]
    module_name, func_name = HANDLERS[args.command].split(":")
    try:
        if getattr(args, "factors", None):
            args.overrides = [*args.overrides, *factor_overrides(args.factors)]
        module = importlib.import_module(f"sim.commands.{module_name}")
        return int(getattr(module, func_name)(args) or 0)
    except NegsimError as exc:
        # ScenarioError already reads FILE:LINE:COL: key.path: message
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("negsim: interrupted; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
