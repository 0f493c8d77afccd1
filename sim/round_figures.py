"""Figures of the round-by-round data (the ``rounds/`` folder, ``--record rounds``).

Two figures, each from a prepared dataclass as in :mod:`sim.plots` (whose helpers and
colours they share; they live here to keep that module within its size):

* :func:`plot_round_paths`: the path of the proposal on each issue and of each party's
  aspiration (and BATNA) over the rounds, median with a 10–90% band across the replicates
  still negotiating in each round;
* :func:`plot_offers`: one replicate's offers in utility space (two parties' values of
  each round's proposal), with the Pareto frontier of the packages those parties could
  agree on, the Nash bargaining point and the BATNAs.

The path quantiles are computed in one pass over the Parquet files' batches with fine
histograms (resolution :data:`BIN_WIDTH`), so memory does not grow with the run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots import (
    LABEL_SIZE,
    NOTE_SIZE,
    TICK_SIZE,
    WIDTH,
    _container,
    _style,
    _wrap,
    party_labels,
    party_style,
    save_figure,
)

__all__ = [
    "ROUND_FIGURES",
    "Offers",
    "RoundPaths",
    "draw_round_figures",
    "plot_offers",
    "plot_round_paths",
    "prepare_offers",
    "prepare_round_paths",
]

ROUND_FIGURES = ("round_paths", "offers")
QUANTILES = (0.1, 0.5, 0.9)
LOW, HIGH = -1.0, 2.0  # the histogram range: packages lie in [0, 1], utilities about there
BIN_WIDTH = 0.0005
FRONTIER_SAMPLES = 50_000  # random packages from which the frontier and Nash point are found
_ISSUE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#555555")


@dataclass(frozen=True, eq=False)
class RoundPaths:
    """Quantiles across replicates, by round: arrays of shape (3, R) (10%, 50%, 90%)."""

    scenario: str
    n: int  # replicates in the run
    rounds: np.ndarray  # (R,) 1..R
    talking: np.ndarray  # (R,) replicates that negotiated in each round
    proposal: Mapping[str, np.ndarray]  # issue -> (3, R), over replicates with a proposal
    aspiration: Mapping[str, np.ndarray]  # party -> (3, R)
    batna: Mapping[str, np.ndarray]  # party -> (3, R)
    labels: Mapping[str, str]  # party -> label


@dataclass(frozen=True, eq=False)
class Offers:
    """One replicate's offers in the utility space of two parties."""

    scenario: str
    replicate: int
    parties: tuple[str, str]
    labels: tuple[str, str]
    rounds: np.ndarray  # (T,) rounds with an offer
    u: np.ndarray  # (T, 2) the two parties' values of each round's offer
    frontier: np.ndarray  # (F, 2) Pareto frontier, sorted by the first party's value
    nash: np.ndarray  # (2,) the Nash bargaining point (NaN if none beats the BATNAs)
    batna: np.ndarray  # (2,) BATNAs in the last round recorded
    ended: str  # how the replicate ended
    end_round: int
    others: int  # parties not drawn


# ---- preparing -----------------------------------------------------------------------


def _quantiles_from_histogram(hist: np.ndarray) -> np.ndarray:
    """(R, B) counts -> (3, R) quantiles (NaN where a round has no value)."""
    bins = hist.shape[1]
    total = hist.sum(axis=1)
    cdf = np.cumsum(hist, axis=1)
    out = np.full((len(QUANTILES), hist.shape[0]), np.nan)
    for r in np.flatnonzero(total):
        idx = np.searchsorted(cdf[r], np.asarray(QUANTILES) * total[r], side="left")
        out[:, r] = LOW + (np.minimum(idx, bins - 1) + 0.5) * BIN_WIDTH
    return out


