"""``negsim validate`` and ``negsim show``: check scenario files, and print one resolved."""

from __future__ import annotations

import argparse
import sys

from sim.errors import ScenarioError
from sim.loader import load_scenario

WIDTH = 100
EXIT_INVALID = 2


def validate(args: argparse.Namespace) -> int:
    """Print ``OK  FILE`` for each valid file, and for each invalid one every error found
    in it, one line each (the errors of each top-level section, and of each issue, actor
    and event, are reported together; checks across sections follow once they pass).

    Returns 0 when every file is valid, else 2; every file is checked.
    """
    status = 0
    for file in args.files:
        try:
            load_scenario(file, overrides=args.overrides)
        except ScenarioError as exc:
            # every error the loader found in the file, one line each
            for error in getattr(exc, "errors", [exc]):
                print(str(error), file=sys.stderr, flush=True)
            status = EXIT_INVALID
        else:
            print(f"OK  {file}", flush=True)
    return status


def show(args: argparse.Namespace) -> int:
    """Print the resolved scenario as a table of parameters with their sources."""
    from sim.reference import bargaining_reference, format_reference
    from sim.scenario_table import render

    scenario = load_scenario(args.file, overrides=args.overrides)
    sys.stdout.write(render(scenario, WIDTH))
    sys.stdout.write(format_reference(bargaining_reference(scenario), WIDTH))
    return 0
