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

    With ``--json``, one JSON object on stdout instead: ``{"files": [{"file", "ok",
    "errors"}]}``. Returns 0 when every file is valid, else 2; every file is checked.
    """
    status = 0
    report = []
    as_json = getattr(args, "json", False)
    for file in args.files:
        try:
            load_scenario(file, overrides=args.overrides)
        except ScenarioError as exc:
            # every error the loader found in the file, one line each
            errors = [str(e) for e in getattr(exc, "errors", [exc])]
            report.append({"file": file, "ok": False, "errors": errors})
            if not as_json:
                for error in errors:
                    print(error, file=sys.stderr, flush=True)
            status = EXIT_INVALID
        else:
            report.append({"file": file, "ok": True, "errors": []})
            if not as_json:
                print(f"OK  {file}", flush=True)
    if as_json:
        import json

        print(json.dumps({"files": report}))
    return status


def show(args: argparse.Namespace) -> int:
    """Print the resolved scenario as a table of parameters with their sources."""
    from sim.reference import bargaining_reference, format_reference
    from sim.scenario_table import render

    scenario = load_scenario(args.file, overrides=args.overrides)
    sys.stdout.write(render(scenario, WIDTH))
    sys.stdout.write(format_reference(bargaining_reference(scenario), WIDTH))
    return 0
