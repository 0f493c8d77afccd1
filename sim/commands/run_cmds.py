"""``negsim run`` and ``negsim compare``: options in, :mod:`sim.api` called, text out."""

from __future__ import annotations

import argparse

from sim.commands.common import (
    WRITING,
    Progress,
    executor_options,
    finish,
    folder_name,
    target_dir,
)
from sim.io import staged_output
from sim.limits import check_affordable


def run(args: argparse.Namespace) -> int:
    from sim import api
    from sim.summary import format_summary

    record = getattr(args, "record", None)
    api.check_record(record)
    scenario = api.load(args.file, args.overrides)
    runs = args.runs or scenario.runs
    seed = scenario.seed if args.seed is None else args.seed
    options = executor_options(args)
    check_affordable(scenario, runs, options["jobs"], insist=args.force_size)
    target = target_dir(args, folder_name(scenario.name, args.file, args.overrides), seed)
    with staged_output(target) as staging, Progress(runs, args.quiet, scenario.name) as bar:
        result = api.run(
            args.file,
            runs,
            seed,
            overrides=args.overrides,
            progress=bar.update,
            stream_to=staging,
            record=record,
            loaded=scenario,  # checked above: not loaded a second time
            **options,
        )
        bar.stage(WRITING)
        result.save(staging, plots=not args.no_plots, fmt=args.format, argv=args.command_line)
    finish(args, format_summary(result.summary), target, result.summary)
    return 0


def compare(args: argparse.Namespace) -> int:
    from sim import api

    if len(args.files) < 2:
        from sim.errors import NegsimError

        raise NegsimError("compare needs at least two scenario files")
    scenarios = [api.load(f, args.overrides) for f in args.files]  # every file checked first
    first = scenarios[0]
    runs = args.runs or first.runs
    seed = first.seed if args.seed is None else args.seed
    options = executor_options(args)
    for scenario in scenarios:
        check_affordable(scenario, runs, options["jobs"], insist=args.force_size)
    target = target_dir(args, folder_name("compare", None, args.overrides), seed)
    total = runs * len(args.files)
    with staged_output(target) as staging, Progress(total, args.quiet, "compare") as bar:
        result = api.compare(
            list(args.files),
            runs,
            seed,
            overrides=args.overrides,
            progress=bar.update,
            **options,
        )
        bar.stage(WRITING)
        result.save(staging, plots=not args.no_plots, fmt=args.format, argv=args.command_line)
    finish(args, result.text, target, result.summary)
    return 0
