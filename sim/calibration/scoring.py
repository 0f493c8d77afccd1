"""The forecast scorecard: a run's estimate of every target, with its interval, against
the target's band; and for targets that have resolved, the Brier score of the model's
probability next to the forecast of record's.

The Brier score of a probability p for an event that happened (o = 1) or not (o = 0) is
(p - o)^2: 0 is a perfect forecast, 0.25 is what 50% always scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.targets import Target, TargetSet
from sim.stats import wilson_interval

Z95 = 1.959963984540054


def brier(p: float, happened: bool) -> float:
    """(p - o)^2."""
    return (float(p) - (1.0 if happened else 0.0)) ** 2


@dataclass(frozen=True)
class Score:
    """One target against one run."""

    target: Target
    estimate: float
    low: float
    high: float
    runs: int
    rerun_rounds: int | None = None  # observed on a run of this many rounds (same seed)

    @property
    def inside(self) -> bool:
        lo, hi = self.target.interval
        return lo <= self.estimate <= hi

    @property
    def brier_model(self) -> float | None:
        r = self.target.resolved
        return None if r is None else brier(self.estimate, r)

    @property
    def brier_forecast(self) -> float | None:
        t = self.target
        return None if t.resolved is None or t.forecast is None else brier(t.forecast, t.resolved)


def estimate(target: Target, values: np.ndarray) -> tuple[float, float, float]:
    """The estimate and its 95% interval: Wilson for a probability, mean ± 1.96 se."""
    n = int(values.size)
    if target.kind == "probability":
        k = int(values.sum())
        lo, hi = wilson_interval(k, n)
        return k / n, float(lo), float(hi)
    m = float(values.mean())
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return m, m - Z95 * se, m + Z95 * se


def score_columns(
    targets: TargetSet,
    scenario: Any,
    columns: dict[str, np.ndarray],
    *,
    seed: int,
    runs: int,
    load_horizon: Any,
) -> list[Score]:
    """Score every target (in sample or not) on a run's replicate columns; a target
    observed after fewer rounds than the run is estimated on a run of that many rounds
    of the same scenario, seed and replicates."""
    from sim.calibration.history_matching import _fixed
    from sim.runner import run_replicates

    out = []
    reruns: dict[int, dict[str, np.ndarray]] = {}
    for t in targets.targets:
        h = t.horizon(scenario.rounds)
        cols, fixed, again = columns, _fixed(scenario), None
        if h != scenario.rounds:
            if h not in reruns:
                short = load_horizon(h)
                reruns[h] = run_replicates(short, runs, seed, keep_params=True).columns()
            cols, again = reruns[h], h
        values = t.observe(cols, fixed, targets.round_of(t, scenario))
        est, lo, hi = estimate(t, values)
        out.append(Score(t, est, lo, hi, int(values.size), again))
    return out


def format_scores(scores: list[Score], where: str) -> str:
    lines = [
        f"targets against {where}",
        "",
        f"{'target':<28}{'estimate':>10}{'95% interval':>22}{'band':>18}  inside",
    ]
    for s in scores:
        lo, hi = s.target.interval
        mark = "yes" if s.inside else "NO"
        note = f"  (after {s.rerun_rounds} rounds)" if s.rerun_rounds else ""
        oos = "  [out of sample]" if s.target.out_of_sample else ""
        lines.append(
            f"{s.target.name:<28}{s.estimate:>10.4g}{f'[{s.low:.4g}, {s.high:.4g}]':>22}"
            f"{f'[{lo:.4g}, {hi:.4g}]':>18}  {mark}{note}{oos}"
        )
    resolved = [s for s in scores if s.target.resolved is not None]
    if resolved:
        lines += [
            "",
            f"{'resolved target':<28}{'happened':>9}{'Brier model':>13}{'forecast':>10}"
            f"{'Brier forecast':>16}",
        ]
        for s in resolved:
            f = s.target.forecast
            bf = s.brier_forecast
            lines.append(
                f"{s.target.name:<28}{'yes' if s.target.resolved else 'no':>9}"
                f"{s.brier_model:>13.4f}{(f'{f:.3g}' if f is not None else '-'):>10}"
                f"{(f'{bf:.4f}' if bf is not None else '-'):>16}"
            )
    inside = sum(s.inside for s in scores)
    tail = f"{inside} of {len(scores)} targets inside their bands"
    if resolved:
        mean_model = np.mean([s.brier_model for s in resolved])
        tail += f"; mean Brier score {mean_model:.4f} over {len(resolved)} resolved"
        paired = [s for s in resolved if s.brier_forecast is not None]
        if paired:
            tail += (
                f" (forecasts of record {np.mean([s.brier_forecast for s in paired]):.4f} "
                f"on {len(paired)})"
            )
    lines += ["", tail]
    return "\n".join(lines)


def scores_json(scores: list[Score]) -> list[dict[str, Any]]:
    return [
        {
            "target": s.target.name,
            "what": s.target.what(),
            "estimate": s.estimate,
            "ci95": [s.low, s.high],
            "band": list(s.target.interval),
            "inside": s.inside,
            "out_of_sample": s.target.out_of_sample,
            "resolved": s.target.resolved,
            "forecast": s.target.forecast,
            "brier_model": s.brier_model,
            "brier_forecast": s.brier_forecast,
            "rerun_rounds": s.rerun_rounds,
        }
        for s in scores
    ]


def folder_columns(folder: Path) -> dict[str, np.ndarray]:
    """The replicate columns of a results folder's ``replicates.csv``."""
    import pandas as pd  # type: ignore[import-untyped]

    frame = pd.read_csv(folder / "replicates.csv", keep_default_na=False, na_values=["nan"])
    return {c: frame[c].to_numpy() for c in frame.columns}
