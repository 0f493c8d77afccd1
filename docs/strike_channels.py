"""Do continued strikes bring a deal closer? The README's figure and numbers.

    PYTHONPATH=. python docs/strike_channels.py [--runs 20000] [--seed 20260203]

Runs ``scenarios/energy_strikes_continue.yaml`` with every channel of the grid strikes on,
then with each channel switched off alone, against the same scenario with every channel
switched off (the strikes still fall, and change nothing: the counterfactual of no
strikes), on common random numbers: the same replicate indices and seed, so each
replicate's parameters, reading and shocks are shared. Each difference is the mean of
per-replicate differences with a 95% interval from their standard error. The measures
are a first ceasefire within the year, and a breakdown of the talks. Writes
``docs/img/strike_channels.png`` and prints the table the README shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.loader import load_scenario
from sim.outcomes import Outcome
from sim.runner import run_model

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = (
    "coercion_cost",
    "coercion_pace",
    "backlash_aspiration",
    "backlash_approval",
    "postponement",
    "walkout",
)


SCENARIO = "scenarios/energy_strikes_continue.yaml"
OFF = [f"events.energy_strikes.channels.{c}=false" for c in CHANNELS]


def run(overrides: list[str], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a first ceasefire within the year, a breakdown) per replicate."""
    scenario = load_scenario(ROOT / SCENARIO, overrides)
    result = run_model(scenario, seed, np.arange(n))
    cols = result.columns()
    ceasefire = np.asarray(cols["first_ceasefire_round"]) > 0  # 0: none
    return ceasefire, result.outcome == Outcome.BREAKDOWN


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    d = a.astype(float) - b.astype(float)
    m, se = d.mean(), d.std(ddof=1) / np.sqrt(d.size)
    return float(m), float(m - 1.96 * se), float(m + 1.96 * se)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=20260203)
    args = ap.parse_args()
    n, seed = args.runs, args.seed
    none = run(OFF, n, seed)
    cont = {"all channels": run([], n, seed)}
    for c in CHANNELS:
        cont[f"without {c}"] = run([f"events.energy_strikes.channels.{c}=false"], n, seed)
    for c in CHANNELS:
        cont[f"only {c}"] = run([o for o in OFF if f".{c}=" not in o], n, seed)
    rows = []
    print(f"{n:,} replicates, seed {seed}; strikes with channels on minus strikes with none on")
    print(f"{'grid strikes continue':<32}{'first ceasefire':>30}{'breakdown':>30}")
    for label, (cf, bd) in cont.items():
        da, db = paired(cf, none[0]), paired(bd, none[1])
        rows.append((label, da, db))
        print(
            f"{label:<32}{da[0]:+9.4f} [{da[1]:+.4f}, {da[2]:+.4f}]"
            f"{db[0]:+9.4f} [{db[1]:+.4f}, {db[2]:+.4f}]"
        )
    print("levels with every channel on:", [float(np.mean(v)) for v in cont["all channels"]])
    print("levels with no channel on:", [float(np.mean(v)) for v in none])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    y = np.arange(len(rows))[::-1]
    for ax, k, title in (
        (axes[0], 1, "first ceasefire within the year"),
        (axes[1], 2, "breakdown"),
    ):
        m = np.array([r[k][0] for r in rows])
        lo = np.array([r[k][1] for r in rows])
        hi = np.array([r[k][2] for r in rows])
        ax.errorbar(m, y, xerr=[m - lo, hi - m], fmt="o", color="C0", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(f"P({title})")
        ax.set_xlabel("channels on − no channel on (95% interval)")
    axes[0].set_yticks(y, [r[0] for r in rows])
    fig.suptitle(f"Continued grid strikes, channel by channel ({n:,} replicates)")
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "strike_channels.png"
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
