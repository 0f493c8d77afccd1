"""Comparing scenarios on common random numbers: outcome probabilities with intervals and
paired differences from the first scenario, as a table, text and CSV.

Replicate i of every scenario sees the same draws of every parameter and shock the
scenarios share, so differences are estimated from paired replicates (far narrower
intervals than two independent samples give).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim.outcomes import OUTCOME_LABELS, EnsembleResult, Outcome
from sim.scenario import Scenario

CSV_COLUMNS = (
    "scenario",
    "outcome",
    "p",
    "ci95_low",
    "ci95_high",
    "count",
    "diff",
    "diff_ci95_low",
    "diff_ci95_high",
)


def unique_names(names: Sequence[str]) -> list[str]:
    """The names, with ``-2``, ``-3``... added to repeats so that every row is told apart."""
    out: list[str] = []
    for base in names:
        name, i = base, 1
        while name in out:
            i += 1
            name = f"{base}-{i}"
        out.append(name)
    return out


def outcome_indicators(result: EnsembleResult) -> np.ndarray:
    """(N, classes) 0/1 indicators of each replicate's outcome class."""
    return (result.outcome[:, None] == np.arange(len(Outcome))[None, :]).astype(float)


def compare_table(names: Sequence[str], results: Sequence[EnsembleResult]) -> dict[str, Any]:
    """Outcome probabilities per scenario with Wilson intervals, and differences from the
    first with paired 95% intervals (the content of ``compare.json`` without the seed and
    runs)."""
    from sim.outcomes import event_names, indicator
    from sim.stats import paired_difference_interval, wilson_interval

    # the end states, then the events the first scenario's report dates ask for
    events = [e for e in event_names(results[0]) if all(r.start_date for r in results)]
    labels = [*OUTCOME_LABELS, *events]

    def table(res: EnsembleResult) -> np.ndarray:
        ends = outcome_indicators(res)
        more = [indicator(res, e).astype(float)[:, None] for e in events]
        return np.concatenate([ends, *more], axis=1) if more else ends

    base = table(results[0])
    rows = []
    for name, res in zip(names, results, strict=True):
        ind = table(res)
        n = len(res)
        row: dict[str, Any] = {"scenario": name, "runs": n, "outcomes": {}}
        for c, label in enumerate(labels):
            k = int(ind[:, c].sum())
            lo, hi = wilson_interval(k, n)
            diff = float(ind[:, c].mean() - base[:, c].mean())
            dlo, dhi = paired_difference_interval(ind[:, c], base[:, c])
            row["outcomes"][label] = {
                "p": k / n,
                "ci95": [float(lo), float(hi)],
                "count": k,
                "diff": diff,
                "diff_ci95": [float(dlo), float(dhi)],
            }
        rows.append(row)
    return {"baseline": names[0], "rows": rows}


def run_compare(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Any], list[EnsembleResult]]:
    """Run every scenario with the same seed and runs; return the table (``compare.json``,
    seed and runs included) and each scenario's replicates (without drawn parameters)."""
    from sim.runner import run_replicates

    results = [
        run_replicates(
            s,
            runs,
            seed,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            progress=progress,
        )
        for s in scenarios
    ]
    table = compare_table(unique_names([s.name for s in scenarios]), results)
    table.update(seed=seed, runs=runs)
    return table, results


TABLE_WIDTH = 100  # columns of the printed table, scenario names included
CELL = 21  # one outcome's "p [low,high]" in percent


def _pct(share: float, signed: bool) -> str:
    """A share in percent, one decimal (none at 100, so a cell never outgrows its column)."""
    sign = "+" if signed else ""
    x = 100 * share
    return f"{x:{sign}.0f}" if abs(x) >= 99.95 else f"{x:{sign}.1f}"


def _cell(value: float, low: float, high: float, signed: bool = False, width: int = CELL) -> str:
    v, lo, hi = (_pct(x, signed) for x in (value, low, high))
    return f"{v} [{lo},{hi}]".rjust(width)


def format_compare(table: dict[str, Any]) -> str:
    """The table as text, within :data:`TABLE_WIDTH` columns: probabilities in percent,
    then differences from the first scenario in percentage points. A scenario name too
    long for its column goes on a line of its own, the numbers on the next."""
    # the first version's four end states in the table; the ceasefire in force and the
    # events by the report dates below it, one per line (so the table keeps its width)
    labels = tuple(lab for lab in OUTCOME_LABELS if lab != "ceasefire")
    cell = CELL
    width = TABLE_WIDTH - cell * len(labels)
    head = f"{'scenario':<{width}}" + "".join(f"{lab.replace('_', ' '):>{cell}}" for lab in labels)

    def line(name: str, cells: str) -> list[str]:
        if len(name) < width:
            return [f"{name:<{width}}{cells}"]
        return [name, f"{'':<{width}}{cells}"]

    lines = ["outcome probability, % [95% interval]", head]
    for r in table["rows"]:
        o = r["outcomes"]
        lines += line(
            r["scenario"],
            "".join(
                _cell(o[lab]["p"], o[lab]["ci95"][0], o[lab]["ci95"][1], width=cell)
                for lab in labels
            ),
        )
    lines += [
        "",
        f"difference from {table['baseline']}, percentage points [paired 95% interval]",
        head,
    ]
    for r in table["rows"][1:]:
        o = r["outcomes"]
        cells = "".join(
            _cell(o[lab]["diff"], o[lab]["diff_ci95"][0], o[lab]["diff_ci95"][1], True, width=cell)
            for lab in labels
        )
        lines += line(r["scenario"], cells)
    events = [lab for lab in table["rows"][0]["outcomes"] if lab not in labels]
    if events:
        lines += [
            "",
            "ceasefire in force at the end, and events by the report dates: "
            "% [95% interval] (difference)",
        ]
        for r in table["rows"]:
            lines.append(r["scenario"])
            for lab in events:
                o = r["outcomes"][lab]
                diff = (
                    ""
                    if r is table["rows"][0]
                    else _cell(o["diff"], o["diff_ci95"][0], o["diff_ci95"][1], signed=True)
                )
                lines.append(f"  {lab:<32}{_cell(o['p'], *o['ci95'])}{diff}")
    return "\n".join(lines)


def compare_csv(table: dict[str, Any]) -> str:
    """``compare.csv``: one row per scenario and outcome class (names quoted when they
    hold a comma or a quote)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in table["rows"]:
        for lab, o in r["outcomes"].items():
            writer.writerow(
                [
                    r["scenario"],
                    lab,
                    f"{o['p']:.10g}",
                    f"{o['ci95'][0]:.10g}",
                    f"{o['ci95'][1]:.10g}",
                    o["count"],
                    f"{o['diff']:.10g}",
                    f"{o['diff_ci95'][0]:.10g}",
                    f"{o['diff_ci95'][1]:.10g}",
                ]
            )
    return buf.getvalue()
