"""Figures of outcome distributions, drawn from the prepared data of :mod:`sim.plot_data`.

Each ``plot_*`` function takes one prepared dataclass and an optional matplotlib ``ax``,
draws, and returns the :class:`~matplotlib.figure.Figure`. It computes nothing (the
numbers come ready from :mod:`sim.plot_data`) and never touches pyplot: figures are made
with :class:`matplotlib.figure.Figure` and written with ``Figure.savefig``, which picks
the Agg (or SVG, PDF) canvas itself, so no global backend is set and nothing is left
open. Figures that have several panels (terms, end state) replace a given ``ax`` with a
sub-figure in the same place.

Every figure has a title, axis labels with units, the scenario name and the number of
replicates. Outcome classes keep one colour everywhere, from the Okabe–Ito palette that
stays distinct under the common forms of colour blindness.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch

from sim import plot_data as pd
from sim.outcomes import EnsembleResult

__all__ = [
    "FORMATS",
    "OUTCOME_COLOURS",
    "RUN_FIGURES",
    "draw_compare_figure",
    "draw_run_figures",
    "plot_agreement_by_strikes",
    "plot_compare",
    "plot_end_state",
    "plot_outcome_probabilities",
    "plot_prim_trajectory",
    "plot_sensitivity",
    "plot_sweep",
    "plot_sweep_heatmap",
    "plot_terms",
    "plot_time_to_end",
    "save_figure",
]

# Okabe & Ito (2008), "Color Universal Design": one colour per outcome class, everywhere.
OUTCOME_COLOURS: Mapping[str, str] = {
    "agreement": "#009E73",  # bluish green
    "breakdown": "#D55E00",  # vermillion
    "mediator_exit": "#E69F00",  # orange
    "stalemate": "#0072B2",  # blue
}
# Parties' ideal points: the Okabe–Ito colours not used for outcomes, with distinct dashes.
_PARTY_COLOURS = ("#56B4E9", "#CC79A7", "#000000", "#F0E442")
_PARTY_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))
_COMPROMISE_COLOUR = "#000000"
_NEUTRAL = "#555555"
_INDEX_COLOURS = ("#56B4E9", "#555555")  # primary and secondary sensitivity index

FORMATS = ("png", "svg", "pdf")
RUN_FIGURES = ("outcomes", "terms", "time_to_end", "end_state", "agreement_by_strikes")
"""File names (without suffix) that :func:`draw_run_figures` writes, in order."""

WIDTH = 8.0  # inches: 800 px at 100 dpi, the size the README shows
SAVE_DPI = 150  # raster resolution of written PNGs (1200 px wide)
TITLE_SIZE = 12
LABEL_SIZE = 11
TICK_SIZE = 10
NOTE_SIZE = 9


# ---- helpers -----------------------------------------------------------------------------


def _class_name(label: str) -> str:
    return label.replace("_", " ")


def _meta(scenario: str, n: int | None) -> str:
    parts = [scenario] if scenario else []
    if n is not None:
        parts.append(f"n = {n:,} replicates")
    return " · ".join(parts)


def _root(fig: Figure | SubFigure) -> Figure:
    while not isinstance(fig, Figure):
        fig = fig.figure
    return fig


def _axes(ax: Axes | None, height: float) -> tuple[Figure, Axes]:
    """A new figure with one axes, or the figure that holds ``ax``."""
    if ax is None:
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        return fig, fig.add_subplot()
    return _root(ax.figure), ax


def _container(ax: Axes | None, height: float) -> tuple[Figure, Figure | SubFigure]:
    """Where a multi-panel figure draws: a new figure, or a sub-figure in ``ax``'s place."""
    if ax is None:
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        return fig, fig
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("ax must come from add_subplot or subplots to hold several panels")
    parent = ax.figure
    ax.remove()
    sub = parent.add_subfigure(spec)
    return _root(parent), sub


