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
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sim import plot_data as pd
from sim.outcomes import EnsembleResult

__all__ = [
    "FORMATS",
    "OUTCOME_COLOURS",
    "PARTY_COLOURS",
    "RUN_FIGURES",
    "draw_compare_figure",
    "draw_run_figures",
    "issue_texts",
    "party_labels",
    "party_style",
    "plot_agreement_by_strikes",
    "plot_compare",
    "plot_end_state",
    "plot_outcome_probabilities",
    "plot_prim_box",
    "plot_prim_trajectory",
    "plot_sensitivity",
    "plot_signed_rejected",
    "plot_sweep",
    "plot_sweep_heatmap",
    "plot_terms",
    "plot_time_to_end",
    "save_figure",
]

# Okabe & Ito (2008), "Color Universal Design": one colour per outcome class, everywhere.
OUTCOME_COLOURS: Mapping[str, str] = {
    "settlement": "#009E73",  # bluish green
    "breakdown": "#D55E00",  # vermillion
    "mediator_exit": "#E69F00",  # orange
    "stalemate": "#0072B2",  # blue
    "ceasefire": "#56B4E9",  # sky blue
    "agreement": "#009E73",  # the first version's name of a settlement
}
# Parties: the Okabe–Ito colours that outcomes leave free, then Paul Tol's "muted" set: 12
# distinct colours, none of them black (the naive compromise line is black), each with a
# dash pattern from a cycle of 5 (so colour and dash together stay distinct for 60 parties).
PARTY_COLOURS = (
    "#56B4E9",
    "#CC79A7",
    "#332288",
    "#F0E442",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#88CCEE",
    "#DDCC77",
    "#117733",
    "#CC6677",
)
_PARTY_COLOURS = PARTY_COLOURS
_PARTY_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
_COMPROMISE_COLOUR = "#000000"
_NEUTRAL = "#555555"
_INDEX_COLOURS = ("#56B4E9", "#555555")  # primary and secondary sensitivity index

FORMATS = ("png", "svg", "pdf")
FIGURE_MODE = 0o644
RUN_FIGURES = (
    "outcomes",
    "terms",
    "time_to_end",
    "end_state",
    "agreement_by_strikes",
    "signed_rejected",
    "staged_by_date",
    "ceasefire_survival",
)
"""File names (without suffix) that :func:`draw_run_figures` writes, in order."""

WIDTH = 8.0  # inches: 800 px at 100 dpi, the size the README shows
SAVE_DPI = 150  # raster resolution of written PNGs (1200 px wide)
TITLE_SIZE = 12
LABEL_SIZE = 11
TICK_SIZE = 10
NOTE_SIZE = 9


# ---- helpers -----------------------------------------------------------------------------


TITLE_CHARS = 70  # characters of a TITLE_SIZE line that fit in WIDTH inches


def _class_name(label: str) -> str:
    return label.replace("_", " ")


def _words(name: str) -> str:
    """A key as words: ``security_guarantees`` -> ``security guarantees``."""
    return name.replace("_", " ")


def _wrap(text: str, width: int = TITLE_CHARS) -> str:
    """Text broken into lines of at most ``width`` characters (long words are split), so
    that a title or label never runs past the figure's edge."""
    lines = []
    for part in text.split("\n"):
        lines.extend(textwrap.wrap(part, width, break_on_hyphens=False) or [""])
    return "\n".join(lines)


def _meta(scenario: str, n: int | None) -> str:
    parts = [scenario] if scenario else []
    if n is not None:
        parts.append(f"n = {n:,} replicates")
    return " · ".join(parts)


def party_style(parties: tuple[str, ...] | list[str]) -> dict[str, tuple[str, Any]]:
    """Each party's (colour, dash): distinct for the first 12 parties in colour alone."""
    return {
        p: (PARTY_COLOURS[i % len(PARTY_COLOURS)], _PARTY_DASHES[i % len(_PARTY_DASHES)])
        for i, p in enumerate(parties)
    }


def _percent(x: float) -> str:
    """0.025 -> "2.5%", 0.2 -> "20%"."""
    return f"{100 * x:.3g}%"


def _probability_axis(ax: Axes, top: float, what: str, axis: str = "y") -> None:
    """A probability axis in percent, cut just above ``top`` (the largest value drawn)
    when that is small, so a 2% curve does not look flat on a 0–100% axis; the label
    says where the axis ends when it is cut."""
    top = float(top) if np.isfinite(top) else 1.0
    if top > 0.6:
        limit, label = 1.0, what
    else:
        limit = _nice_limit(1.15 * top)
        label = f"{what}\n(axis cut at {_percent(limit)})"
    formatter = PercentFormatter(1.0, decimals=None if limit >= 0.05 else 1)
    if axis == "y":
        ax.set_ylim(0, limit * 1.02)
        ax.yaxis.set_major_formatter(formatter)
        ax.set_ylabel(label, fontsize=LABEL_SIZE)
    else:
        ax.set_xlim(0, limit * 1.02)
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlabel(label, fontsize=LABEL_SIZE)


