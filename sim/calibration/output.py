"""What ``negsim calibrate`` writes: the waves, the non-implausible sample, a calibrated
scenario that draws from it, the text and the figures."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.history_matching import CUTOFF, CalibrationResult, Wave
from sim.readings import READING

SAMPLE_CSV = "non_implausible.csv"
CALIBRATED_YAML = "calibrated.yaml"
BINS = 20


def _g(x: float) -> str:
    return f"{x:.4g}"


def _param_columns(result: CalibrationResult, wave: Wave, rows: np.ndarray) -> dict[str, list[str]]:
    cols: dict[str, list[str]] = {}
    for k, f in enumerate(result.factors):
        v = wave.x[rows, k]
        if f.name == READING:
            cols["reading"] = [f.labels[int(i)] for i in v]
        else:
            cols[f"param.{f.name}"] = [repr(float(a)) for a in v]
    return cols


def _csv(cols: dict[str, list[str]]) -> str:
    names = list(cols)
    n = len(next(iter(cols.values()))) if cols else 0
    lines = [",".join(names)] + [",".join(cols[c][i] for c in names) for i in range(n)]
    return "\n".join(lines) + "\n"


def _estimate_columns(
    result: CalibrationResult, wave: Wave, rows: np.ndarray
) -> dict[str, list[str]]:
    cols: dict[str, list[str]] = {}
    for i, p in enumerate(result.plans):
        cols[f"est.{p.target.name}"] = [_g(v) for v in wave.mean[rows, i]]
        cols[f"impl.{p.target.name}"] = [_g(v) for v in wave.impl[rows, i]]
    cols["max_implausibility"] = [_g(v) for v in wave.max_impl[rows]]
    return cols


def abc_csv(result: CalibrationResult, quantile: float) -> str:
    """The first wave's points accepted by rejection ABC (see ``abc_accept``)."""
    from sim.calibration.history_matching import abc_accept

    rows = abc_accept(result, quantile)
    w = result.waves[0]
    return _csv({**_param_columns(result, w, rows), **_estimate_columns(result, w, rows)})


def sample_csv(result: CalibrationResult) -> str:
    """The last wave's non-implausible points: parameters, reading, estimates."""
    rows = result.accepted
    w = result.final
    return _csv({**_param_columns(result, w, rows), **_estimate_columns(result, w, rows)})


def design_csv(result: CalibrationResult) -> str:
    """Every point of every wave with its estimates and implausibilities."""
    parts: dict[str, list[str]] = {}
    for w in result.waves:
        rows = np.arange(w.points)
        cols = {
            "wave": [str(w.index + 1)] * w.points,
            **_param_columns(result, w, rows),
            **_estimate_columns(result, w, rows),
        }
        for k, v in cols.items():
            parts.setdefault(k, []).extend(v)
    return _csv(parts)


def waves_table(result: CalibrationResult) -> list[dict[str, Any]]:
    return [
        {
            "wave": w.index + 1,
            "points": w.points,
            "runs_per_point": w.runs,
            "box_prior_mass": w.box_mass,
            "kept_by_screen": w.kept_share,
            "non_implausible": int(w.keep.sum()),
            "surviving_fraction_of_prior": w.surviving_fraction,
        }
        for w in result.waves
    ]


def constrained(result: CalibrationResult) -> list[tuple[str, float]]:
    """Each factor's accepted spread relative to the prior's (quantile scale; 1 = not
    constrained), most constrained first."""
    if not result.survived:
        return []
    u = result.final.u[result.accepted]
    prior_sd = 1.0 / np.sqrt(12.0)
    out = [(f.name, float(np.std(u[:, k]) / prior_sd)) for k, f in enumerate(result.factors)]
    return sorted(out, key=lambda t: t[1])


def summary(result: CalibrationResult) -> dict[str, Any]:
    targets = []
    for i, p in enumerate(result.plans):
        t = p.target
        entry: dict[str, Any] = {
            "name": t.name,
            "what": t.what(),
            "band": list(t.interval),
            "centre": t.centre,
            "sd": t.sd,
            "prior_points_within": float((result.waves[0].impl[:, i] <= CUTOFF).mean()),
        }
        if result.survived:
            est = result.final.mean[result.accepted, i]
            entry["accepted_estimate"] = {
                "min": float(est.min()),
                "median": float(np.median(est)),
                "max": float(est.max()),
            }
        targets.append(entry)
    out: dict[str, Any] = {
        "scenario": result.scenario,
        "scenario_file": result.scenario_file,
        "targets_file": result.targets_file,
        "seed": result.seed,
        "cutoff": CUTOFF,
        "factors": list(result.names),
        "waves": waves_table(result),
        "survived": result.survived,
        "accepted": int(result.accepted.size),
        "targets": targets,
        "most_constrained": [
            {"factor": n, "spread_vs_prior": s} for n, s in constrained(result)[:10]
        ],
    }
    if not result.survived:
        c = result.conflict()
        out["conflict"] = {"within_alone": c.alone, "pairs": [list(p) for p in c.pairs]}
    return out


