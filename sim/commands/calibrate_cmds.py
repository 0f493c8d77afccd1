"""``negsim calibrate`` (history matching against targets) and ``negsim score`` (a run
against targets). The work is done by :mod:`sim.calibration`; this module wires options,
folders, progress bars and printing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sim.commands.common import executor_options, finish, target_dir
from sim.io import staged_output


def _wave_bars(quiet: bool) -> tuple[Callable[[int, int, int], Callable[[int], None]], list]:
    """A progress bar per wave on stderr (when it is a terminal)."""
    bars: list = []

    def start(wave: int, waves: int, total: int) -> Callable[[int], None]:
        for bar in bars:
            bar.close()
        bars.clear()
        if quiet or not sys.stderr.isatty():
            return lambda n: None
        from tqdm import tqdm  # type: ignore[import-untyped]

        bar = tqdm(total=total, unit="rep", desc=f"wave {wave + 1}/{waves}", file=sys.stderr)
        bars.append(bar)
        return bar.update

    return start, bars


def calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.api import calibrate as run_calibration
    from sim.loader import load_scenario

    scenario = load_scenario(args.file, args.overrides)
    seed = scenario.seed if args.seed is None else args.seed
    target = target_dir(args, f"{scenario.name}-calibrate", seed)
    start, bars = _wave_bars(args.quiet)
    with staged_output(target) as staging:
        try:
            result = run_calibration(
                args.file,
                args.targets,
                overrides=args.overrides,
                waves=args.waves,
                points=args.points,
                runs=args.runs or 32,
                growth=args.growth,
                seed=seed,
                progress=start,
                **executor_options(args),
            )
        finally:
            for bar in bars:
                bar.close()
        result.save(staging, fmt=args.format, argv=args.command_line, abc=args.abc)
        from sim.calibration.output import text

        body = text(result.result, target)
    finish(args, body, target)
    return 0


def score(args: argparse.Namespace) -> int:
    import json

    from sim.calibration.api import score as run_score

    card = run_score(args.results, args.targets)
    if args.json:
        print(json.dumps(card.to_json(), indent=2))
    else:
        print(card.text)
    return 0
