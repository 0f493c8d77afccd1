"""Figures of a calibration: minimum implausibility by parameter, and the prior against
the accepted marginals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.calibration.history_matching import CUTOFF, CalibrationResult
from sim.readings import READING

BINS = 20


def _grid(n: int) -> tuple[int, int]:
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def _short(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[-3:]) if len(parts) > 3 else name


def min_implausibility_figure(result: CalibrationResult):  # type: ignore[no-untyped-def]
    """Per factor: the smallest maximum implausibility of the points in each bin of its
    quantile, over every wave (below the line: some point there is non-implausible)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    u = np.concatenate([w.u for w in result.waves])
    x = np.concatenate([w.x for w in result.waves])
    m = np.concatenate([w.max_impl for w in result.waves])
    rows, cols = _grid(len(result.factors))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), squeeze=False)
    edges = np.linspace(0, 1, BINS + 1)
    for k, f in enumerate(result.factors):
        ax = axes[k // cols][k % cols]
        b = np.clip(np.digitize(u[:, k], edges) - 1, 0, BINS - 1)
        best = np.full(BINS, np.nan)
        centre = np.full(BINS, np.nan)
        for i in range(BINS):
            sel = b == i
            if sel.any():
                best[i] = m[sel].min()
                centre[i] = np.median(x[sel, k])
        order = np.argsort(centre)  # discrete parameters: bins may share a value
        ax.plot(centre[order], best[order], marker=".", lw=1)
        ax.axhline(CUTOFF, color="crimson", lw=0.8, ls="--")
        ax.set_title(_short(f.name), fontsize=6)
        ax.tick_params(labelsize=5)
        if f.name == READING and f.labels:
            ax.set_xticks(range(len(f.labels)))
            ax.set_xticklabels(f.labels, fontsize=4, rotation=30)
    for k in range(len(result.factors), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle(
        f"{result.scenario}: minimum implausibility by parameter (cut-off {CUTOFF:g})", fontsize=9
    )
    fig.tight_layout()
    return fig


def marginals_figure(result: CalibrationResult):  # type: ignore[no-untyped-def]
    """Per factor: the prior (the first wave's Latin hypercube, which follows it) against
    the accepted sample, as densities."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prior = result.waves[0].x
    accepted = result.final.x[result.accepted] if result.survived else prior[:0]
    rows, cols = _grid(len(result.factors))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), squeeze=False)
    for k, f in enumerate(result.factors):
        ax = axes[k // cols][k % cols]
        lo, hi = float(prior[:, k].min()), float(prior[:, k].max())
        bins = np.linspace(lo, hi if hi > lo else lo + 1, 16)
        ax.hist(prior[:, k], bins=bins, density=True, alpha=0.4, color="grey", label="prior")
        if accepted.shape[0]:
            ax.hist(
                accepted[:, k],
                bins=bins,
                density=True,
                histtype="step",
                color="navy",
                lw=1.2,
                label="accepted",
            )
        ax.set_title(_short(f.name), fontsize=6)
        ax.tick_params(labelsize=5)
        ax.set_yticks([])
    for k in range(len(result.factors), rows * cols):
        axes[k // cols][k % cols].axis("off")
    axes[0][0].legend(fontsize=5)
    fig.suptitle(f"{result.scenario}: prior and accepted marginals", fontsize=9)
    fig.tight_layout()
    return fig


def draw(result: CalibrationResult, folder: Path, fmt: str = "png") -> list[Path]:
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, make in (
        ("min_implausibility", min_implausibility_figure),
        ("marginals", marginals_figure),
    ):
        fig = make(result)
        path = folder / f"{name}.{fmt}"
        fig.savefig(path, dpi=130)
        plt.close(fig)
        out.append(path)
    return out