def text(result: CalibrationResult, folder: Path | None = None) -> str:
    s = summary(result)
    lines = [
        f"history matching of {result.scenario} against {result.targets_file}: "
        f"{len(result.plans)} targets, {len(result.factors)} factors, seed {result.seed}, "
        f"cut-off {CUTOFF:g}",
        "",
        f"{'wave':>4} {'points':>7} {'runs/pt':>8} {'box mass':>9} {'screened':>9} "
        f"{'kept':>6} {'surviving share of prior':>25}",
    ]
    for w in s["waves"]:
        lines.append(
            f"{w['wave']:>4} {w['points']:>7} {w['runs_per_point']:>8} "
            f"{w['box_prior_mass']:>9.3f} {w['kept_by_screen']:>9.3f} {w['non_implausible']:>6} "
            f"{w['surviving_fraction_of_prior']:>25.4f}"
        )
    lines.append("")
    lines.append(f"{'target':<28}{'band':>18}{'prior pts within':>18}{'accepted estimates':>30}")
    for t in s["targets"]:
        lo, hi = t["band"]
        acc = t.get("accepted_estimate")
        acc_text = f"{_g(acc['min'])} .. {_g(acc['median'])} .. {_g(acc['max'])}" if acc else "-"
        lines.append(
            f"{t['name']:<28}{f'[{_g(lo)}, {_g(hi)}]':>18}{t['prior_points_within']:>17.0%} "
            f"{acc_text:>29}"
        )
    lines.append("")
    if result.survived:
        lines.append(
            f"non-implausible: {s['accepted']} points of wave {len(result.waves)}; "
            f"about {s['waves'][-1]['surviving_fraction_of_prior']:.1%} of the prior survives"
        )
        most = [(n, v) for n, v in constrained(result) if v < 0.8][:6]
        if most:
            lines.append("most constrained (accepted spread / prior spread):")
            for n, v in most:
                lines.append(f"  {n:<60}{v:>6.2f}")
        else:
            lines.append(
                "no factor is much constrained (every accepted spread > 0.8 of the prior's)"
            )
        if folder is not None:
            lines.append(f"calibrated scenario: {folder / CALIBRATED_YAML}")
    else:
        c = result.conflict()
        lines.append(
            "NOTHING SURVIVES: no point of the last wave is within the cut-off for every "
            "target. This is a finding about the scenario and the targets."
        )
        for name, share in c.alone.items():
            lines.append(f"  {name:<28} alone allows {share:.0%} of the points")
        for a, b in c.pairs:
            lines.append(f"  {a} and {b} conflict: each allows some points, never the same")
        if not c.pairs:
            never = [n for n, v in c.alone.items() if v == 0]
            if never:
                lines.append(f"  no point meets {', '.join(never)} at all")
            else:
                lines.append("  no two targets conflict alone: it is the combination of several")
    return "\n".join(lines)


def calibrated_yaml(result: CalibrationResult, folder: Path) -> str:
    base = os.path.abspath(result.scenario_file)
    lines = [
        f"# negsim calibrate: {result.scenario} constrained to its non-implausible sample",
        f"# (targets {result.targets_file}, seed {result.seed}). Each replicate draws one row",
        f"# of {SAMPLE_CSV} (its parameters, jointly, and its reading) in place of the",
        "# distributions of the file it extends.",
    ]
    if result.overrides:
        lines.append(
            "# the calibration ran with: " + " ".join(f"--set {o}" for o in result.overrides)
        )
        lines.append(
            "# the sample fixes every factor (--factor values included); give any other --set"
        )
        lines.append("# to `negsim run` as well: this file does not hold them")
    lines += [
        f"extends: {json.dumps(base)}",
        f"name: {result.scenario}_calibrated",
        f"sample: {{file: {SAMPLE_CSV}}}",
    ]
    return "\n".join(lines) + "\n"


def save(
    result: CalibrationResult, folder: Path, fmt: str = "png", abc: float | None = None
) -> None:
    from sim.io import write_json_atomic, write_text_atomic

    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "summary.json", summary(result))
    write_text_atomic(folder / "design.csv", design_csv(result))
    rows = waves_table(result)
    write_text_atomic(
        folder / "waves.csv",
        _csv({k: [str(r[k]) for r in rows] for k in rows[0]}) if rows else "",
    )
    if result.survived:
        write_text_atomic(folder / SAMPLE_CSV, sample_csv(result))
        write_text_atomic(folder / CALIBRATED_YAML, calibrated_yaml(result, folder))
    if abc is not None:
        write_text_atomic(folder / "abc.csv", abc_csv(result, abc))
    from sim.calibration.figures import draw

    draw(result, folder / "plots", fmt)
