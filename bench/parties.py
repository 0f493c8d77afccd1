"""How the engine scales with the number of parties: the figures of issue 13's solver.

Run from the project root with the interpreter whose environment has negsim's
dependencies::

    python bench/parties.py                 # 2, 3, 5, 10 and 20 parties, 6 issues
    python bench/parties.py --parties 6 --issues 6 --runs 20000
    python bench/parties.py --parties --scenario scenarios/river_basin_water_treaty.yaml --runs 200

For each number of parties P it builds a synthetic negotiation of P parties over K issues
with a Nash mediator (random ideals and saliences, uniform BATNAs, Boulware concession:
the generator of the scaling acceptance check) as scenario text, loads it through
``sim.loader.load_scenario_text`` and runs the ensemble in chunks of
``sim.ensemble.CHUNK_SIZE`` replicates, one ``NegotiationModel`` per chunk, one after
the other, in a fresh subprocess. It prints replicate-runs per CPU-second of the model
(scenario loading and imports excluded) and the subprocess's peak resident memory.
A ``--scenario FILE`` is measured the same way, after the synthetic ones (the synthetic
negotiation seldom needs the mediator's max-min fallback; a scenario whose BATNAs leave no
package above them all does, every round). Nothing here is a test: the figures depend on
the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = {2: 20000, 3: 20000, 5: 20000, 10: 8192, 20: 4096}


def synthetic_scenario(parties: int, issues: int) -> str:
    """P parties over K issues with a Nash mediator, as scenario YAML."""
    rnd = random.Random(parties * 100 + issues)
    names = [f"issue_{k}" for k in range(issues)]
    lines = [
        f"name: synthetic_p{parties}_k{issues}",
        "description: a synthetic negotiation for the scaling bench",
        "rounds: 26",
        "round_days: 14",
        "runs: 1000",
        "seed: 1",
        "loss: linear",
        "issues:",
    ]
    for name in names:
        lines += [f"  {name}:", '    zero: "low"', '    one: "high"', "    under_war: 0.0"]
    lines.append("actors:")
    for p in range(parties):
        ideal = [round(rnd.random(), 2) for _ in names]
        sal = [rnd.random() + 0.1 for _ in names]
        total = sum(sal)
        sal = [round(v / total, 4) for v in sal]
        sal[-1] = round(1 - sum(sal[:-1]), 4)
        lines += [f"  party_{p}:", "    role: party", "    ideal:"]
        lines += [f"      {k}: {v}" for k, v in zip(names, ideal, strict=True)]
        lines += ["    salience:"] + [f"      {k}: {v}" for k, v in zip(names, sal, strict=True)]
        lines += [
            "    batna: {dist: uniform, low: 0.1, high: 0.4}",
            "    patience: 0.99",
            "    concession:",
            "      strategy: boulware",
            "      beta: 0.5",
            "      deadline: 20",
            "    belief_noise_sd: 0.05",
        ]
    share = round(1 / issues, 4)
    last = round(1 - (issues - 1) * share, 4)
    lines += ["  mediator:", "    role: mediator", "    ideal:"]
    lines += [f"      {k}: 0.5" for k in names]
    lines += ["    salience:"]
    lines += [f"      {k}: {share if i < issues - 1 else last}" for i, k in enumerate(names)]
    lines += ["    proposal:", "      rule: nash"]
    return "\n".join(lines) + "\n"


def measure(parties: int, issues: int, runs: int, path: str | None = None) -> dict[str, float]:
    """Run the ensemble here (of ``path`` if given, else the synthetic negotiation);
    replicate-runs per CPU-second and peak memory."""
    import numpy as np

    from sim.ensemble import CHUNK_SIZE
    from sim.loader import load_scenario, load_scenario_text
    from sim.model import NegotiationModel

    if path is not None:
        scenario = load_scenario(path)
    else:
        scenario = load_scenario_text(synthetic_scenario(parties, issues), "<synthetic>")
    start = time.process_time()
    for index, first in enumerate(range(0, runs, CHUNK_SIZE)):
        model = NegotiationModel(
            scenario,
            seed=1,
            replicates=np.arange(first, min(first + CHUNK_SIZE, runs)),
            rng=np.random.default_rng(np.random.SeedSequence(1, spawn_key=(index,))),
        )
        result = model.run()
        del model, result
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    return {"runs": runs, "cpu": cpu, "rate": runs / cpu, "peak_mib": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parties", type=int, nargs="*", default=[2, 3, 5, 10, 20])
    ap.add_argument("--issues", type=int, default=6)
    ap.add_argument("--runs", type=int, default=None, help="replicates (default per P)")
    ap.add_argument("--scenario", nargs="*", default=[], help="scenario files, measured too")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        if args.scenario:
            print(json.dumps(measure(0, 0, args.runs or 1000, args.scenario[0])))
            return
        p = args.parties[0]
        print(json.dumps(measure(p, args.issues, args.runs or DEFAULT_RUNS.get(p, 4096))))
        return
    head = ("parties", "issues", "replicates", "CPU s", "runs/CPU-s", "peak MiB")
    print("{:>7} {:>6} {:>10} {:>8} {:>11} {:>9}".format(*head))
    for p in args.parties:
        runs = args.runs or DEFAULT_RUNS.get(p, 4096)
        cmd = [sys.executable, __file__, "--one", "--parties", str(p)]
        cmd += ["--issues", str(args.issues), "--runs", str(runs)]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{p:>7} {args.issues:>6} {r['runs']:>10} {r['cpu']:>8.2f} {r['rate']:>11.0f}"
            f" {r['peak_mib']:>9.0f}",
            flush=True,
        )
    for path in args.scenario:
        runs = args.runs or 1000
        cmd = [sys.executable, __file__, "--one", "--scenario", path, "--runs", str(runs)]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{Path(path).stem}: {r['runs']} replicates, {r['cpu']:.2f} CPU s,"
            f" {r['rate']:.1f} runs/CPU-s, peak {r['peak_mib']:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
