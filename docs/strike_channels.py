"""Do continued strikes bring a deal closer? The README's figure and numbers.

    PYTHONPATH=. python docs/strike_channels.py [--runs 20000] [--seed 20260203]

Runs ``scenarios/energy_strikes_continue.yaml`` (every channel on, then each channel of
the Russian strikes switched off alone) against ``scenarios/energy_truce.yaml`` on
common random numbers: the same replicate indices and seed, so each replicate's
parameters and shocks are shared wherever the scenarios share them. Each difference is
the mean of per-replicate differences with a 95% interval from their standard error.
Writes ``docs/img/strike_channels.png`` and prints the table the README shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import Outcome

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = (
    "coercion_cost",
    "coercion_pace",
    "backlash_aspiration",
    "backlash_approval",
    "postponement",
    "walkout",
)


def run(path: str, overrides: list[str], n: int, seed: int) -> np.ndarray:
    scenario = load_scenario(ROOT / path, overrides)
    return NegotiationModel(scenario, n=n, seed=seed).run().outcome


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
    truce = run("scenarios/energy_truce.yaml", [], n, seed)
    cont = {"all channels": run("scenarios/energy_strikes_continue.yaml", [], n, seed)}
    for c in CHANNELS:
        cont[f"without {c}"] = run(
            "scenarios/energy_strikes_continue.yaml",
            [f"events.energy_strikes.channels.{c}=false"],
            n,
            seed,
        )
    rows = []
    print(f"{n:,} replicates, seed {seed}; strikes continue minus energy truce, 95% intervals")
    print(f"{'strikes continue':<32}{'agreement':>30}{'breakdown':>30}")
    for label, out in cont.items():
        da = paired(out == Outcome.AGREEMENT, truce == Outcome.AGREEMENT)
        db = paired(out == Outcome.BREAKDOWN, truce == Outcome.BREAKDOWN)
        rows.append((label, da, db))
        print(
            f"{label:<32}{da[0]:+9.4f} [{da[1]:+.4f}, {da[2]:+.4f}]"
            f"{db[0]:+9.4f} [{db[1]:+.4f}, {db[2]:+.4f}]"
        )
    print("levels:", {k: float(np.mean(v == Outcome.AGREEMENT)) for k, v in cont.items()})
    print("truce agreement", float(np.mean(truce == Outcome.AGREEMENT)))
    print("truce breakdown", float(np.mean(truce == Outcome.BREAKDOWN)))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    y = np.arange(len(rows))[::-1]
    for ax, k, title in ((axes[0], 1, "agreement"), (axes[1], 2, "breakdown")):
        m = np.array([r[k][0] for r in rows])
        lo = np.array([r[k][1] for r in rows])
        hi = np.array([r[k][2] for r in rows])
        ax.errorbar(m, y, xerr=[m - lo, hi - m], fmt="o", color="C0", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(f"P({title})")
        ax.set_xlabel("strikes continue − energy truce (95% interval)")
    axes[0].set_yticks(y, [r[0] for r in rows])
    fig.suptitle(f"Continued strikes vs an energy truce, channel by channel ({n:,} replicates)")
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "strike_channels.png"
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
