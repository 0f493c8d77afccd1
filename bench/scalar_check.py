"""The scalar Mesa comparator (bench/scalar_model.py) against negsim's ensemble.

Two checks, and the speed of each:

1. replicate by replicate: the comparator runs each replicate on negsim's own random
   streams and parameter draws (``StreamDraws``), so both models should put it in the
   same end state, round by round (the ``stages`` record), with the same mediator's exit
   round and the same agreed terms (to 1e-7); every mismatch is listed;
2. in distribution: the comparator draws everything from its own ``random.Random``
   (``RandomDraws``), as a Mesa model would, and its shares of the end states are compared
   with the ensemble's, class by class, within Monte Carlo error (a two-proportion z and a
   chi-square test of homogeneity).

Usage::

    python bench/scalar_check.py scenarios/baseline.yaml --runs 2000
    python bench/scalar_check.py FILE --runs 2000 --own 4000 --ensemble 100000
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scalar_model import (  # noqa: E402
    OUTCOME_NAMES,
    ScalarNegotiation,
    StreamDraws,
)

from sim.loader.api import load_scenario  # noqa: E402
from sim.model import NegotiationModel  # noqa: E402
from sim.readings import reading_of, reading_weights  # noqa: E402


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def readings_of(scenario: Any) -> list[Any]:
    """Each reading's scenario (the scenario itself where it declares none)."""
    readings = getattr(scenario, "readings", ())
    return [r.scenario for r in readings] if readings else [scenario]


def paired(scenario: Any, seed: int, runs: int) -> dict[str, Any]:
    """Replicates 0..runs-1 in both models on the same streams and parameter draws."""
    reps = np.arange(runs)
    which = reading_of(scenario, seed, reps)
    scenarios = readings_of(scenario)
    mismatches = []
    outcome_e = np.zeros(runs, dtype=int)
    outcome_s = np.zeros(runs, dtype=int)
    scalar_cpu = ensemble_cpu = 0.0
    for r, scn in enumerate(scenarios):
        rows = np.flatnonzero(which == r)
        if rows.size == 0:
            continue
        start = cpu()
        model = NegotiationModel(scn, seed=seed, replicates=reps[rows])
        values = {k: v.copy() for k, v in model.values.items()}
        result = model.run()
        ensemble_cpu += cpu() - start
        stage_e = result.stage
        for pos, rep in enumerate(rows):
            params = {k: float(v[pos]) for k, v in values.items()}
            start = cpu()
            one = ScalarNegotiation(
                scn, seed=seed, params=params, draws=StreamDraws(seed, int(rep))
            ).run()
            scalar_cpu += cpu() - start
            outcome_e[rep] = int(result.outcome[pos])
            outcome_s[rep] = one.outcome
            stages_s = one.stage_record()
            stages_e = [int(v) for v in stage_e[pos]]
            exit_e = result.mediator_exit_round[pos]
            exit_s = math.nan if one.mediator_exit_round is None else one.mediator_exit_round
            same_exit = exit_e == exit_s or (math.isnan(exit_e) and math.isnan(exit_s))
            same_terms = np.allclose(result.terms[pos], one.terms, atol=1e-7, equal_nan=True)
            if (
                one.outcome != int(result.outcome[pos])
                or stages_s != stages_e
                or not same_exit
                or not same_terms
            ):
                mismatches.append(
                    (int(rep), r, int(result.outcome[pos]), one.outcome, stages_e, stages_s)
                )
    return {
        "mismatches": mismatches,
        "outcome_ensemble": outcome_e,
        "outcome_scalar": outcome_s,
        "scalar_cpu": scalar_cpu,
        "ensemble_cpu": ensemble_cpu,
    }


def own_draws(scenario: Any, seed: int, runs: int) -> tuple[np.ndarray, float]:
    """``runs`` plain Mesa models with their own generators: (end states, CPU seconds)."""
    scenarios = readings_of(scenario)
    readings = getattr(scenario, "readings", ())
    weights = list(reading_weights(readings)) if readings else [1.0]
    out = np.zeros(runs, dtype=int)
    pick = random.Random(f"readings {seed}")  # a stream of its own, apart from the models'
    start = cpu()
    for i in range(runs):
        scn = scenarios[pick.choices(range(len(scenarios)), weights=weights)[0]]
        model = ScalarNegotiation(scn, seed=seed * 1_000_003 + i).run()
        out[i] = model.outcome
    return out, cpu() - start


def ensemble(scenario: Any, seed: int, runs: int) -> tuple[np.ndarray, float]:
    """negsim's own run of ``runs`` replicates (the model only): (end states, CPU s)."""
    from sim.runner import run_replicates

    start = cpu()
    result = run_replicates(scenario, runs, seed)
    return np.asarray(result.outcome, dtype=int), cpu() - start


def compare_shares(a: np.ndarray, b: np.ndarray) -> tuple[list[str], float]:
    """Per end state: shares, the two-proportion z; and the chi-square test's p-value."""
    from scipy.stats import chi2_contingency

    lines = []
    table = []
    for code, name in enumerate(OUTCOME_NAMES):
        ka, kb = int(np.sum(a == code)), int(np.sum(b == code))
        pa, pb = ka / a.size, kb / b.size
        pool = (ka + kb) / (a.size + b.size)
        se = math.sqrt(max(pool * (1 - pool) * (1 / a.size + 1 / b.size), 1e-300))
        z = (pa - pb) / se if pool > 0 else 0.0
        lines.append(f"  {name:14s} scalar {pa:7.4f}  ensemble {pb:7.4f}  z {z:+6.2f}")
        if ka + kb:
            table.append([ka, kb])
    p = chi2_contingency(np.array(table)).pvalue if len(table) > 1 else 1.0
    return lines, float(p)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--runs", type=int, default=1000, help="paired replicates (default 1000)")
    ap.add_argument("--own", type=int, default=0, help="comparator runs on its own draws")
    ap.add_argument("--ensemble", type=int, default=100_000, help="ensemble runs to compare")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5, help="mismatches to print")
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    out = paired(scenario, args.seed, args.runs)
    bad = out["mismatches"]
    print(f"{args.scenario}: {args.runs} replicates on the same streams")
    print(f"  end state, stages, exit round or terms differ in {len(bad)} replicates")
    for rep, r, oe, os_, se, ss in bad[: args.show]:
        print(f"  replicate {rep} (reading {r}): ensemble {OUTCOME_NAMES[oe]} {se}")
        print(f"  {'':{len(str(rep)) + 22}s}scalar   {OUTCOME_NAMES[os_]} {ss}")
    print(
        f"  CPU: scalar {out['scalar_cpu']:.2f} s ({out['scalar_cpu'] / args.runs * 1e3:.2f} ms"
        f" per replicate), ensemble {out['ensemble_cpu']:.2f} s"
    )
    if args.own:
        own, own_cpu = own_draws(scenario, args.seed, args.own)
        ens, ens_cpu = ensemble(scenario, args.seed, args.ensemble)
        lines, p = compare_shares(own, ens)
        print(f"own draws: {args.own} plain Mesa models against {args.ensemble} ensemble runs")
        print("\n".join(lines))
        print(f"  chi-square test of equal shares: p = {p:.3f}")
        scalar_rate, ensemble_rate = args.own / own_cpu, args.ensemble / ens_cpu
        print(
            f"  per CPU second: scalar {scalar_rate:,.0f}, ensemble {ensemble_rate:,.0f}"
            f" (ratio {ensemble_rate / scalar_rate:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
