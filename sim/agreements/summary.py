"""The staged part of ``summary.json``: per-round curves, per-date answers, how long
ceasefires last, and the per-replicate means, each probability with its Wilson interval."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.agreements import stages as st
from sim.agreements.calendar import Calendar
from sim.stats import json_float, mean_and_se, wilson_interval

DAYS_30 = 30.0


def _p(k: float, n: int) -> dict[str, Any]:
    lo, hi = wilson_interval(k, n)
    return {"p": k / n if n else None, "ci95": [float(lo), float(hi)], "count": int(k)}


def _curve(hits: np.ndarray) -> dict[str, list[float]]:
    """Per-round proportions of a (N, R) boolean matrix, with Wilson intervals."""
    n = hits.shape[0]
    k = hits.sum(axis=0).astype(float)
    lo, hi = wilson_interval(k, np.full_like(k, n))
    return {
        "p": [float(v) for v in (k / max(n, 1))],
        "ci95_low": [float(v) for v in np.atleast_1d(lo)],
        "ci95_high": [float(v) for v in np.atleast_1d(hi)],
    }


def staged_summary(
    stage: np.ndarray,
    rounds: int,
    round_days: float,
    start_date: str | None,
    report_dates: tuple[str, ...],
) -> dict[str, Any]:
    """The ``staged`` block of the summary."""
    n = stage.shape[0]
    cf = stage == st.CEASEFIRE
    out: dict[str, Any] = {
        "round": list(range(1, rounds + 1)),
        "curves": {
            "first_ceasefire_by_round": _curve(np.maximum.accumulate(cf, axis=1)),
            "settlement_by_round": _curve(np.maximum.accumulate(stage == st.SETTLEMENT, axis=1)),
            "ceasefire_in_force_by_round": _curve(cf),
        },
    }
    cal = Calendar(start_date, round_days, rounds) if start_date else None
    if cal is not None:
        out["date"] = [cal.date_of(r).isoformat() for r in range(1, rounds + 1)]
    cols = st.per_replicate(stage)
    means = {}
    for name in ("ceasefires", "collapses"):
        m, se = mean_and_se(cols[name].astype(float)) if n else (np.nan, np.nan)
        means[f"{name}_mean"] = {"mean": json_float(m), "se": json_float(se)}
    m, se = mean_and_se(cols["ceasefire_rounds"] * round_days) if n else (np.nan, np.nan)
    means["ceasefire_days_mean"] = {"mean": json_float(m), "se": json_float(se)}
    out.update(means)
    # how long ceasefires last: every spell, censored at the window's end or when it
    # turned into a settlement or the talks left
    _, _, length, collapsed = st.spells(stage)
    t, surv, lo, hi = st.kaplan_meier(length, collapsed)
    med, med_lo, med_hi = st.median_survival(t, surv, lo, hi)
    within = max(1, int(np.ceil(DAYS_30 / round_days)))
    known = (collapsed == 1) | (length >= within)
    early = (collapsed == 1) & (length <= within)
    out["ceasefire_length"] = {
        "spells": int(length.size),
        "collapsed": int(collapsed.sum()),
        "median_rounds": med,
        "median_rounds_ci95": [med_lo, med_hi],  # the lower band crosses first
        "median_days": None if med is None else med * round_days,
        "survival": {
            "rounds": [int(v) for v in t],
            "p": [float(v) for v in surv],
            "ci95_low": [float(v) for v in lo],
            "ci95_high": [float(v) for v in hi],
        },
        "note": "Kaplan-Meier over every ceasefire; a median of null: more than half "
        "still hold at the longest length seen",
    }
    out["collapse_within_30_days"] = {
        **_p(int(early[known].sum()), int(known.sum())),
        "rounds": within,
        "note": f"among ceasefires seen to collapse or to hold {within} rounds",
    }
    if cal is not None:
        per_date = []
        for date in report_dates:
            ind = cal.indicators(stage, date)
            per_date.append(
                {
                    "date": date,
                    "rounds_by": min(cal.rounds_by(date), rounds),
                    "beyond_window": cal.beyond(date),
                    **{name: _p(int(v.sum()), n) for name, v in ind.items()},
                }
            )
        out["report_dates"] = per_date
    return out


def format_staged(s: dict[str, Any]) -> list[str]:
    """The staged lines of the printed report."""
    lines = [""]
    length = s["ceasefire_length"]
    c30 = s["collapse_within_30_days"]
    med = length["median_rounds"]
    lines.append(
        f"ceasefires: {s['ceasefires_mean']['mean']:.3f} per replicate, "
        f"collapses {s['collapses_mean']['mean']:.3f}, "
        f"days under ceasefire {s['ceasefire_days_mean']['mean']:.1f}"
    )
    if length["spells"]:
        mtxt = "beyond the longest seen" if med is None else f"{med} rounds"
        p = c30["p"]
        ptxt = "n/a" if p is None else f"{p:.3f} [{c30['ci95'][0]:.3f}, {c30['ci95'][1]:.3f}]"
        lines.append(f"  median ceasefire length {mtxt}; P(collapse within 30 days) {ptxt}")
    if s.get("report_dates"):
        lines.append("")
        lines.append(
            f"{'date':<12}{'first ceasefire by':>22}{'settlement by':>22}{'ceasefire on':>22}"
        )
        for d in s["report_dates"]:
            cells = []
            for name in ("ceasefire_by", "settlement_by", "ceasefire_on"):
                v = d[name]
                cells.append(f"{v['p']:.3f} [{v['ci95'][0]:.2f},{v['ci95'][1]:.2f}]")
            flag = " (after the window)" if d["beyond_window"] else ""
            lines.append(f"{d['date']:<12}" + "".join(f"{c:>22}" for c in cells) + flag)
    return lines
