"""Figures of staged agreements: the cumulative probability of a first ceasefire and of a
settlement by date (with the probability a ceasefire is in force), and the survival of
ceasefires. Both read the stage record of a run (``EnsembleResult.stage``), so they can
be redrawn from ``replicates.csv``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.agreements import stages as st
from sim.agreements.calendar import Calendar
from sim.stats import wilson_interval

if TYPE_CHECKING:
    from sim.outcomes import EnsembleResult

CURVES = (
    ("first ceasefire by then", "#56B4E9", "-"),
    ("settlement by then", "#009E73", "-"),
    ("ceasefire in force", "#56B4E9", ":"),
)


def has_stages(result: EnsembleResult) -> bool:
    """Whether a run has anything staged to draw (a ceasefire or settlement at some round)."""
    return result.stage is not None and bool(
        np.isin(result.stage, (st.CEASEFIRE, st.SETTLEMENT)).any()
    )


def plot_staged_by_date(result: EnsembleResult) -> Figure:
    """Cumulative probability of a first ceasefire and of a settlement, and the
    probability a ceasefire is in force, per round (by date with a start date), each with
    its Wilson 95% band; the scenario's report dates are marked."""
    stage = result.stages
    n, rounds = stage.shape
    cf = stage == st.CEASEFIRE
    series = (
        np.maximum.accumulate(cf, axis=1),
        np.maximum.accumulate(stage == st.SETTLEMENT, axis=1),
        cf,
    )
    cal = (
        Calendar(result.start_date, result.round_days, rounds)
        if result.start_date is not None
        else None
    )
    x: np.ndarray = (
        np.array([cal.date_of(r) for r in range(1, rounds + 1)], dtype="datetime64[D]")
        if cal
        else np.arange(1, rounds + 1)
    )
    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.subplots()
    top = 0.0
    for (label, colour, dash), hits in zip(CURVES, series, strict=True):
        k = hits.sum(axis=0).astype(float)
        p = k / max(n, 1)
        lo, hi = (np.asarray(v, dtype=float) for v in wilson_interval(k, np.full_like(k, n)))
        ax.step(x, p, where="post", color=colour, linestyle=dash, label=label, linewidth=2)
        ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.2, linewidth=0)
        top = max(top, float(np.max(hi)) if hi.size else 0.0)
    if cal is not None:
        for date in result.report_dates:
            d = dt.date.fromisoformat(date)
            ax.axvline(np.datetime64(d), color="#444444", linewidth=0.8, linestyle="--")  # type: ignore[arg-type]
            r = min(cal.rounds_by(date), rounds)
            if r > 0:
                p_cf = float(series[0][:, r - 1].mean())
                ax.annotate(
                    f"{date}\nceasefire by: {100 * p_cf:.1f}%",
                    (np.datetime64(d), min(top, 1.0) * 0.95),
                    fontsize=8,
                    ha="right",
                    va="top",
                )
        ax.set_xlabel(
            f"date (1 round = {result.round_days:g} days, round 1 on {result.start_date})"
        )
        fig.autofmt_xdate()
    else:
        ax.set_xlabel(f"round (1 round = {result.round_days:g} days)")
    ax.set_ylim(0, min(1.0, max(0.05, 1.15 * top)))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("probability")
    ax.set_title(
        "A first ceasefire and a settlement, by date\n"
        f"{result.scenario} · n = {n:,} replicates · bands: Wilson 95%",
        fontsize=11,
    )
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    return fig


def plot_ceasefire_survival(result: EnsembleResult) -> Figure:
    """Kaplan–Meier survival of ceasefires (every spell; censored at the window's end, at a
    settlement or when the talks leave) with Greenwood's 95% band."""
    _, _, length, collapsed = st.spells(result.stages)
    t, surv, lo, hi = st.kaplan_meier(length, collapsed)
    days = result.round_days
    fig = Figure(figsize=(8.0, 4.2), layout="constrained")
    ax = fig.subplots()
    tt = np.concatenate([[0], t]) * days
    ss = np.concatenate([[1.0], surv])
    ax.step(tt, ss, where="post", color="#56B4E9", linewidth=2, label="still holding")
    ax.fill_between(
        tt,
        np.concatenate([[1.0], lo]),
        np.concatenate([[1.0], hi]),
        step="post",
        color="#56B4E9",
        alpha=0.25,
        linewidth=0,
    )
    ax.axvline(30, color="#444444", linestyle="--", linewidth=0.8)
    ax.annotate("30 days", (30, 0.02), fontsize=8, ha="left")
    ax.axhline(0.5, color="#999999", linewidth=0.6)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("days since the ceasefire took force")
    ax.set_ylabel("share of ceasefires still holding")
    ax.set_title(
        "How long ceasefires hold (Kaplan–Meier)\n"
        f"{result.scenario} · {length.size:,} ceasefires, {int(collapsed.sum()):,} "
        "collapsed · band: Greenwood 95%",
        fontsize=11,
    )
    return fig
