"""``negsim plot RESULTS_DIR``: redraw the figures of an existing run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.errors import NegsimError

# summary.json keys that rebuilding the replicates needs
_REQUIRED = ("scenario", "rounds", "round_days", "issues", "parties", "actors")


def read_summary(folder: Path) -> dict[str, Any]:
    """``folder/summary.json`` as a dict, or a one-line :class:`NegsimError`."""
    if not folder.is_dir():
        raise NegsimError(f"{folder}: no such folder")
    path = folder / "summary.json"
    if not path.is_file():
        raise NegsimError(f"{folder}: no summary.json (not a negsim results folder)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NegsimError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NegsimError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(summary, dict):
        raise NegsimError(f"{path}: expected a JSON object")
    missing = [key for key in _REQUIRED if key not in summary]
    if missing:
        raise NegsimError(f"{path}: missing {', '.join(missing)} (not a negsim summary)")
    return summary


def plot(args: argparse.Namespace) -> int:
    """Redraw every run figure of ``args.results`` into its ``plots/`` in ``args.format``."""
    folder = Path(args.results)
    summary = read_summary(folder)
    csv_path = folder / "replicates.csv"
    if not csv_path.is_file():
        raise NegsimError(f"{folder}: no replicates.csv (the run's per-replicate table)")

    from sim.outcomes import read_replicates_csv
    from sim.plots import draw_run_figures

    try:
        result = read_replicates_csv(
            csv_path,
            scenario=str(summary["scenario"]),
            issues=list(summary["issues"]),
            parties=list(summary["parties"]),
            actors=list(summary["actors"]),
            rounds=int(summary["rounds"]),
            round_days=float(summary["round_days"]),
        )
    except KeyError as exc:
        raise NegsimError(f"{csv_path}: missing column or unknown value {exc}") from None
    except (ValueError, IndexError, StopIteration) as exc:
        raise NegsimError(f"{csv_path}: cannot be read ({exc or 'empty file'})") from None
    if len(result) == 0:
        raise NegsimError(f"{csv_path}: no replicates")
    paths = draw_run_figures(result, summary, folder / "plots", args.format)
    print(f"wrote {len(paths)} figures ({args.format}) to {folder / 'plots'}:")
    for path in paths:
        print(f"  {path.name}")
    return 0