def _nice_limit(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``x`` (min 0.5%)."""
    x = max(float(x), 0.005)
    power = 10.0 ** math.floor(math.log10(x))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= x - 1e-12:
            return min(1.0, step * power)
    return 1.0


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


def _style(ax: Axes, *, grid: Literal["x", "y", "both", ""] = "y") -> None:
    ax.tick_params(labelsize=TICK_SIZE)
    if grid:
        ax.grid(axis=grid, color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _title(ax: Axes, what: str, scenario: str, n: int | None, width: int = TITLE_CHARS) -> None:
    ax.set_title(_wrap(f"{what}\n{_meta(scenario, n)}", width), fontsize=TITLE_SIZE)


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
    top = float(np.nanmax(data.high)) if data.n else 1.0
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
                high + 0.02 * max(top, 0.05),
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
    # room above the tallest interval for its label
    _probability_axis(ax, min(1.0, 1.1 * top), "probability\n(bars: 95% Wilson interval)")
    ax.set_xlabel("outcome class", fontsize=LABEL_SIZE)
    _title(ax, "How the talks end", data.scenario, data.n)
    _style(ax)
    return fig


def _term_axis_label(terms: pd.IssueTerms, chars: int) -> str:
    """The x label of a terms panel: what 0 and 1 mean on the issue, in its own words."""
    if not (terms.zero or terms.one):
        return _wrap("agreed position (0 to 1 on the issue)", chars)
    return "\n".join(
        _wrap(f"{end} = {text}", chars)
        for end, text in (("0", terms.zero), ("1", terms.one))
        if text
    )


def plot_terms(data: pd.TermsData, ax: Axes | None = None) -> Figure:
    """One panel per issue: the distribution of agreed terms, ideals and the compromise.

    Each panel is titled with the issue's name in words and its x axis says what 0 and 1
    mean on the issue (the scenario's ``zero`` and ``one``), when known.
    """
    k = len(data.issues)
    cols = 2 if k == 4 else max(1, min(k, 3))
    rows = max(1, math.ceil(k / cols))
    chars = {1: 80, 2: 46, 3: 30}[cols]
    extra = max((_term_axis_label(t, chars).count("\n") for t in data.issues), default=0)
    fig, box = _container(ax, 1.8 + (2.7 + 0.17 * extra) * rows + 0.2 * len(data.parties))
    handles: dict[str, Any] = {}
    styles = party_style(data.parties)
    for i, terms in enumerate(data.issues):
        a = box.add_subplot(rows, cols, i + 1)
        if data.n_agreements:
            bars = a.bar(
                terms.bin_edges[:-1],
                terms.shares,
                width=np.diff(terms.bin_edges),
                align="edge",
                color=OUTCOME_COLOURS["settlement"],
                alpha=0.85,
                edgecolor="white",
                linewidth=0.5,
            )
            handles.setdefault("agreements", bars)
        else:
            _empty(a, f"no agreement in\n{data.n:,} replicates")
        for party, ideal in terms.ideals.items():
            colour, dash = styles[party]
            line = a.axvline(
                ideal,
                color=colour,
                linestyle=dash,
                linewidth=2,
                label=f"{_words(data.party_labels.get(party, party))}'s ideal",
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
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        a.set_title(_wrap(_words(terms.issue), chars), fontsize=LABEL_SIZE)
        a.set_xlabel(_term_axis_label(terms, chars), fontsize=NOTE_SIZE)
        if i % cols == 0:
            a.set_ylabel("share of agreements (%)", fontsize=TICK_SIZE)
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
            ncols=2,
            fontsize=TICK_SIZE,
            frameon=False,
        )
    box.suptitle(
        _wrap(f"Agreed terms per issue\n{_meta(data.scenario, data.n)}"), fontsize=TITLE_SIZE
    )
    return fig


def plot_time_to_end(data: pd.CumulativeIncidence, ax: Axes | None = None) -> Figure:
    """Cumulative probability of each outcome class by round (competing risks).

    One panel per outcome class that happened, each with its own probability axis, so a
    class that ends 2% of the talks is as readable as one that ends 60%.
    """
    present = [c for c in range(len(data.classes)) if data.n and data.cif[c, -1] > 0]
    shown = present or list(range(len(data.classes)))
    cols = 2 if len(shown) > 1 else 1
    rows = math.ceil(len(shown) / cols)
    fig, box = _container(ax, 1.4 + 2.6 * rows)
    last = int(data.rounds[-1])
    # the last value is drawn on to half a round past the end, so that the jump at the
    # last round (stalemates end there) shows
    x = np.append(data.rounds, last + 0.5)
    days = data.round_days
    for i, c in enumerate(shown):
        a = box.add_subplot(rows, cols, i + 1)
        label = data.classes[c]
        a.step(
            x,
            np.append(data.cif[c], data.cif[c, -1]),
            where="post",
            color=OUTCOME_COLOURS[label],
            linewidth=2.2,
        )
        a.axvline(last, color=_NEUTRAL, linestyle=":", linewidth=1)
        a.set_xlim(0, last + 0.5)
        total = float(data.cif[c, -1])
        _probability_axis(a, total, "cumulative probability")
        a.yaxis.label.set_fontsize(TICK_SIZE)
        a.set_title(f"ended in {_class_name(label)}: {total:.1%} by the end", fontsize=LABEL_SIZE)
        if i >= len(shown) - cols:
            a.set_xlabel(f"round (1 round = {days:g} days)", fontsize=TICK_SIZE)
        if not data.n:
            _empty(a, "no replicates")
        _style(a, grid="both")
    box.suptitle(
        _wrap(
            "When the talks end, by outcome\n"
            f"{_meta(data.scenario, data.n)} · each panel on its own scale · dotted: last round"
        ),
        fontsize=TITLE_SIZE,
    )
    return fig


def plot_signed_rejected(data: pd.SignedRejected, ax: Axes | None = None) -> Figure:
    """Share of replicates in which the governments had signed a package that a public
    then rejected, by round (cumulative, first such package), with its 95% band; bars:
    the share whose first came in that round."""
    fig, a = _axes(ax, 4.2)
    last = int(data.rounds[-1])
    colour = OUTCOME_COLOURS["breakdown"]
    a.bar(
        data.rounds[1:],
        data.first[1:],
        width=0.8,
        color=colour,
        alpha=0.35,
        label="first, in this round",
    )
    a.fill_between(data.rounds, data.low, data.high, step="post", color=colour, alpha=0.15)
    a.step(
        data.rounds,
        data.cumulative,
        where="post",
        color=colour,
        linewidth=2.2,
        label="by this round",
    )
    a.set_xlim(0, last + 0.5)
    top = float(np.nanmax(data.high)) if data.n else 0.0
    _probability_axis(a, top, "share of replicates")
    a.set_xlabel(f"round (1 round = {data.round_days:g} days)", fontsize=TICK_SIZE)
    a.legend(fontsize=TICK_SIZE, frameon=False, loc="upper left")
    if not data.has_any:
        _empty(a, "no package was signed and then rejected")
    _style(a, grid="both")
    _title(
        a,
        "Signed by the governments, rejected by the public (shaded: 95% interval)",
        data.scenario,
        data.n,
    )
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
    """Front line and each party's accumulated cost at the end, by outcome class.

    Only the panels the scenario has: no front-line panel without a front line, no cost
    panel when no party accumulated any cost (then a single note says so).
    """
    present = [c for c, k in enumerate(data.counts) if k > 0]
    names = [data.classes[c] for c in present]
    colours = [OUTCOME_COLOURS[c] for c in names]
    panels = [kind for kind, has in (("front", data.has_front), ("cost", data.has_cost)) if has]
    n_p = len(data.parties)
    height = max(4.2, 2.0 + (0.35 * n_p * max(1, len(present)) if "cost" in panels else 2.5))
    fig, box = _container(ax, min(height, 14.0))
    axes = {kind: box.add_subplot(1, max(1, len(panels)), i + 1) for i, kind in enumerate(panels)}
    class_ticks = [
        f"{_class_name(c)}\n{data.counts[k]:,} runs" for c, k in zip(names, present, strict=True)
    ]
    if not panels:
        a = box.add_subplot()
        _empty(a, "no front line and no accumulated cost in this scenario")
        a.set_axis_off()
    if "front" in axes:
        left = axes["front"]
        if present:
            pos = np.arange(len(present))[::-1].astype(float)
            _boxes(left, pos, data.front_line[present], colours, 0.6)
            left.set_yticks(pos, class_ticks)
        left.set_xlim(0, 1)
        left.set_xlabel("front line (share of contested territory)", fontsize=TICK_SIZE)
        left.set_title("Front line at the end", fontsize=LABEL_SIZE)
        _style(left, grid="x")
    if "cost" in axes:
        right = axes["cost"]
        if present:
            group = np.arange(n_p)[::-1].astype(float) * (len(present) + 1)
            for j, c in enumerate(present):
                _boxes(
                    right,
                    group + (len(present) - 1 - j) * 1.0 - (len(present) - 1) / 2,
                    data.cost[:, c, :],
                    [colours[j]] * n_p,
                    0.8,
                )
            right.set_yticks(group, [_words(data.party_labels.get(p, p)) for p in data.parties])
        right.set_xlabel("accumulated cost (utility units)", fontsize=TICK_SIZE)
        right.set_title("Each party's accumulated cost", fontsize=LABEL_SIZE)
        right.set_xlim(left=0)
        _style(right, grid="x")
    if names and panels:
        box.legend(
            handles=_class_legend(tuple(names)),
            loc="outside lower center",
            ncols=len(names),
            fontsize=TICK_SIZE,
            frameon=False,
        )
    box.suptitle(
        _wrap(
            "The end state by outcome\n"
            f"{_meta(data.scenario, data.n)} · boxes: quartiles, median (white), "
            "whiskers: 5–95%"
        ),
        fontsize=TITLE_SIZE,
    )
    return fig


STRIKES_CAVEAT = (
    "Read with care: talks that end early (a walk-out, an agreement) have had less time "
    "to be struck, so the count partly measures how long the talks lasted. This is an "
    "association, not the effect of strikes; for that, sweep the strike rate."
)


def plot_agreement_by_strikes(data: pd.StrikeAgreement, ax: Axes | None = None) -> Figure:
    """Probability of agreement by the number of strikes a replicate suffered, with the
    selection-effect caveat printed on the figure."""
    fig, ax = _axes(ax, 5.0)
    x = np.arange(len(data.labels))
    if len(x):
        ax.bar(
            x,
            data.p,
            width=0.65,
            color=OUTCOME_COLOURS["settlement"],
            yerr=_yerr(data.p, data.low, data.high),
            capsize=5,
            error_kw={"ecolor": "#222222", "elinewidth": 1.2},
        )
        ax.set_xticks(
            x,
            [f"{lab}\n{k:,} runs" for lab, k in zip(data.labels, data.n_bin, strict=True)],
            fontsize=TICK_SIZE if len(x) <= 8 else NOTE_SIZE,
        )
    else:
        _empty(ax, "no replicates")
        ax.set_xticks([])
    finite = data.high[np.isfinite(data.high)]
    _probability_axis(
        ax,
        float(finite.max()) if finite.size else 1.0,
        "probability of agreement\n(bars: 95% interval)",
    )
    ax.set_xlabel(
        _wrap("strikes suffered during the talks (count)\n" + STRIKES_CAVEAT, 100),
        fontsize=NOTE_SIZE,
    )
    ax.xaxis.label.set_color("#333333")
    _title(ax, "Agreement and strikes (an association, not an effect)", data.scenario, data.n)
    _style(ax)
    return fig


# ---- compare, sweep, sensitivity, discovery ------------------------------------------------


def plot_compare(data: pd.CompareTable, ax: Axes | None = None) -> Figure:
    """What ``compare`` exists for: each scenario's difference from the first in the
    probability of each outcome class, with its paired 95% interval (common random
    numbers), one panel per class, scenarios as rows so that long names and ten scenarios
    stay legible. Without paired differences (counts only) the panels show the
    probabilities themselves with Wilson intervals.
    """
    s, c = data.p.shape
    paired = data.diff is not None and data.diff_low is not None and data.diff_high is not None
    cols = 2 if c > 1 else 1
    rows = math.ceil(c / cols)
    longest = max((len(n) for n in data.scenarios), default=8)
    fig, box = _container(ax, 1.6 + rows * (0.9 + 0.32 * s))
    y = np.arange(s)[::-1].astype(float)
    base = data.scenarios[0] if s else ""
    names = [n if len(n) <= 30 else n[:29] + "…" for n in data.scenarios]
    for j, label in enumerate(data.classes):
        a = box.add_subplot(rows, cols, j + 1)
        colour = OUTCOME_COLOURS[label]
        if paired:
            assert data.diff is not None and data.diff_low is not None
            assert data.diff_high is not None
            mid = 100 * data.diff[:, j]
            low, high = 100 * data.diff_low[:, j], 100 * data.diff_high[:, j]
            rest = slice(1, None)
            a.errorbar(
                mid[rest],
                y[rest],
                xerr=np.vstack([mid[rest] - low[rest], high[rest] - mid[rest]]),
                fmt="o",
                color=colour,
                ecolor="#222222",
                elinewidth=1.2,
                capsize=3,
                markersize=6,
            )
            a.axvline(0, color="#222222", linewidth=1)
            if s:
                a.plot([0], [y[0]], marker="|", markersize=14, color="#222222")
            span = float(np.nanmax(np.abs(np.concatenate([low, high])))) if s > 1 else 1.0
            span = max(span, 0.5) * 1.15
            a.set_xlim(-span, span)
            p0 = float(data.p[0, j]) if s else float("nan")
            a.set_title(
                _wrap(f"{_class_name(label)} (in {names[0] if s else ''}: {p0:.1%})", 32),
                fontsize=LABEL_SIZE,
            )
            a.set_xlabel("difference (percentage points)", fontsize=TICK_SIZE)
        else:
            a.errorbar(
                data.p[:, j],
                y,
                xerr=_yerr(data.p[:, j], data.low[:, j], data.high[:, j]),
                fmt="o",
                color=colour,
                ecolor="#222222",
                elinewidth=1.2,
                capsize=3,
            )
            finite = data.high[:, j][np.isfinite(data.high[:, j])]
            _probability_axis(
                a, float(finite.max()) if finite.size else 1.0, "probability", axis="x"
            )
            a.xaxis.label.set_fontsize(TICK_SIZE)
            a.set_title(_class_name(label), fontsize=LABEL_SIZE)
        a.set_ylim(-0.6, s - 0.4)
        a.set_yticks(y, names if j % cols == 0 else [""] * s, fontsize=TICK_SIZE)
        _style(a, grid="x")
    sizes = sorted({int(v) for v in data.n})
    n_text = (
        f"n = {sizes[0]:,} replicates each"
        if len(sizes) == 1
        else "n = " + ", ".join(f"{int(v):,}" for v in data.n) + " replicates"
    )
    what = (
        f"Difference from {base} in the probability of each outcome\n"
        "dots: difference, bars: paired 95% interval (same random numbers in every scenario)"
        if paired
        else "Outcome probabilities by scenario (bars: 95% Wilson interval)"
    )
    del longest
    box.suptitle(_wrap(f"{what}\n{s} scenarios · {n_text}"), fontsize=TITLE_SIZE)
    return fig


def _n_text(n: np.ndarray) -> str:
    sizes = sorted({int(v) for v in np.ravel(n)})
    if len(sizes) == 1:
        return f"n = {sizes[0]:,} replicates per point"
    return f"n = {sizes[0]:,}–{sizes[-1]:,} replicates per point" if sizes else "no replicates"


def _param_words(path: str, label: str = "") -> str:
    """A swept parameter in words (sensitivity's labels), its path in brackets."""
    if label:
        return label
    from sim.discovery import parameter_label

    return parameter_label(path)


def plot_sweep(data: pd.SweepCurve, ax: Axes | None = None) -> Figure:
    """Outcome probabilities against a swept parameter: lines with 95% interval bands, one
    panel per outcome class that happened, each on its own probability scale."""
    present = [j for j in range(len(data.classes)) if np.nansum(data.counts[:, j]) > 0]
    shown = present or list(range(len(data.classes)))
    cols = 2 if len(shown) > 1 else 1
    rows = math.ceil(len(shown) / cols)
    fig, box = _container(ax, 1.6 + 2.6 * rows)
    words = _param_words(data.param, data.label)
    for i, j in enumerate(shown):
        a = box.add_subplot(rows, cols, i + 1)
        label = data.classes[j]
        colour = OUTCOME_COLOURS[label]
        a.fill_between(
            data.values, data.low[:, j], data.high[:, j], color=colour, alpha=0.2, linewidth=0
        )
        a.plot(data.values, data.p[:, j], color=colour, marker="o", markersize=4, linewidth=2)
        finite = data.high[:, j][np.isfinite(data.high[:, j])]
        _probability_axis(a, float(finite.max()) if finite.size else 1.0, "probability")
        a.yaxis.label.set_fontsize(TICK_SIZE)
        a.set_title(_class_name(label), fontsize=LABEL_SIZE)
        if i >= len(shown) - cols:
            a.set_xlabel(
                _wrap(f"{words} ({data.param})", 45 if cols == 2 else 90), fontsize=TICK_SIZE
            )
        _style(a, grid="both")
    box.suptitle(
        _wrap(
            f"Outcome probabilities as {words} varies\n"
            f"{data.scenario} · {_n_text(data.n)} · band: 95% Wilson interval"
        ),
        fontsize=TITLE_SIZE,
    )
    return fig


def plot_sweep_heatmap(data: pd.SweepGrid, ax: Axes | None = None) -> Figure:
    """Probability of one outcome class over two swept parameters (cividis heat map, its
    colour scale cut at the largest probability, which the colour bar says)."""
    fig, ax = _axes(ax, 5.5)
    finite = data.p[np.isfinite(data.p)]
    top = _nice_limit(1.05 * float(finite.max())) if finite.size else 1.0
    image = ax.imshow(
        np.ma.masked_invalid(data.p),
        origin="lower",
        aspect="auto",
        cmap="cividis",
        vmin=0,
        vmax=top,
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
                        f"{p:.0%}" if top > 0.1 else f"{p:.1%}",
                        ha="center",
                        va="center",
                        fontsize=NOTE_SIZE,
                        color="black" if p > 0.55 * top else "white",
                    )
    ax.set_xticks(np.arange(nx), [f"{v:g}" for v in data.x])
    ax.set_yticks(np.arange(ny), [f"{v:g}" for v in data.y])
    ax.set_xlabel(_wrap(_param_words(data.params[0]), 80), fontsize=LABEL_SIZE)
    ax.set_ylabel(_wrap(_param_words(data.params[1]), 45), fontsize=LABEL_SIZE)
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0))
    cut = "" if top >= 1 else f", scale cut at {top:.0%}"
    bar.set_label(f"probability of {_class_name(data.outcome)}{cut}", fontsize=LABEL_SIZE)
    bar.ax.tick_params(labelsize=TICK_SIZE)
    ax.set_title(
        _wrap(
            f"Probability of {_class_name(data.outcome)}\n{data.scenario} · {_n_text(data.n)}",
            70,
        ),
        fontsize=TITLE_SIZE,
    )
    ax.tick_params(labelsize=TICK_SIZE)
    return fig


SOBOL_AXIS = (-0.1, 1.1)  # a share of variance lies in [0, 1]; estimates beyond are cut


def plot_sensitivity(data: pd.SensitivityData, ax: Axes | None = None) -> Figure:
    """Horizontal bars of sensitivity indices, largest at the top, with 95% whiskers.

    Estimates the sample cannot support (:func:`sim.plot_data.sensitivity_caveats`) are
    drawn hatched and grey, their names marked with "(!)", and the reason is printed
    under the figure. Sobol's axis stays at the possible range of a share, [0, 1]; a value
    outside is cut at the edge and written there.
    """
    k = len(data.names)
    caveat = "\n".join(_wrap(c, 95) for c in data.caveats)
    fig, ax = _axes(ax, max(3.5, 1.6 + 0.45 * k + 0.2 * caveat.count("\n") + 0.4 * bool(caveat)))
    y = np.arange(k)[::-1].astype(float)
    outcome = _class_name(data.outcome)
    flagged = data.flagged if data.flagged.shape == (k,) else np.zeros(k, dtype=bool)
    if data.method == "sobol":
        height = 0.38
        lo, hi = SOBOL_AXIS
        for j, key in enumerate(("ST", "S1")):
            values = np.asarray(data.indices[key], dtype=float)
            shown = np.clip(values, lo, hi)
            half = data.conf[key]
            colours = [_NEUTRAL if f else _INDEX_COLOURS[j] for f in flagged]
            bars = ax.barh(
                y + (0.5 - j) * height,
                shown,
                height=height * 0.95,
                color=colours,
                xerr=None if half is None else np.where(flagged, 0.0, half),
                capsize=3,
                error_kw={"ecolor": "#222222", "elinewidth": 1},
                label={"ST": "total effect ST", "S1": "first order S1"}[key],
            )
            for rect, f, v, cut in zip(bars.patches, flagged, values, shown != values, strict=True):
                if f:
                    rect.set_hatch("///")
                    rect.set_alpha(0.6 if j else 0.8)
                if cut:
                    ax.text(
                        hi if v > hi else lo,
                        rect.get_y() + rect.get_height() / 2,
                        f" {v:.2f} " if v > hi else f"{v:.2f} ",
                        ha="right" if v > hi else "left",
                        va="center",
                        fontsize=NOTE_SIZE - 1,
                        color="#222222",
                    )
        ax.set_xlim(lo, hi)
        ax.set_xlabel(f"Sobol index (share of the variance of P({outcome}))", fontsize=LABEL_SIZE)
        what = "Sobol indices"
    else:
        mu = np.asarray(data.indices["mu_star"], dtype=float)
        ax.barh(
            y,
            mu,
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
        for yy in y[flagged]:
            ax.text(
                0,
                yy,
                "  no effect seen (not: no effect)",
                va="center",
                fontsize=NOTE_SIZE - 1,
                color=_NEUTRAL,
            )
        ax.set_xlabel(
            f"elementary effect on P({outcome})\n(change in probability per design step)",
            fontsize=LABEL_SIZE,
        )
        what = "Morris screening"
    names = [f"{n} (!)" if f else n for n, f in zip(data.names, flagged, strict=True)]
    ax.set_yticks(y, [_wrap(n, 45) for n in names])
    ax.axvline(0, color="#222222", linewidth=0.8)
    if k:
        ax.legend(loc="lower right", fontsize=TICK_SIZE, frameon=False)
    else:
        _empty(ax, "no parameters")
    if caveat:
        # a figure-level label, so that constrained layout makes room for it
        fig.supxlabel("(!) " + caveat, fontsize=NOTE_SIZE, color="#9a3412", x=0.01, ha="left")
    _title(ax, f"What drives P({outcome}): {what}", data.scenario, data.n, 60)
    _style(ax, grid="x")
    return fig


def plot_prim_trajectory(
    data: pd.PrimTrajectory, ax: Axes | None = None, box: pd.PrimBox | None = None
) -> Figure:
    """PRIM peeling trajectory: density against coverage, the chosen box highlighted.

    With ``box`` (and no ``ax``) a second panel below draws the chosen box's limits
    against each restricted parameter's sampled range (:func:`plot_prim_box`).
    """
    if box is not None and ax is None:
        fig = Figure(figsize=(WIDTH, 5.0 + 1.4 + 0.45 * len(box.labels)), layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=(5.0, 1.0 + 0.45 * max(1, len(box.labels))))
        _draw_prim_trajectory(data, top)
        plot_prim_box(box, bottom)
        return fig
    fig, ax = _axes(ax, 5.0)
    _draw_prim_trajectory(data, ax)
    return fig


def _draw_prim_trajectory(data: pd.PrimTrajectory, ax: Axes) -> None:
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
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    # rare outcomes have low densities: scale to the data so the trajectory is readable
    top = float(np.nanmax(data.density)) if np.size(data.density) else 1.0
    outcome = _class_name(data.outcome)
    ax.set_xlabel(
        f"coverage (share of all {outcome} replicates in the box, %)", fontsize=LABEL_SIZE
    )
    _probability_axis(ax, 1.2 * top, f"density (share of the box's\nreplicates with {outcome})")
    ax.legend(loc="lower left", fontsize=TICK_SIZE, frameon=False)
    _title(ax, f"Where {outcome} concentrates: PRIM peeling", data.scenario, data.n)
    _style(ax, grid="both")


def plot_prim_box(data: pd.PrimBox, ax: Axes | None = None) -> Figure:
    """A PRIM box drawn against the parameters' ranges: one row per restricted parameter,
    its sampled range in grey (0 to 100% of the range, the ends written beside it) and the
    box's limits in the outcome's colour (an open side runs to the range's end)."""
    k = len(data.labels)
    fig, ax = _axes(ax, 1.6 + 0.5 * max(1, k))
    y = np.arange(k)[::-1].astype(float)
    span = np.where(data.range_high > data.range_low, data.range_high - data.range_low, 1.0)
    low = np.where(np.isfinite(data.low), (data.low - data.range_low) / span, 0.0)
    high = np.where(np.isfinite(data.high), (data.high - data.range_low) / span, 1.0)
    low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    colour = OUTCOME_COLOURS[data.outcome]
    ax.barh(y, np.ones(k), left=0, height=0.55, color="#e5e5e5", edgecolor="#999999")
    ax.barh(y, high - low, left=low, height=0.55, color=colour, alpha=0.85, edgecolor="#222222")
    for i in range(k):
        for at, value, align in (
            (0.0, data.range_low[i], "left"),
            (1.0, data.range_high[i], "right"),
        ):
            ax.text(
                at,
                y[i] - 0.32,
                f"{value:.3g}",
                ha=align,
                va="top",
                fontsize=NOTE_SIZE,
                color=_NEUTRAL,
            )
        for side, value, at in (("≥", data.low[i], low[i]), ("≤", data.high[i], high[i])):
            if np.isfinite(value):
                ax.text(
                    at,
                    y[i] + 0.33,
                    f"{side} {value:.3g}",
                    ha="center",
                    va="bottom",
                    fontsize=NOTE_SIZE,
                )
    ax.set_yticks(y, [_wrap(lab, 40) for lab in data.labels])
    ax.set_ylim(-0.85, k - 0.2 if k else 0.6)
    ax.set_xlim(-0.03, 1.03)
    ax.set_xticks([0, 0.5, 1], ["range min", "middle", "range max"])
    ax.set_xlabel(
        "position within the sampled range (grey); the box's limits (coloured)", fontsize=TICK_SIZE
    )
    if not k:
        _empty(ax, "the box restricts no parameter")
    ax.set_title(
        _wrap(
            f"The box: coverage {data.coverage:.0%}, density {data.density:.1%} "
            f"({_class_name(data.outcome)})",
            70,
        ),
        fontsize=LABEL_SIZE,
    )
    _style(ax, grid="")
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
        # mkstemp makes the file private (0600); a figure is as readable as the other
        # outputs of a run
        os.chmod(tmp, FIGURE_MODE)
        with os.fdopen(fd, "wb") as fh, rc_context({"svg.hashsalt": "negsim"}):
            fig.savefig(fh, format=fmt, dpi=SAVE_DPI, metadata=metadata)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def issue_texts(scenario: Any) -> dict[str, tuple[str, str]]:
    """What 0 and 1 mean on each issue: ``{issue: (zero, one)}``.

    ``scenario`` is a :class:`sim.scenario.Scenario`, the mapping of a scenario file
    (``{"issues": {name: {"zero": ..., "one": ...}}}``), a path to a scenario YAML file,
    or None (then ``{}``). Never raises on a malformed file: the figures then fall back
    to "0 to 1 on the issue".
    """
    scenario = _scenario_mapping(scenario)
    if scenario is None:
        return {}
    if isinstance(scenario, Mapping):
        issues = scenario.get("issues")
        if not isinstance(issues, Mapping):
            return {}
        return {
            str(name): (str(spec.get("zero") or ""), str(spec.get("one") or ""))
            for name, spec in issues.items()
            if isinstance(spec, Mapping)
        }
    return {
        str(issue.name): (
            str(getattr(issue, "zero", "") or ""),
            str(getattr(issue, "one", "") or ""),
        )
        for issue in getattr(scenario, "issues", ())
    }


def _scenario_mapping(scenario: Any) -> Any:
    """A scenario file's mapping when given a path (None when unreadable), else as given."""
    if isinstance(scenario, str | os.PathLike):
        import yaml

        try:
            return yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return None
    return scenario


def party_labels(scenario: Any) -> dict[str, str]:
    """The scenario's ``label`` of each actor that has one: ``{name: label}``.

    Takes what :func:`issue_texts` takes; never raises on a malformed file.
    """
    scenario = _scenario_mapping(scenario)
    if scenario is None:
        return {}
    if isinstance(scenario, Mapping):
        actors = scenario.get("actors")
        if not isinstance(actors, Mapping):
            return {}
        return {
            str(name): str(spec["label"])
            for name, spec in actors.items()
            if isinstance(spec, Mapping) and spec.get("label")
        }
    return {
        str(a.name): str(a.label)
        for a in getattr(scenario, "actors", ())
        if getattr(a, "label", "")
    }


def draw_run_figures(
    result: EnsembleResult,
    summary: Mapping[str, Any] | None,
    outdir: str | os.PathLike[str],
    fmt: str = "png",
    scenario: Any = None,
) -> list[Path]:
    """Draw the figures of a run into ``outdir``; return the written paths.

    Files (see :data:`RUN_FIGURES`): ``outcomes``, ``terms``, ``time_to_end``,
    ``end_state``, ``agreement_by_strikes`` and ``signed_rejected``, each with the suffix
    ``fmt``, but only those the scenario has: no ``end_state`` without a front line or any cost, no
    ``agreement_by_strikes`` when no replicate was struck, no ``signed_rejected`` when no
    package was signed and then rejected (a stale file of that name in
    ``outdir`` is removed, so a redraw never leaves a figure of another run). Fixed ideal
    points come from ``summary["ideals"]`` when given. ``scenario`` (anything
    :func:`issue_texts` takes) gives the issues' ``zero``/``one`` texts; by default they
    are read from ``scenario.yaml`` beside ``outdir`` (a run folder's layout), when there.
    """
    ideals = (summary or {}).get("ideals")
    out = Path(outdir)
    if scenario is None and (out.parent / "scenario.yaml").is_file():
        scenario = out.parent / "scenario.yaml"
    texts = issue_texts(scenario)
    labels = party_labels(scenario)
    end_state = pd.prepare_end_state(result, labels)
    strikes = pd.prepare_strikes(result)
    rejected = pd.prepare_signed_rejected(result)
    from sim.agreements import figures as staged

    figures = {
        "outcomes": lambda: plot_outcome_probabilities(pd.prepare_outcomes(result)),
        "terms": lambda: plot_terms(
            pd.prepare_terms(result, ideals, issue_texts=texts, party_labels=labels)
        ),
        "time_to_end": lambda: plot_time_to_end(pd.prepare_time_to_end(result)),
        "end_state": (
            (lambda: plot_end_state(end_state))
            if end_state.has_front or end_state.has_cost
            else None
        ),
        "agreement_by_strikes": (
            (lambda: plot_agreement_by_strikes(strikes)) if strikes.has_strikes else None
        ),
        "signed_rejected": ((lambda: plot_signed_rejected(rejected)) if rejected.has_any else None),
        # staged agreements (sim.agreements.figures): only where a ceasefire or a settlement
        # held at some round; the survival curve only where a ceasefire did
        "staged_by_date": (lambda: staged.plot_staged_by_date(result))
        if staged.has_stages(result)
        else None,
        "ceasefire_survival": (lambda: staged.plot_ceasefire_survival(result))
        if (result.stage is not None and (result.stage == 2).any())
        else None,
    }
    written = []
    for name in RUN_FIGURES:
        draw = figures[name]
        if draw is None:
            (out / f"{name}.{fmt}").unlink(missing_ok=True)
            continue
        written.append(save_figure(draw(), out / name, fmt))
    return written


def draw_compare_figure(
    table: pd.CompareTable | Mapping[str, Any],
    outdir: str | os.PathLike[str],
    fmt: str = "png",
    name: str = "compare",
) -> Path:
    """Draw the paired differences of a comparison into ``outdir/<name>.<fmt>``.

    ``table`` is a prepared :class:`~sim.plot_data.CompareTable`, the content of
    ``compare.json`` (``{"rows": [{"scenario", "runs", "outcomes": {class: {"count",
    ...}}}, ...]}``), or a mapping of scenario name to its :class:`EnsembleResult`.
    """
    if isinstance(table, Mapping) and isinstance(table.get("rows"), list):
        table = pd.prepare_compare_from_table(table)
    elif not isinstance(table, pd.CompareTable):
        table = pd.prepare_compare(table)
    return save_figure(plot_compare(table), Path(outdir) / name, fmt)
