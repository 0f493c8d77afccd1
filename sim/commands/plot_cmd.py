"""``negsim plot RESULTS_DIR``: redraw the figures of an existing run."""

from __future__ import annotations

import argparse
from pathlib import Path


def plot(args: argparse.Namespace) -> int:
    """Redraw every run figure of ``args.results`` into its ``plots/`` in ``args.format``."""
    from sim.plots import draw_run_figures
    from sim.results import read_run_folder

    folder = Path(args.results)
    summary, result = read_run_folder(folder)
    paths = draw_run_figures(result, summary, folder / "plots", args.format)
    print(f"wrote {len(paths)} figures ({args.format}) to {folder / 'plots'}:")
    for path in paths:
        print(f"  {path.name}")
    return 0
