"""``negsim plot RESULTS_DIR``: redraw the figures of any results folder and its report."""

from __future__ import annotations

import argparse


def plot(args: argparse.Namespace) -> int:
    """Redraw every figure of ``args.results`` (a folder of any command) into its
    ``plots/`` in ``args.format``, and rewrite its ``report.html``."""
    from sim.redraw import redraw

    kind, paths, report = redraw(args.results, args.format)
    if getattr(args, "json", False):
        import json

        print(json.dumps({"kind": kind, "figures": [str(p) for p in paths], "report": str(report)}))
        return 0
    print(f"wrote {len(paths)} figures ({args.format}) of a {kind} folder:")
    for path in paths:
        print(f"  {path}")
    print(f"and {report}")
    return 0