def prepare_round_paths(
    path: str | os.PathLike[str],
    *,
    issues: Sequence[str],
    parties: Sequence[str],
    rounds: int,
    scenario: str = "",
    n: int = 0,
    scenario_spec: Any = None,
) -> RoundPaths:
    """The paths of the proposal and of each party's aspiration and BATNA from the
    ``rounds/`` folder (or a single file), read one batch at a time."""
    from sim.recorder import iter_round_batches

    bins = int(round((HIGH - LOW) / BIN_WIDTH))
    series = (
        [f"proposal.{k}" for k in issues]
        + [f"aspiration.{p}" for p in parties]
        + [f"batna.{p}" for p in parties]
    )
    hists = {s: np.zeros(rounds * bins, dtype=np.int64) for s in series}
    talking = np.zeros(rounds, dtype=np.int64)
    for batch in iter_round_batches(path, ["round", *series]):
        r = batch.column("round").to_numpy().astype(np.int64) - 1
        talking += np.bincount(r, minlength=rounds)[:rounds]
        for s in series:
            v = batch.column(s).to_numpy(zero_copy_only=False).astype(float)
            ok = np.isfinite(v)
            b = np.clip(((v[ok] - LOW) / BIN_WIDTH).astype(np.int64), 0, bins - 1)
            hists[s] += np.bincount(r[ok] * bins + b, minlength=rounds * bins)
    q = {s: _quantiles_from_histogram(h.reshape(rounds, bins)) for s, h in hists.items()}
    labels = party_labels(scenario_spec)
    return RoundPaths(
        scenario=scenario,
        n=n,
        rounds=np.arange(1, rounds + 1),
        talking=talking,
        proposal={k: q[f"proposal.{k}"] for k in issues},
        aspiration={p: q[f"aspiration.{p}"] for p in parties},
        batna={p: q[f"batna.{p}"] for p in parties},
        labels={p: labels.get(p, p) for p in parties},
    )