def _style(ax: Axes, *, grid: str = "y") -> None:
    ax.tick_params(labelsize=TICK_SIZE)
    if grid:
        ax.grid(axis=grid, color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _title(ax: Axes, what: str, scenario: str, n: int | None) -> None:
    ax.set_title(f"{what}\n{_meta(scenario, n)}", fontsize=TITLE_SIZE)


def _empty(ax: Axes, message: str) -> None:
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=LABEL_SIZE,
        color=_NEUTRAL,
    )


def _class_legend(classes: tuple[str, ...]) -> list[Patch]:
    return [Patch(facecolor=OUTCOME_COLOURS[c], label=_class_name(c)) for c in classes]


def _yerr(p: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Asymmetric error bar lengths that reach exactly from ``low`` to ``high``."""
    return np.vstack([p - low, high - p])


# ---- run figures -------------------------------------------------------------------------


def plot_outcome_probabilities(data: pd.OutcomeProbabilities, ax: Axes | None = None) -> Figure:
    """Bars of the probability of each outcome class, with Wilson 95% interval bars."""
    fig, ax = _axes(ax, 4.5)
    x = np.arange(len(data.classes))
    if data.n:
        bars = ax.bar(
            x,
            data.p,
            width=0.65,
            color=[OUTCOME_COLOURS[c] for c in data.classes],
            yerr=_yerr(data.p, data.low, data.high),
            capsize=6,
            error_kw={"ecolor": "#222222", "elinewidth": 1.2},
        )
        for rect, p, high in zip(bars.patches, data.p, data.high, strict=True):
            ax.text(
                rect.get_x() + rect.get_width() / 2,
                high + 0.02,
                f"{p:.1%}",
                ha="center",
                va="bottom",
                fontsize=TICK_SIZE,
            )
    else:
        _empty(ax, "no replicates")
    ax.set_xticks(
        x, [f"{_class_name(c)}\n{k:,} runs" for c, k in zip(data.classes, data.counts, strict=True)]
    )
    ax.set_ylim(0, 1.1)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("probability (bars: 95% Wilson interval)", fontsize=LABEL_SIZE)
    ax.set_xlabel("outcome class", fontsize=LABEL_SIZE)
    _title(ax, "How the talks end", data.scenario, data.n)
    _style(ax)
    return fig


def plot_terms(data: pd.TermsData, ax: Axes | None = None) -> Figure:
    """One panel per issue: the distribution of agreed terms, ideals and the compromise."""
    k = len(data.issues)
    cols = 2 if k == 4 else max(1, min(k, 3))
    rows = max(1, math.ceil(k / cols))
    fig, box = _container(ax, 1.4 + 2.7 * rows)
    handles: dict[str, Any] = {}
    party_style = {
        p: (_PARTY_COLOURS[i % len(_PARTY_COLOURS)], _PARTY_DASHES[i % len(_PARTY_DASHES)])
        for i, p in enumerate(data.parties)
    }
    for i, terms in enumerate(data.issues):
        a = box.add_subplot(rows, cols, i + 1)
        if data.n_agreements:
            bars = a.bar(
                terms.bin_edges[:-1],
                terms.shares,
                width=np.diff(terms.bin_edges),
                align="edge",
                color=OUTCOME_COLOURS["agreement"],
                alpha=0.85,
                edgecolor="white",
                linewidth=0.5,
            )
            handles.setdefault("agreements", bars)
        else:
            _empty(a, f"no agreement in\n{data.n:,} replicates")
        for party, ideal in terms.ideals.items():
            colour, dash = party_style[party]
            line = a.axvline(
                ideal, color=colour, linestyle=dash, linewidth=2, label=f"{party}'s ideal"
            )
            handles.setdefault(f"ideal:{party}", line)
        if terms.compromise is not None:
            line = a.axvline(
                terms.compromise,
                color=_COMPROMISE_COLOUR,
                linestyle="-",
                linewidth=1.5,
                label="naive compromise",
            )
            handles.setdefault("compromise", line)
        a.set_xlim(-0.02, 1.02)  # ideals at 0 or 1 stay visible
        a.set_ylim(bottom=0)
        if not data.n_agreements:
            a.set_ylim(0, 1)
        a.set_title(terms.issue, fontsize=LABEL_SIZE)
        a.set_xlabel("agreed position (0 to 1 on the issue)", fontsize=TICK_SIZE)
        if i % cols == 0:
            a.set_ylabel("share of agreements", fontsize=TICK_SIZE)
        _style(a)
    if not data.issues:
        a = box.add_subplot()
        _empty(a, "the scenario has no issues")
        a.set_axis_off()
    labels = {
        "agreements": f"agreements ({data.n_agreements:,})",
        "compromise": "naive compromise (salience-weighted mean of ideals)",
    }
    legend_items = [(h, labels.get(key, h.get_label())) for key, h in handles.items()]
    if legend_items:
        box.legend(
            [h for h, _ in legend_items],
            [t for _, t in legend_items],
            loc="outside lower center",
            ncols=2 if len(legend_items) == 4 else 3,
            fontsize=TICK_SIZE,
            frameon=False,
        )
    box.suptitle(f"Agreed terms per issue\n{_meta(data.scenario, data.n)}", fontsize=TITLE_SIZE)
    return fig


def plot_time_to_end(data: pd.CumulativeIncidence, ax: Axes | None = None) -> Figure:
    """Cumulative probability of each outcome class by round (competing risks, as lines)."""
    fig, ax = _axes(ax, 4.5)
    last = int(data.rounds[-1])
    # the last value is drawn on to half a round past the end, so that the jump at the
    # last round (stalemates end there) shows
    x = np.append(data.rounds, last + 0.5)
    for c, label in enumerate(data.classes):
        ax.step(
            x,
            np.append(data.cif[c], data.cif[c, -1]),
            where="post",
            color=OUTCOME_COLOURS[label],
            linewidth=2.2,
            label=_class_name(label),
        )
    ax.axvline(last, color=_NEUTRAL, linestyle=":", linewidth=1)
    ax.text(last, 1.0, "last round ", ha="right", va="top", fontsize=NOTE_SIZE, color=_NEUTRAL)
    ax.set_xlim(0, last + 0.5)
    ax.set_ylim(0, 1.02)
    days = data.round_days
    ax.set_xlabel(f"round (1 round = {days:g} days)", fontsize=LABEL_SIZE)
    ax.set_ylabel("cumulative probability of having ended", fontsize=LABEL_SIZE)
    if days > 0:
        top = ax.secondary_xaxis("top", functions=(lambda r: r * days, lambda d: d / days))
        top.set_xlabel("days since the talks began", fontsize=TICK_SIZE)
        top.tick_params(labelsize=TICK_SIZE)
    if not data.n:
        _empty(ax, "no replicates")
    ax.legend(
        loc="upper left",
        fontsize=TICK_SIZE,
        frameon=False,
        title="ended in",
        title_fontsize=TICK_SIZE,
    )
    _title(ax, "When the talks end, by outcome", data.scenario, data.n)
    _style(ax, grid="both")
    return fig


def _boxes(
    ax: Axes, positions: np.ndarray, q: np.ndarray, colours: list[str], height: float
) -> None:
    """Horizontal boxes from precomputed quantiles (5, 25, 50, 75, 95%): rows of ``q``."""
    ax.barh(
        positions,
        q[:, 3] - q[:, 1],
        left=q[:, 1],
        height=height,
        color=colours,
        alpha=0.85,
        edgecolor="#222222",
        linewidth=0.8,
    )
    ax.hlines(positions, q[:, 0], q[:, 1], color="#222222", linewidth=1)
    ax.hlines(positions, q[:, 3], q[:, 4], color="#222222", linewidth=1)
    for edge in (0, 4):
        ax.vlines(
            q[:, edge], positions - height / 4, positions + height / 4, color="#222222", linewidth=1
        )
    ax.vlines(q[:, 2], positions - height / 2, positions + height / 2, color="white", linewidth=2.2)


def plot_end_state(data: pd.EndState, ax: Axes | None = None) -> Figure:
    """Front line and each party's accumulated cost at the end, by outcome class."""
    fig, box = _container(ax, 4.8)
    present = [c for c, k in enumerate(data.counts) if k > 0]
    names = [data.classes[c] for c in present]
    colours = [OUTCOME_COLOURS[c] for c in names]
    left = box.add_subplot(1, 2, 1)
    right = box.add_subplot(1, 2, 2)
    if present:
        pos = np.arange(len(present))[::-1].astype(float)
        _boxes(left, pos, data.front_line[present], colours, 0.6)
        left.set_yticks(
            pos,
            [
                f"{_class_name(c)}\n{data.counts[k]:,} runs"
                for c, k in zip(names, present, strict=True)
            ],
        )
        n_p = len(data.parties)
        group = np.arange(n_p)[::-1].astype(float) * (len(present) + 1)
        height = 0.8
        for j, c in enumerate(present):
            _boxes(
                right,
                group + (len(present) - 1 - j) * 1.0 - (len(present) - 1) / 2,
                data.cost[:, c, :],
                [colours[j]] * n_p,
                height,
            )
        right.set_yticks(group, list(data.parties))
    else:
        _empty(left, "no replicates")
        _empty(right, "no replicates")
        left.set_yticks([])
        right.set_yticks([])
    left.set_xlim(0, 1)
    left.set_xlabel("front line (share of contested territory)", fontsize=TICK_SIZE)
    left.set_title("Front line at the end", fontsize=LABEL_SIZE)
    right.set_xlabel("accumulated cost (utility units)", fontsize=TICK_SIZE)
    right.set_title("Each party's cost of war", fontsize=LABEL_SIZE)
    right.set_xlim(left=0)
    for a in (left, right):
        _style(a, grid="x")
    if names:
        box.legend(
            handles=_class_legend(tuple(names)),
            loc="outside lower center",
            ncols=len(names),
            fontsize=TICK_SIZE,
            frameon=False,
        )
    box.suptitle(
        "The end state by outcome\n"
        f"{_meta(data.scenario, data.n)} · boxes: quartiles, median (white), "
        "whiskers: 5–95%",
        fontsize=TITLE_SIZE,
    )
    return fig


def plot_agreement_by_strikes(data: pd.StrikeAgreement, ax: Axes | None = None) -> Figure:
    """Probability of agreement by the number of strikes a replicate suffered."""
    fig, ax = _axes(ax, 4.5)
    x = np.arange(len(data.labels))
    if len(x):
        ax.bar(
            x,
            data.p,
            width=0.65,
            color=OUTCOME_COLOURS["agreement"],
            yerr=_yerr(data.p, data.low, data.high),
            capsize=5,
            error_kw={"ecolor": "#222222", "elinewidth": 1.2},
        )
        ax.set_xticks(
            x, [f"{lab}\n{k:,} runs" for lab, k in zip(data.labels, data.n_bin, strict=True)]
        )
    else:
        _empty(ax, "no replicates")
        ax.set_xticks([])
    # zoom in on small probabilities so that differences between bins show
    finite = data.high[np.isfinite(data.high)]
    top = float(finite.max()) if finite.size else 1.0
    ax.set_ylim(0, 1.05 if top > 0.6 else max(0.05, round(1.25 * top + 0.005, 2)))
    ax.set_xlabel("strikes suffered during the talks (count)", fontsize=LABEL_SIZE)
    ax.set_ylabel("probability of agreement (95% interval)", fontsize=LABEL_SIZE)
    _title(ax, "Agreement and strikes", data.scenario, data.n)
    _style(ax)
    return fig


# ---- compare, sweep, sensitivity, discovery ------------------------------------------------


def plot_compare(data: pd.CompareTable, ax: Axes | None = None) -> Figure:
    """Grouped bars: the outcome probabilities of each scenario, with 95% intervals."""
    fig, ax = _axes(ax, 4.8)
    s, c = data.p.shape
    width = 0.8 / max(c, 1)
    x = np.arange(s)
    for j, label in enumerate(data.classes):
        ax.bar(
            x + (j - (c - 1) / 2) * width,
            data.p[:, j],
            width=width * 0.95,
            color=OUTCOME_COLOURS[label],
            label=_class_name(label),
            yerr=_yerr(data.p[:, j], data.low[:, j], data.high[:, j]),
            capsize=3,
            error_kw={"ecolor": "#222222", "elinewidth": 1},
        )
    ax.set_xticks(x, list(data.scenarios))
    ax.set_ylim(0, 1.18)  # room for the legend above p = 1
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("probability (bars: 95% Wilson interval)", fontsize=LABEL_SIZE)
    ax.set_xlabel("scenario", fontsize=LABEL_SIZE)
    sizes = sorted({int(v) for v in data.n})
    n_text = (
        f"n = {sizes[0]:,} replicates each"
        if len(sizes) == 1
        else "n = " + ", ".join(f"{int(v):,}" for v in data.n) + " replicates"
    )
    ax.set_title(
        f"Outcome probabilities by scenario\n{s} scenarios · {n_text}", fontsize=TITLE_SIZE
    )
    ax.legend(loc="upper center", fontsize=TICK_SIZE, frameon=False, ncols=min(c, 4))
    _style(ax)
    return fig


def _n_text(n: np.ndarray) -> str:
    sizes = sorted({int(v) for v in np.ravel(n)})
    if len(sizes) == 1:
        return f"n = {sizes[0]:,} replicates per point"
    return f"n = {sizes[0]:,}–{sizes[-1]:,} replicates per point" if sizes else "no replicates"


def plot_sweep(data: pd.SweepCurve, ax: Axes | None = None) -> Figure:
    """Outcome probabilities against a swept parameter: lines with 95% interval bands."""
    fig, ax = _axes(ax, 4.5)
    for j, label in enumerate(data.classes):
        colour = OUTCOME_COLOURS[label]
        ax.fill_between(
            data.values, data.low[:, j], data.high[:, j], color=colour, alpha=0.2, linewidth=0
        )
        ax.plot(
            data.values,
            data.p[:, j],
            color=colour,
            marker="o",
            markersize=4,
            linewidth=2,
            label=_class_name(label),
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"{data.param} (scenario units)", fontsize=LABEL_SIZE)
    ax.set_ylabel("probability (band: 95% Wilson interval)", fontsize=LABEL_SIZE)
    ax.set_title(
        f"Outcome probabilities as {data.param} varies\n{data.scenario} · {_n_text(data.n)}",
        fontsize=TITLE_SIZE,
    )
    ax.legend(loc="best", fontsize=TICK_SIZE, frameon=False)
    _style(ax, grid="both")
    return fig


def plot_sweep_heatmap(data: pd.SweepGrid, ax: Axes | None = None) -> Figure:
    """Probability of one outcome class over two swept parameters (cividis heat map)."""
    fig, ax = _axes(ax, 5.5)
    image = ax.imshow(
        np.ma.masked_invalid(data.p),
        origin="lower",
        aspect="auto",
        cmap="cividis",
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    ny, nx = data.p.shape
    if nx * ny <= 100:
        for i in range(ny):
            for j in range(nx):
                p = data.p[i, j]
                if np.isfinite(p):
                    ax.text(
                        j,
                        i,
                        f"{p:.0%}",
                        ha="center",
                        va="center",
                        fontsize=NOTE_SIZE,
                        color="black" if p > 0.55 else "white",
                    )
    ax.set_xticks(np.arange(nx), [f"{v:g}" for v in data.x])
    ax.set_yticks(np.arange(ny), [f"{v:g}" for v in data.y])
    ax.set_xlabel(f"{data.params[0]} (scenario units)", fontsize=LABEL_SIZE)
    ax.set_ylabel(f"{data.params[1]} (scenario units)", fontsize=LABEL_SIZE)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"probability of {_class_name(data.outcome)}", fontsize=LABEL_SIZE)
    bar.ax.tick_params(labelsize=TICK_SIZE)
    ax.set_title(
        f"Probability of {_class_name(data.outcome)}\n{data.scenario} · {_n_text(data.n)}",
        fontsize=TITLE_SIZE,
    )
    ax.tick_params(labelsize=TICK_SIZE)
    return fig


def plot_sensitivity(data: pd.SensitivityData, ax: Axes | None = None) -> Figure:
    """Horizontal bars of sensitivity indices, largest at the top, with 95% whiskers."""
    k = len(data.names)
    fig, ax = _axes(ax, max(3.5, 1.6 + 0.45 * k))
    y = np.arange(k)[::-1].astype(float)
    outcome = _class_name(data.outcome)
    if data.method == "sobol":
        height = 0.38
        for j, key in enumerate(("ST", "S1")):
            half = data.conf[key]
            ax.barh(
                y + (0.5 - j) * height,
                data.indices[key],
                height=height * 0.95,
                color=_INDEX_COLOURS[j],
                xerr=half,
                capsize=3,
                error_kw={"ecolor": "#222222", "elinewidth": 1},
                label={"ST": "total effect ST", "S1": "first order S1"}[key],
            )
        ax.set_xlabel(f"Sobol index (share of the variance of P({outcome}))", fontsize=LABEL_SIZE)
        what = "Sobol indices"
    else:
        ax.barh(
            y,
            data.indices["mu_star"],
            height=0.6,
            color=_INDEX_COLOURS[0],
            xerr=data.conf["mu_star"],
            capsize=3,
            error_kw={"ecolor": "#222222", "elinewidth": 1},
            label="μ* (95% interval)",
        )
        ax.plot(
            data.indices["sigma"],
            y,
            linestyle="none",
            marker="D",
            markersize=6,
            markerfacecolor="white",
            markeredgecolor=_INDEX_COLOURS[1],
            label="σ",
        )
        ax.set_xlabel(
            f"elementary effect on P({outcome})\n(change in probability per design step)",
            fontsize=LABEL_SIZE,
        )
        what = "Morris screening"
    ax.set_yticks(y, list(data.names))
    ax.axvline(0, color="#222222", linewidth=0.8)
    if k:
        ax.legend(loc="lower right", fontsize=TICK_SIZE, frameon=False)
    else:
        _empty(ax, "no parameters")
    ax.set_title(
        f"What drives P({outcome}): {what}\n{_meta(data.scenario, data.n)}", fontsize=TITLE_SIZE
    )
    _style(ax, grid="x")
    return fig


def plot_prim_trajectory(data: pd.PrimTrajectory, ax: Axes | None = None) -> Figure:
    """PRIM peeling trajectory: density against coverage, the chosen box highlighted."""
    fig, ax = _axes(ax, 5.0)
    ax.plot(
        data.coverage,
        data.density,
        color=_NEUTRAL,
        marker="o",
        markersize=4,
        linewidth=1.2,
        label="boxes, peeled from the whole space",
    )
    c = data.chosen
    colour = OUTCOME_COLOURS[data.outcome]
    ax.plot(
        [data.coverage[c]],
        [data.density[c]],
        linestyle="none",
        marker="*",
        markersize=18,
        color=colour,
        markeredgecolor="#222222",
        label=f"chosen box ({c})",
    )
    ax.annotate(
        f"box {c}: coverage {data.coverage[c]:.0%}, density {data.density[c]:.0%}",
        (data.coverage[c], data.density[c]),
        xytext=(12, 14),
        textcoords="offset points",
        fontsize=NOTE_SIZE,
    )
    ax.set_xlim(0, 1.02)
    # rare outcomes have low densities: scale to the data so the trajectory is readable
    top = float(np.nanmax(data.density)) if np.size(data.density) else 1.0
    ax.set_ylim(0, min(1.02, max(0.05, 1.35 * top)))
    outcome = _class_name(data.outcome)
    ax.set_xlabel(f"coverage (share of all {outcome} replicates in the box)", fontsize=LABEL_SIZE)
    ax.set_ylabel(f"density (share of the box's replicates with {outcome})", fontsize=LABEL_SIZE)
    ax.legend(loc="lower left", fontsize=TICK_SIZE, frameon=False)
    _title(ax, f"Where {outcome} concentrates: PRIM peeling", data.scenario, data.n)
    _style(ax, grid="both")
    return fig


# ---- writing -------------------------------------------------------------------------------


def save_figure(fig: Figure, path_without_suffix: str | os.PathLike[str], fmt: str = "png") -> Path:
    """Write ``fig`` to ``path_without_suffix.<fmt>`` atomically; return the path.

    The image goes to a temporary file in the same folder first and is then moved into
    place with :func:`os.replace`, so a reader never sees half a figure. SVG and PDF are
    written without a creation date, and SVG element ids with a fixed salt (the one
    rcParam touched, only while saving), so that redrawing the same data gives the same
    file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r} (expected one of {', '.join(FORMATS)})")
    base = Path(path_without_suffix)
    target = base.with_name(f"{base.name}.{fmt}")
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    fd, tmp = tempfile.mkstemp(prefix=f".{base.name}.", suffix=f".{fmt}.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh, rc_context({"svg.hashsalt": "negsim"}):
            fig.savefig(fh, format=fmt, dpi=SAVE_DPI, metadata=metadata)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def draw_run_figures(
    result: EnsembleResult,
    summary: Mapping[str, Any] | None,
    outdir: str | os.PathLike[str],
    fmt: str = "png",
) -> list[Path]:
    """Draw the five figures of a run into ``outdir``; return the written paths.

    Files (see :data:`RUN_FIGURES`): ``outcomes``, ``terms``, ``time_to_end``,
    ``end_state`` and ``agreement_by_strikes``, each with the suffix ``fmt``. Fixed ideal
    points come from ``summary["ideals"]`` when given.
    """
    ideals = (summary or {}).get("ideals")
    out = Path(outdir)
    figures = (
        plot_outcome_probabilities(pd.prepare_outcomes(result)),
        plot_terms(pd.prepare_terms(result, ideals)),
        plot_time_to_end(pd.prepare_time_to_end(result)),
        plot_end_state(pd.prepare_end_state(result)),
        plot_agreement_by_strikes(pd.prepare_strikes(result)),
    )
    return [
        save_figure(fig, out / name, fmt) for fig, name in zip(figures, RUN_FIGURES, strict=True)
    ]


def draw_compare_figure(
    table: pd.CompareTable | Mapping[str, Any],
    outdir: str | os.PathLike[str],
    fmt: str = "png",
    name: str = "compare",
) -> Path:
    """Draw the grouped outcome bars of a comparison into ``outdir/<name>.<fmt>``.

    ``table`` is a prepared :class:`~sim.plot_data.CompareTable`, the content of
    ``compare.json`` (``{"rows": [{"scenario", "runs", "outcomes": {class: {"count",
    ...}}}, ...]}``), or a mapping of scenario name to its :class:`EnsembleResult`.
    """
    if isinstance(table, Mapping) and isinstance(table.get("rows"), list):
        table = pd.prepare_compare_from_table(table)
    elif not isinstance(table, pd.CompareTable):
        table = pd.prepare_compare(table)
    return save_figure(plot_compare(table), Path(outdir) / name, fmt)
