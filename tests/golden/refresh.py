"""Refresh the golden summary of the baseline: ``python tests/golden/refresh.py``.

Run it only when a change of the model or of scenarios/baseline.yaml is intended, and
say so in the commit: the golden file pins behaviour, it does not prove correctness.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.ensemble import run_ensemble
from sim.loader import load_scenario
from sim.summary import summarize

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("baseline_summary.json")
RUNS, SEED = 2000, 1


def baseline_summary() -> dict:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    return summarize(run_ensemble(scenario, RUNS, SEED), scenario, SEED)


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(baseline_summary(), indent=2) + "\n")
    print(f"wrote {GOLDEN}")
