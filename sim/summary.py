"""Summaries of an ensemble: every estimate with its uncertainty.

Probabilities carry 95% Wilson intervals, means their standard errors. The summary is a
plain dict (the content of ``summary.json``) so that files, the terminal and plots read
the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.agreements.stages import SETTLEMENT, first_round
from sim.agreements.summary import format_staged, staged_summary
from sim.outcomes import EnsembleResult, Outcome
from sim.scenario import Scenario
from sim.stats import json_float as _f
from sim.stats import mean_and_se, wilson_interval


def _se(x: float | None, digits: int = 3) -> str:
    """A standard error for the printed report ("n/a" with a single observation)."""
    return "n/a" if x is None else f"{x:.{digits}f}"


def summarize(result: EnsembleResult, scenario: Scenario, seed: int) -> dict[str, Any]:
    """The summary of a run (the content of ``summary.json``)."""
    n = len(result)
    counts = result.counts()
    outcomes = {}
    for o in Outcome:
        k = counts[o.label]
        lo, hi = wilson_interval(k, n)
        outcomes[o.label] = {
            "p": k / n if n else float("nan"),
            "ci95": [float(lo), float(hi)],
            "count": k,
        }
    agreed = result.outcome == Outcome.AGREEMENT
    # the round the settlement took force (a settlement that can collapse runs to the
    # window's end, so its end round is the window's)
    settled_at = first_round(result.stages, SETTLEMENT)
    rounds = np.where(settled_at > 0, settled_at, result.end_round)[agreed].astype(float)
    mean_r, se_r = mean_and_se(rounds) if rounds.size else (float("nan"), float("nan"))
    time_to_agreement = {
        "mean_round": _f(mean_r),
        "se_round": _f(se_r),
        "median_round": _f(np.median(rounds)) if rounds.size else None,
        "mean_days": _f(mean_r * result.round_days),
        "agreements": int(rounds.size),
    }
    terms = {}
    for k, issue in enumerate(result.issues):
        v = result.terms[agreed, k]
        if v.size:
            m, se = mean_and_se(v)
            p10, p50, p90 = np.percentile(v, [10, 50, 90])
            terms[issue] = {
                "mean": _f(m),
                "se": _f(se),
                "p10": _f(p10),
                "p50": _f(p50),
                "p90": _f(p90),
            }
        else:
            terms[issue] = {"mean": None, "se": None, "p10": None, "p50": None, "p90": None}
    utilities = {}
    for a, actor in enumerate(result.actors):
        m, se = mean_and_se(result.utility[:, a])
        utilities[actor] = {"mean": _f(m), "se": _f(se)}
    assert result.net_gain is not None and result.signed_rejected is not None
    net_gains = {}
    for a, actor in enumerate(result.actors):
        m, se = mean_and_se(result.net_gain[:, a])
        net_gains[actor] = {"mean": _f(m), "se": _f(se)}
    rejected = result.signed_rejected > 0
    lo_sr, hi_sr = wilson_interval(int(rejected.sum()), n)
    signed_rejected = {
        "p": float(rejected.mean()) if n else float("nan"),
        "ci95": [float(lo_sr), float(hi_sr)],
        "count": int(rejected.sum()),
    }
    compromise = {
        issue: _f(np.mean(result.compromise[:, k])) for k, issue in enumerate(result.issues)
    }
    from sim.distributions import param_mean

    ideals = {
        actor.name: {k: param_mean(actor.ideal[k]) for k in result.issues}
        for actor in scenario.actors
    }
    front = result.front_line
    return {
        "scenario": result.scenario,
        "runs": n,
        "seed": int(seed),
        "rounds": result.rounds,
        "round_days": result.round_days,
        "issues": list(result.issues),
        "parties": list(result.parties),
        "actors": list(result.actors),
        "outcomes": outcomes,
        "time_to_agreement": time_to_agreement,
        "terms": terms,
        "utilities": utilities,
        "net_gains": net_gains,
        "signed_rejected": signed_rejected,
        "compromise": compromise,
        "ideals": ideals,
        "front_line_end": {"mean": _f(np.mean(front)) if np.isfinite(front).all() else None},
        # the further fronts (``world.fronts``), where a scenario has them
        **(
            {"fronts_end": {k: _f(np.mean(v)) for k, v in result.fronts.items()}}
            if result.fronts
            else {}
        ),
        "costs": {p: _f(np.mean(result.cost[:, i])) for i, p in enumerate(result.parties)},
        **{f"{name}_mean": _f(np.mean(c)) for name, c in result.counters.items()},
        "failed_ratifications_mean": _f(np.mean(result.failed_ratifications)),
        "pressure_used_mean": _f(np.mean(result.pressure_used)),
        **{f"{name}_mean": _f(np.mean(c)) for name, c in result.event_counters.items()},
        **_mediator_exit(result),
        "staged": staged_summary(
            result.stages,
            result.rounds,
            result.round_days,
            result.start_date,
            result.report_dates,
        ),
    }


def _mediator_exit(result: EnsembleResult) -> dict[str, Any]:
    """P(the mediator left), with its interval and the mean round, where recorded."""
    rounds = result.mediator_exit_round
    if rounds is None:
        return {}
    left = np.isfinite(rounds)
    k, n = int(left.sum()), len(result)
    lo, hi = wilson_interval(k, n)
    return {
        "mediator_exit": {
            "p": k / n if n else float("nan"),
            "ci95": [float(lo), float(hi)],
            "count": k,
            "mean_round": _f(np.mean(rounds[left])) if k else None,
        }
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as the terminal shows it."""
    lines = [
        f"scenario {summary['scenario']}: {summary['runs']:,} replicates, seed {summary['seed']}, "
        f"{summary['rounds']} rounds of {summary['round_days']:g} days",
        "",
        f"{'outcome':<15}{'probability':>12}   95% interval      count",
    ]
    for label, o in summary["outcomes"].items():
        lo, hi = o["ci95"]
        lines.append(f"{label:<15}{o['p']:>12.3f}   [{lo:.3f}, {hi:.3f}]   {o['count']:>7,}")
    if "mediator_exit" in summary:
        e = summary["mediator_exit"]
        lo, hi = e["ci95"]
        lines.append(
            f"{'(event) mediator left':<27}{e['p']:.3f}   [{lo:.3f}, {hi:.3f}]   {e['count']:>7,}"
        )
    sr = summary.get("signed_rejected")
    if sr is not None:
        lo, hi = sr["ci95"]
        lines.append(
            f"signed by the governments, rejected by a public (at least once): {sr['p']:.3f} "
            f"[{lo:.3f}, {hi:.3f}], {sr['count']:,} replicates"
        )
    t = summary["time_to_agreement"]
    lines.append("")
    if t["agreements"]:
        lines.append(
            f"time to agreement: mean round {t['mean_round']:.2f} (se {_se(t['se_round'], 2)}), "
            f"median round {t['median_round']:g}, about {t['mean_days']:.0f} days"
        )
        lines.append("")
        lines.append(f"{'agreed terms':<22}{'mean':>8}{'p10':>8}{'p50':>8}{'p90':>8}{'naive':>8}")
        for issue, v in summary["terms"].items():
            lines.append(
                f"{issue:<22}{v['mean']:>8.3f}{v['p10']:>8.3f}{v['p50']:>8.3f}{v['p90']:>8.3f}"
                f"{summary['compromise'][issue]:>8.3f}"
            )
        lines.append("(naive: the salience-weighted mean of the parties' ideal points)")
    else:
        lines.append("no agreement in any replicate")
        lines.append(
            "naive compromise (salience-weighted mean of ideals): "
            + ", ".join(f"{k} {v:.2f}" for k, v in summary["compromise"].items())
        )
    if "staged" in summary:
        lines.extend(format_staged(summary["staged"]))
    lines.append("")
    lines.append("expected utility at the end (agreed package, or the war's package without one):")
    for actor, u in summary["utilities"].items():
        lines.append(f"  {actor:<20}{u['mean']:.3f} (se {_se(u['se'])})")
    gains = summary.get("net_gains")
    if gains:
        lines.append("")
        lines.append(
            "who gains, at the window's end (utility then, net of the cost of war paid; "
            "war endings at the war's package then):"
        )
        for actor, u in gains.items():
            lines.append(f"  {actor:<20}{u['mean']:.3f} (se {_se(u['se'])})")
    if summary.get("readings"):
        from sim.readings import format_readings

        lines += ["", format_readings(summary["readings"])]
    return "\n".join(lines)
