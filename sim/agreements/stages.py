"""The stage a replicate is in at the end of each round, and what follows from the record
of stages: first ceasefire, number of ceasefires and collapses, days under ceasefire,
lengths of ceasefires (for survival), per-round and per-date probabilities.

The record is one small integer per replicate and round (``EnsembleResult.stage``, the
``stages`` column of ``replicates.csv`` as a string of digits), so every estimate here can
be recomputed from the file.
"""

from __future__ import annotations

import numpy as np

WAR = 0  # fighting, talks going on (or paused)
TRUCE = 1  # a partial agreement that leaves the fighting on (an energy truce)
CEASEFIRE = 2  # a ceasefire in force (or a signed package awaiting its vote)
SETTLEMENT = 3  # a settlement in force
OVER = 4  # the talks left (a walk-out, or the mediator's exit that ends them)
STAGE_NAMES = ("war", "truce", "ceasefire", "settlement", "over")


def encode(stage: np.ndarray) -> np.ndarray:
    """Each row of stages (N, R) as a string of digits (the ``stages`` column)."""
    if stage.shape[1] == 0:
        return np.full(stage.shape[0], "", dtype=object)
    chars = (stage.astype(np.uint8) + ord("0")).view("S1").reshape(stage.shape)
    return np.array([row.tobytes().decode() for row in chars], dtype=object)


def decode(texts: list[str], rounds: int) -> np.ndarray:
    """The stages (N, R) from the ``stages`` column."""
    if not texts:
        return np.zeros((0, rounds), dtype=np.int8)
    raw = np.frombuffer("".join(texts).encode(), dtype=np.uint8).reshape(len(texts), rounds)
    return (raw - ord("0")).astype(np.int8)


def first_round(stage: np.ndarray, code: int) -> np.ndarray:
    """The first round (1-based) in the given stage, 0 where never (N,)."""
    hit = stage == code
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0)


def spells(stage: np.ndarray, code: int = CEASEFIRE) -> tuple[np.ndarray, ...]:
    """Every spell in a stage: (replicate row, first round, length in rounds, how it ended)
    with ended 1 = collapsed into war, 0 = still in force at the window's end or turned
    into something else (a settlement, the end of talks): censored for survival."""
    n, r = stage.shape
    on = stage == code
    padded = np.zeros((n, r + 2), dtype=np.int8)
    padded[:, 1:-1] = on
    d = np.diff(padded, axis=1)
    rows_s, start = np.nonzero(d == 1)
    rows_e, stop = np.nonzero(d == -1)  # stop: index of the first round after the spell
    # nonzero is row-major, so starts and stops pair up in order
    length = stop - start
    after = np.where(stop < r, stage[rows_e, np.minimum(stop, r - 1)], -1)
    collapsed = (after == WAR).astype(np.int8)
    return rows_s, start + 1, length, collapsed


def per_replicate(stage: np.ndarray) -> dict[str, np.ndarray]:
    """The staged columns of ``replicates.csv`` (without the dates)."""
    n = stage.shape[0]
    rows, _, length, collapsed = spells(stage)
    cf_count = np.bincount(rows, minlength=n)
    coll = np.bincount(rows, weights=collapsed, minlength=n).astype(np.int64)
    s_rows, _, _, s_coll = spells(stage, SETTLEMENT)
    coll += np.bincount(s_rows, weights=s_coll, minlength=n).astype(np.int64)
    return {
        "first_ceasefire_round": first_round(stage, CEASEFIRE),
        "ceasefires": cf_count.astype(np.int64),
        "collapses": coll,
        "ceasefire_rounds": (stage == CEASEFIRE).sum(axis=1).astype(np.int64),
        "settlement_round": first_round(stage, SETTLEMENT),
    }


def kaplan_meier(length: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, ...]:
    """Discrete-time Kaplan–Meier survival of spells: (t, S(t), lower, upper) for t = 1..max,
    with Greenwood's 95% interval on the log–log scale."""
    tmax = int(length.max()) if length.size else 0
    t = np.arange(1, tmax + 1)
    at_risk = np.array([(length >= u).sum() for u in t], dtype=float)
    ended = np.array([((length == u) & (event == 1)).sum() for u in t], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(at_risk > 0, ended / at_risk, 0.0)
        surv = np.cumprod(1.0 - q)
        green = np.cumsum(np.where(at_risk > ended, ended / (at_risk * (at_risk - ended)), 0.0))
        logs = np.log(surv)
        se = np.sqrt(green) / np.abs(logs)
        lo = surv ** np.exp(1.96 * se)
        hi = surv ** np.exp(-1.96 * se)
    lo = np.where(np.isfinite(lo), lo, np.where(surv > 0, surv, 0.0))
    hi = np.where(np.isfinite(hi), hi, np.where(surv > 0, 1.0, 0.0))
    return t, surv, np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def median_survival(t: np.ndarray, surv: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple:
    """The median (first t with S(t) <= 0.5) and its interval from the bands (None where
    the curve stays above one half)."""

    def cross(s: np.ndarray) -> int | None:
        idx = np.flatnonzero(s <= 0.5)
        return int(t[idx[0]]) if idx.size else None

    return cross(surv), cross(lo), cross(hi)