def pick_replicate(path: str | os.PathLike[str]) -> int:
    """The replicate :func:`draw_round_figures` shows: the first that ended in a
    settlement, else the first with a ceasefire in force at the end, else the first that
    negotiated longest."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from sim.recorder import read_rounds_table

    table = read_rounds_table(path, ["replicate", "round", "state"])
    state = table.column("state").cast("string")
    # "agreement": the settlement's name in folders written before staged agreements
    for ends in (["settlement", "agreement"], ["ceasefire"]):
        agreed = table.filter(pc.is_in(state, value_set=pa.array(ends)))
        if agreed.num_rows:
            return int(pc.min(agreed.column("replicate")).as_py())
    rounds = table.column("round").to_numpy()
    reps = table.column("replicate").to_numpy()
    longest = rounds.max()
    return int(reps[rounds == longest].min())


def _pareto(points: np.ndarray) -> np.ndarray:
    """The non-dominated rows of (M, 2) points (higher is better), sorted by column 0."""
    order = np.lexsort((-points[:, 1], -points[:, 0]))
    best = -np.inf
    keep = []
    for i in order:
        if points[i, 1] > best:
            keep.append(i)
            best = points[i, 1]
    front = points[keep]
    return front[np.argsort(front[:, 0])]


def prepare_offers(
    path: str | os.PathLike[str],
    scenario: Any,
    seed: int,
    replicate: int | None = None,
    parties: tuple[str, str] | None = None,
) -> Offers:
    """One replicate's offers from the ``rounds/`` folder and, from the model built for that
    replicate (same seed, same draws), the Pareto frontier and Nash point of the packages
    the scenario allows (``scenario`` is the loaded :class:`~sim.scenario.Scenario`)."""
    import pyarrow.compute as pc

    from sim.model import NegotiationModel
    from sim.recorder import read_rounds_table
    from sim.runner import free_model

    names = tuple(scenario.party_names)
    if replicate is None:
        replicate = pick_replicate(path)
    pair = parties or (names[0], names[1])
    i, j = names.index(pair[0]), names.index(pair[1])
    table = read_rounds_table(path, replicate=int(replicate))
    if table.num_rows == 0:
        raise ValueError(f"replicate {replicate} is not in {path}")
    rounds = table.column("round").to_numpy()
    talking = table.column("talking").to_numpy(zero_copy_only=False)
    u = np.column_stack(
        [table.column(f"utility.{p}").to_numpy(zero_copy_only=False) for p in pair]
    ).astype(float)
    batna_all = np.array(
        [float(table.column(f"batna.{p}")[table.num_rows - 1].as_py()) for p in names]
    )
    state = pc.cast(table.column("state"), "string").to_pylist()[-1]

    model = NegotiationModel(scenario, seed=seed, replicates=np.array([int(replicate)]))
    try:
        rng = np.random.default_rng(int(replicate))
        lower, upper = model.geometry.lower[0], model.geometry.upper[0]
        x = lower + (upper - lower) * rng.random((FRONTIER_SAMPLES, model.k))
        offered = np.column_stack(
            [
                table.column(f"proposal.{k}").to_numpy(zero_copy_only=False)
                for k in scenario.issue_names
            ]
        ).astype(float)[talking]
        # the frontier's vertices, and the offers themselves: packages the talks did reach
        x = np.vstack([x, model.geometry.vertices[0].reshape(-1, model.k), offered])
        values = np.stack([p.shape.utility(x[None])[0] for p in model.party_agents], axis=1)
    finally:
        free_model(model)
    frontier = _pareto(values[:, [i, j]])
    gain = values - batna_all[None, :]
    ok = np.all(gain > 0, axis=1)
    nash = np.full(2, np.nan)
    if ok.any():
        best = np.flatnonzero(ok)[np.argmax(np.sum(np.log(gain[ok]), axis=1))]
        nash = values[best, [i, j]]
    labels = party_labels(scenario)
    return Offers(
        scenario=scenario.name,
        replicate=int(replicate),
        parties=pair,
        labels=(labels.get(pair[0], pair[0]), labels.get(pair[1], pair[1])),
        rounds=rounds[talking],
        u=u[talking],
        frontier=frontier,
        nash=nash,
        batna=batna_all[[i, j]],
        ended=state,
        end_round=int(rounds[-1]),
        others=len(names) - 2,
    )


# ---- drawing -------------------------------------------------------------------------


def _band(ax: Axes, x: np.ndarray, q: np.ndarray, colour: str, label: str, dash: Any = "-") -> None:
    ax.fill_between(x, q[0], q[2], color=colour, alpha=0.18, linewidth=0)
    ax.plot(x, q[1], color=colour, linestyle=dash, linewidth=2, label=label)


def plot_round_paths(data: RoundPaths, ax: Axes | None = None) -> Figure:
    """The proposal per issue (top) and each party's aspiration and BATNA (bottom) over
    the rounds: medians with 10–90% bands across the replicates negotiating then."""
    fig, box = _container(ax, 8.0)
    top, bottom = box.subplots(2, 1, sharex=True)
    x = data.rounds
    for c, (issue, q) in enumerate(data.proposal.items()):
        _band(top, x, q, _ISSUE_COLOURS[c % len(_ISSUE_COLOURS)], issue.replace("_", " "))
    # room above 1 for the legend, so it never covers a path
    top.set_ylim(-0.02, 1.02 + 0.09 * ((len(data.proposal) + 1) // 2))
    top.set_yticks([0, 0.25, 0.5, 0.75, 1])
    top.set_ylabel("proposal on the issue\n(0 to 1 as the scenario defines)", fontsize=LABEL_SIZE)
    top.legend(fontsize=NOTE_SIZE, frameon=False, loc="upper left", ncol=2)
    top.set_title("The proposal, issue by issue", fontsize=LABEL_SIZE)
    styles = party_style(list(data.aspiration))
    for party, q in data.aspiration.items():
        colour, _ = styles[party]
        _band(bottom, x, q, colour, f"{data.labels.get(party, party)}: aspiration")
        bottom.plot(
            x,
            data.batna[party][1],
            color=colour,
            linestyle=":",
            linewidth=1.5,
            label=f"{data.labels.get(party, party)}: BATNA (median)",
        )
    bottom.set_ylabel("value to the party (utility)", fontsize=LABEL_SIZE)
    bottom.set_xlabel("round", fontsize=LABEL_SIZE)
    bottom.legend(fontsize=NOTE_SIZE, frameon=False, loc="lower left", ncol=2)
    bottom.set_title("Each party's aspiration and BATNA", fontsize=LABEL_SIZE)
    for a in (top, bottom):
        _style(a, grid="both")
    first, last = int(data.talking[0]), int(data.talking[-1])
    box.suptitle(
        _wrap(
            "The talks round by round: median and 10–90% band\n"
            f"{data.scenario} · n = {data.n:,} replicates · over those still negotiating "
            f"({first:,} in round 1, {last:,} in round {int(x[-1])})"
        ),
        fontsize=LABEL_SIZE + 1,
    )
    return fig


def plot_offers(data: Offers, ax: Axes | None = None) -> Figure:
    """One replicate's offers in the two parties' utility space, with the Pareto frontier,
    the Nash point and the BATNAs."""
    if ax is None:
        fig = Figure(figsize=(WIDTH, 6.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    f = data.frontier
    ax.plot(f[:, 0], f[:, 1], color="#333333", linewidth=1.8, label="Pareto frontier")
    ax.axvline(data.batna[0], color="#999999", linestyle=":", linewidth=1.2)
    ax.axhline(data.batna[1], color="#999999", linestyle=":", linewidth=1.2)
    ax.plot(
        [data.batna[0]],
        [data.batna[1]],
        "s",
        color="#999999",
        markersize=8,
        label="BATNAs (last round)",
    )
    if data.u.size:
        ax.plot(data.u[:, 0], data.u[:, 1], color="#bbbbbb", linewidth=1, zorder=1)
        dots = ax.scatter(
            data.u[:, 0],
            data.u[:, 1],
            c=data.rounds,
            cmap="viridis",
            s=36,
            zorder=3,
            label="offers (colour: round)",
        )
        bar = fig.colorbar(dots, ax=ax, shrink=0.8)
        bar.set_label("round", fontsize=TICK_SIZE)
    if np.all(np.isfinite(data.nash)):
        ax.plot(
            [data.nash[0]],
            [data.nash[1]],
            "*",
            color="#D55E00",
            markersize=16,
            markeredgecolor="#222222",
            label="Nash bargaining point",
        )
    ax.set_xlabel(f"value to {data.labels[0]} (utility)", fontsize=LABEL_SIZE)
    ax.set_ylabel(f"value to {data.labels[1]} (utility)", fontsize=LABEL_SIZE)
    ax.legend(fontsize=NOTE_SIZE, frameon=False, loc="lower left")
    ended = data.ended.replace("_", " ")
    note = f"; {data.others} other parties not drawn" if data.others else ""
    ax.set_title(
        _wrap(
            f"Offers in utility space, replicate {data.replicate}: {ended} in round "
            f"{data.end_round}\n{data.scenario}{note}",
            70,
        ),
        fontsize=LABEL_SIZE + 1,
    )
    _style(ax, grid="both")
    return fig


def draw_round_figures(
    path: str | os.PathLike[str],
    scenario: Any,
    outdir: str | os.PathLike[str],
    fmt: str = "png",
    *,
    seed: int | None = None,
    n: int = 0,
) -> list[Path]:
    """Draw :data:`ROUND_FIGURES` from the ``rounds/`` folder into ``outdir``; return the
    paths.
    ``scenario`` is the loaded scenario of the run (its seed unless ``seed`` is given)."""
    from sim.recorder import read_rounds_table

    if not n:
        reps = read_rounds_table(path, ["replicate"]).column("replicate").to_numpy()
        n = int(np.unique(reps).size)
    paths = prepare_round_paths(
        path,
        issues=scenario.issue_names,
        parties=scenario.party_names,
        rounds=scenario.rounds,
        scenario=scenario.name,
        n=n,
        scenario_spec=scenario,
    )
    out = Path(outdir)
    written = [save_figure(plot_round_paths(paths), out / "round_paths", fmt)]
    offers = prepare_offers(path, scenario, scenario.seed if seed is None else seed)
    written.append(save_figure(plot_offers(offers), out / "offers", fmt))
    return written
