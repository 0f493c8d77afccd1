"""The limit as a reference: one round of the talks as bare numpy, no model around it.

What a hand-written vectorised loop costs for the work negsim does every round, on the
same sizes as the baseline (two parties and a mediator, four issues, 26 rounds): the
front line moves, strikes hit and add to each side's cost, each side re-values continued
war (its BATNA) and concedes, the mediator searches the weighted Nash package by
projected gradient ascent on the box (``GRADIENT_STEPS`` steps, the number a tolerance of
about 1e-3 needs here), and each side accepts a package worth its aspiration. Ended
replicates are masked, as in the model. No scenario file, no agents, no events, no
records: the arithmetic only. ``bench/bench.py`` prints negsim's model-only throughput as
a ratio of this one, measured in the same run.
"""

from __future__ import annotations

import time

import numpy as np

ROUNDS = 26
ISSUES = 4
GRADIENT_STEPS = 30


def kernel_run(n: int, seed: int = 1) -> np.ndarray:
    """Run n replicates of the kernel; return each replicate's end round (0: none)."""
    rng = np.random.default_rng(seed)
    ideal = np.stack([rng.uniform(0.0, 0.3, (n, ISSUES)), rng.uniform(0.7, 1.0, (n, ISSUES))])
    sal = rng.dirichlet(np.ones(ISSUES), size=(2, n))  # (2, N, K)
    weight = np.stack([rng.uniform(0.4, 0.6, n), np.zeros(n)])
    weight[1] = 1.0 - weight[0]
    front = rng.uniform(0.3, 0.5, n)
    drift = rng.normal(0.002, 0.001, n)
    cost = np.zeros((2, n))
    aspiration = np.full((2, n), 0.9)
    concede = rng.uniform(0.01, 0.03, (2, n))
    active = np.ones(n, dtype=bool)
    end = np.zeros(n, dtype=np.int16)
    for t in range(1, ROUNDS + 1):
        # front and strikes
        front = np.clip(front + drift + 0.01 * rng.standard_normal(n), 0.0, 1.0)
        strike = rng.random((2, n)) < 0.3
        cost += np.where(active, 0.004 + 0.002 * strike, 0.0)
        # BATNAs: continued war valued at the front, less its cost
        war = np.empty((n, ISSUES))
        war[:] = 0.5
        war[:, 0] = front
        batna = 1.0 - np.einsum("pnk,pnk->pn", sal, np.abs(war[None] - ideal)) - cost
        aspiration = np.maximum(batna, aspiration - concede)
        # the Nash package by projected gradient ascent from the midpoint of the ideals
        x = 0.5 * (ideal[0] + ideal[1])
        step = 0.05
        for _ in range(GRADIENT_STEPS):
            u = 1.0 - np.einsum("pnk,pnk->pn", sal, np.abs(x[None] - ideal))
            surplus = np.maximum(u - batna, 1e-9)
            grad = -np.einsum("pn,pnk->nk", weight / surplus, sal * np.sign(x[None] - ideal))
            x = np.clip(x + step * grad, 0.0, 1.0)
            step *= 0.9
        # acceptance
        u = 1.0 - np.einsum("pnk,pnk->pn", sal, np.abs(x[None] - ideal))
        agree = active & np.all(u >= aspiration, axis=0)
        end[agree] = t
        active &= ~agree
        if not active.any():
            break
    return end


def kernel_rate(runs: int, chunk: int = 8192, seed: int = 1) -> tuple[float, float]:
    """Replicate-runs per second of wall time and of CPU time, in chunks as negsim runs."""
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, runs, chunk):
        kernel_run(min(chunk, runs - start), seed + start)
    return runs / (time.perf_counter() - t0), runs / (time.process_time() - c0)


if __name__ == "__main__":
    wall, cpu = kernel_rate(32768)
    print(f"bare numpy kernel: {wall:,.0f} replicate-runs/s wall, {cpu:,.0f} per CPU second")
