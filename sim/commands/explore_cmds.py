"""``negsim sweep``, ``negsim sensitivity`` and ``negsim discover``: exploring assumptions.

Each command writes a results folder like ``negsim run`` does (``results/<scenario>-<command>/
<time>-seed<seed>/``, or exactly ``--out``), through a staging folder that only moves into
place when everything is written. The work is done by :mod:`sim.api` (on :mod:`sim.sweep_grid`,
:mod:`sim.global_sensitivity` and :mod:`sim.discovery`); this module only wires options, folders
and printing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.commands.common import (
    WRITING,
    Progress,
    executor_options,
    finish,
    folder_name,
    target_dir,
)
from sim.errors import NegsimError
from sim.io import staged_output
from sim.limits import check_affordable


def sweep(args: argparse.Namespace) -> int:
    from sim import api
    from sim.sweep_grid import axes_from_options

    axes = axes_from_options(args.param, args.values, args.ranges)
    base = api.load(args.file, args.overrides)
    args.outcome = args.outcome or api.default_outcome(base)
    api.check_outcome(args.outcome)
    runs = args.runs or base.runs
    seed = base.seed if args.seed is None else args.seed
    options = executor_options(args)
    n_points = int(np.prod([len(a.values) for a in axes]))
    check_affordable(base, runs, options["jobs"], insist=args.force_size, points=n_points)
    name = folder_name(base.name, args.file, args.overrides)
    target = target_dir(args, f"{name}-sweep", seed)
    with (
        staged_output(target) as staging,
        Progress(runs * n_points, args.quiet, f"{base.name} sweep") as bar,
    ):
        result = api.sweep(
            args.file,
            axes,
            runs,
            seed,
            overrides=args.overrides,
            outcome=args.outcome,
            progress=bar.update,
            **options,
        )
        bar.stage(WRITING)
        result.save(staging, fmt=args.format, argv=args.command_line)
    finish(args, result.text, target, result.summary)
    return 0


def sensitivity(args: argparse.Namespace) -> int:
    from sim import api
    from sim.global_sensitivity import DEFAULTS, design_points, problem_from_scenario

    scenario = api.load(args.file, args.overrides)
    args.outcome = args.outcome or api.default_outcome(scenario)
    api.check_outcome(args.outcome)
    n_default, runs_default = DEFAULTS[args.method]
    n, runs = args.n or n_default, args.runs or runs_default
    seed = scenario.seed if args.seed is None else args.seed
    options = executor_options(args)
    points = design_points(args.method, n, problem_from_scenario(scenario).d)
    check_affordable(scenario, runs, options["jobs"], insist=args.force_size, points=points)
    total = points * runs
    name = folder_name(scenario.name, args.file, args.overrides)
    target = target_dir(args, f"{name}-sensitivity", seed)
    desc = f"{scenario.name} {args.method}"
    with staged_output(target) as staging, Progress(total, args.quiet, desc) as bar:
        result = api.sensitivity(
            args.file,
            args.method,
            n,
            runs,
            seed,
            overrides=args.overrides,
            outcome=args.outcome,
            progress=bar.update,
            **options,
        )
        bar.stage(WRITING)
        result.save(staging, fmt=args.format, argv=args.command_line)
    text = result.text
    from sim.results import SENSITIVITY_FIGURE_TOP as top

    if result.result.defined and len(result.problem.names) > top:
        text += f"\n(the figure shows the {top} largest)"
    finish(args, text, target, result.summary)
    return 0


def discover(args: argparse.Namespace) -> int:
    from sim import api

    if args.outcome is None:
        folder = Path(args.file)
        scenario_file = folder / "scenario.yaml" if folder.is_dir() else folder
        try:
            args.outcome = api.default_outcome(api.load(scenario_file, args.overrides))
        except NegsimError:
            args.outcome = "settlement"  # check_discover reports what is wrong
    api.check_discover(
        args.file, args.outcome, args.peel, args.min_mass, args.runs, args.seed, args.overrides
    )
    source = Path(args.file)
    options = {}
    if source.is_dir():
        name, seed = api.folder_meta(source)
        runs = 0
    else:
        scenario = api.load(args.file, args.overrides)
        api.check_searchable(scenario, args.file)
        name = folder_name(scenario.name, args.file, args.overrides)
        runs = args.runs or scenario.runs
        seed = scenario.seed if args.seed is None else args.seed
        options = executor_options(args)
    target = target_dir(args, f"{name}-discover", seed)
    with staged_output(target) as staging, Progress(runs, args.quiet, name) as bar:
        result = api.discover(
            args.file,
            args.outcome,
            args.runs,
            args.seed,
            overrides=args.overrides,
            peel=args.peel,
            min_mass=args.min_mass,
            progress=bar.update,
            stream_to=staging if source.is_file() else None,
            **options,
        )
        bar.stage(WRITING)
        result.save(staging, fmt=args.format, argv=args.command_line)
    finish(args, result.text, target, result.summary, end="")
    return 0
