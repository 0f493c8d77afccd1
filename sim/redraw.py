"""Redrawing the figures of any results folder from its files (``negsim plot DIR``).

Every kind of folder a command writes (``run``, ``compare``, ``sweep``, ``sensitivity``,
``discover``) keeps what its figures need: ``replicates.csv`` and ``summary.json`` (and
``rounds/`` when recorded) for a run, ``compare.json``, ``sweep.csv`` with the
manifest's axes, ``sensitivity.json``, ``discovery.json``. :func:`redraw` draws them again
in any format and rewrites ``report.html``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.errors import NegsimError

__all__ = ["redraw"]


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NegsimError(f"{path.parent}: no {path.name} (needed to redraw)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NegsimError(f"{path}: cannot be read ({exc})") from None


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    data = _json(path) if path.is_file() else {}
    return data if isinstance(data, dict) else {}


def _figures_of_run(folder: Path, fmt: str) -> list[Path]:
    from sim.plots import draw_run_figures
    from sim.recorder import rounds_path
    from sim.results import read_run_folder

    summary, result = read_run_folder(folder)
    paths = draw_run_figures(result, summary, folder / "plots", fmt)
    rounds = rounds_path(folder)
    if rounds is not None:
        from sim.plots import save_figure
        from sim.round_figures import draw_round_figures, plot_round_paths, prepare_round_paths

        scenario = _saved_scenario(folder)
        if scenario is not None:
            seed = int(summary.get("seed", scenario.seed))
            paths += draw_round_figures(
                rounds, scenario, folder / "plots", fmt, seed=seed, n=len(result)
            )
        else:  # the paths need only names; the offers need the scenario's model
            data = prepare_round_paths(
                rounds,
                issues=list(summary["issues"]),
                parties=list(summary["parties"]),
                rounds=int(summary["rounds"]),
                scenario=str(summary["scenario"]),
                n=len(result),
                scenario_spec=folder / "scenario.yaml",
            )
            paths.append(save_figure(plot_round_paths(data), folder / "plots" / "round_paths", fmt))
    return paths


def _saved_scenario(folder: Path) -> Any:
    """The run's scenario: its ``scenario.yaml``, else the files and overrides its manifest
    names; None when neither loads (e.g. the quotes' ``seeds/`` cannot be found from here)."""
    from sim.loader import load_scenario

    manifest = _manifest(folder)
    tries: list[tuple[Path, list[str]]] = [(folder / "scenario.yaml", [])]
    files = manifest.get("scenario_files") or []
    if files and isinstance(files[0], dict) and files[0].get("path"):
        tries.append((Path(str(files[0]["path"])), list(manifest.get("overrides") or [])))
    for path, overrides in tries:
        if not path.is_file():
            continue
        try:
            return load_scenario(path, overrides)
        except NegsimError:
            continue
    return None


def _figures_of_compare(folder: Path, fmt: str) -> list[Path]:
    from sim.plots import draw_compare_figure

    return [draw_compare_figure(_json(folder / "compare.json"), folder / "plots", fmt)]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _figures_of_sweep(folder: Path, fmt: str) -> list[Path]:
    from sim.outcomes import OUTCOME_LABELS
    from sim.plot_data import prepare_sweep_from_counts, prepare_sweep_grid_from_counts
    from sim.plots import plot_sweep, plot_sweep_heatmap, save_figure

    manifest = _manifest(folder)
    axes = manifest.get("sweep")
    if not isinstance(axes, dict) or not 1 <= len(axes) <= 2:
        raise NegsimError(f"{folder}/manifest.json: no 'sweep' axes (needed to redraw)")
    params = list(axes)
    try:
        with open(folder / "sweep.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise NegsimError(f"{folder}: no sweep.csv (needed to redraw)") from None
    counts: dict[tuple[float, ...], dict[str, int]] = {}
    runs: dict[tuple[float, ...], int] = {}
    try:
        for row in rows:
            key = tuple(_number(row[p]) for p in params)
            counts.setdefault(key, {})[row["outcome"]] = int(row["count"])
            runs[key] = int(row["runs"])
    except (KeyError, ValueError) as exc:
        raise NegsimError(f"{folder}/sweep.csv: missing column or bad value ({exc})") from None
    scenario = _scenario_name(folder, manifest)
    plots = folder / "plots"
    if len(params) == 1:
        values = [float(v) for v in axes[params[0]]]
        label = str((manifest.get("labels") or {}).get(params[0], ""))
        curve = prepare_sweep_from_counts(
            params[0],
            values,
            [counts.get((v,), {}) for v in values],
            scenario=scenario,
            label=label,
        )
        return [save_figure(plot_sweep(curve), plots / "sweep", fmt)]
    outcome = str(manifest.get("outcome") or "agreement")
    if outcome not in OUTCOME_LABELS:
        outcome = "agreement"
    x = [float(v) for v in axes[params[0]]]
    y = [float(v) for v in axes[params[1]]]
    k = np.array([[counts.get((a, b), {}).get(outcome, 0) for a in x] for b in y])
    n = np.array([[runs.get((a, b), 0) for a in x] for b in y])
    grid = prepare_sweep_grid_from_counts(
        (params[0], params[1]), x, y, k, n, outcome, scenario=scenario
    )
    return [save_figure(plot_sweep_heatmap(grid), plots / f"sweep_{outcome}", fmt)]


def _scenario_name(folder: Path, manifest: dict[str, Any]) -> str:
    files = manifest.get("scenario_files") or []
    if files and isinstance(files[0], dict) and files[0].get("path"):
        return Path(str(files[0]["path"])).stem
    return folder.parent.name.split("-")[0]


def _figures_of_sensitivity(folder: Path, fmt: str) -> list[Path]:
    from sim.plot_data import prepare_sensitivity
    from sim.plots import plot_sensitivity, save_figure
    from sim.results import SENSITIVITY_FIGURE_TOP

    data = _json(folder / "sensitivity.json")
    if not data.get("indices_defined", True):
        return []
    method = str(data.get("method"))
    keys = ("ST", "S1") if method == "sobol" else ("mu_star", "sigma", "mu")
    params = list(data.get("parameters") or [])[:SENSITIVITY_FIGURE_TOP]
    analysis: dict[str, Any] = {}
    for key in keys:
        for name in (key, f"{key}_conf"):
            if params and name in params[0]:
                analysis[name] = np.array(
                    [np.nan if p.get(name) is None else p[name] for p in params], dtype=float
                )
                analysis[name] = np.nan_to_num(analysis[name], nan=0.0)
    fig = plot_sensitivity(
        prepare_sensitivity(
            analysis,
            [str(p.get("label") or p.get("parameter")) for p in params],
            method=method,
            outcome=str(data.get("outcome", "agreement")),
            scenario=str(data.get("scenario", "")),
            n=int((data.get("design") or {}).get("replicates", 0)),
        )
    )
    return [save_figure(fig, folder / "plots" / f"sensitivity_{method}", fmt)]


def _nan(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values or []], dtype=float)


def _figures_of_discover(folder: Path, fmt: str) -> list[Path]:
    from sim.plot_data import prepare_prim_box
    from sim.plots import save_figure
    from sim.results import draw_prim_figure

    data = _json(folder / "discovery.json")
    ranges = {k: (float(v[0]), float(v[1])) for k, v in (data.get("sampled_ranges") or {}).items()}
    n = int((data.get("evaluated_on") or {}).get("replicates", data.get("replicates", 0)))
    written = []
    for i, box in enumerate(data.get("boxes") or [], start=1):
        if i > 1 and not box.get("significant"):
            break
        tr = box.get("trajectory") or {}
        t = SimpleNamespace(
            coverage=_nan(tr.get("coverage")),
            density=_nan(tr.get("density")),
            mass=_nan(tr.get("mass")),
            restricted=tr.get("restricted") or [],
            chosen=int(tr.get("chosen", 0)),
        )
        found = SimpleNamespace(
            coverage=float(box.get("coverage") or 0.0),
            density=float(box.get("density") or 0.0),
            restrictions=box.get("restrictions") or [],
        )
        limits = None
        if all(r.get("parameter") in ranges for r in found.restrictions):
            limits = prepare_prim_box(
                found.restrictions,
                ranges,
                outcome=str(data["outcome"]),
                scenario=str(data.get("scenario", "")),
                coverage=found.coverage,
                density=found.density,
            )
        fig = draw_prim_figure(
            str(data.get("scenario", "")), str(data["outcome"]), n, t, found, limits
        )
        name = "prim_trajectory" if i == 1 else f"prim_trajectory_{i}"
        written.append(save_figure(fig, folder / "plots" / name, fmt))
    return written


_DRAW = {
    "run": _figures_of_run,
    "compare": _figures_of_compare,
    "sweep": _figures_of_sweep,
    "sensitivity": _figures_of_sensitivity,
    "discover": _figures_of_discover,
}


def redraw(folder: str | Path, fmt: str = "png") -> tuple[str, list[Path], Path]:
    """Redraw every figure of a results folder into its ``plots/`` in ``fmt`` and rewrite
    its ``report.html``. Returns the folder's kind, the figures written and the report.

    Raises :class:`NegsimError` (one line) for a folder that is not a negsim results
    folder or lacks the files its figures need.
    """
    from sim.report import folder_kind, write_report

    folder = Path(folder)
    if not folder.is_dir():
        raise NegsimError(f"{folder}: no such folder")
    try:
        kind = folder_kind(folder)
    except ValueError:
        kind = "run"  # reading it as a run folder says what is missing
    paths = _DRAW[kind](folder, fmt)
    return kind, paths, write_report(folder)
