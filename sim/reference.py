"""Closed-form bargaining solutions at a scenario's parameter means: a reference for
reading the simulation (which adds shocks, beliefs, aspirations and ratification).

:func:`bargaining_reference` computes each party's round-1 value of war (BATNA), the Nash
(weighted by the mediator's bias when it has one) and Kalai–Smorodinsky packages over those
BATNAs, the naive compromise, and for two parties the Rubinstein split that their patience
implies; :func:`format_reference` words it as ``negsim show`` prints it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

WIDTH = 100


@dataclass(frozen=True)
class BargainingReference:
    """The closed forms at the means of one scenario.

    Attributes
    ----------
    issues, parties : tuple of str
    batna : dict of str to float
        Each party's round-1 value of war.
    feasible : bool
        False when absolute red lines leave no package (the packages below are then None).
    nash_label : str
        ``"Nash"``, or ``"weighted Nash"`` when a biased mediator weighs the parties.
    nash, nash_utilities : ndarray or None
        The Nash package (one value per issue) and each party's utility of it; None when no
        package beats every BATNA.
    kalai_smorodinsky : ndarray or None
    compromise : ndarray or None
        The salience-weighted mean of the parties' ideal points.
    patience : tuple of float or None
        Two parties' per-round patience (None otherwise).
    rubinstein_share : float or None
        The first proposer's share of a divisible stake (two parties only).
    """

    issues: tuple[str, ...]
    parties: tuple[str, ...]
    batna: dict[str, float]
    feasible: bool
    nash_label: str
    nash: np.ndarray | None
    nash_utilities: np.ndarray | None
    kalai_smorodinsky: np.ndarray | None
    compromise: np.ndarray | None
    patience: tuple[float, float] | None
    rubinstein_share: float | None


def bargaining_reference(s: Scenario) -> BargainingReference:
    """The bargaining reference of scenario ``s`` at its parameters' means."""
    from sim import analytic
    from sim.distributions import param_mean
    from sim.model import NegotiationModel
    from sim.runner import free_model

    means = {path: np.array([param_mean(v)]) for path, v in s.uncertain_parameters().items()}
    model = NegotiationModel(s, seed=s.seed, n=1, parameter_values=means)
    try:
        # the model's own round-1 state: its geometry, red lines and BATNAs
        model.round = 1
        for party in model.party_agents:
            party.update_batna()
        parties = model.party_agents
        names = tuple(p.name for p in parties)
        ideals = np.array([p.ideal[0] for p in parties])
        saliences = np.array([p.salience[0] for p in parties])
        batna = np.array([p.batna[0] for p in parties])
        red_lines = [
            [
                (k, kind, b, pen)
                for k, kind, b, pen in zip(
                    p.shape.line_issue.tolist(),
                    ["max" if sign > 0 else "min" for sign in p.shape.line_sign],
                    p.shape.line_bound[0].tolist(),
                    p.shape.line_penalty[0].tolist(),
                    strict=True,
                )
            ]
            for p in parties
        ]
        lower, upper = model.geometry.lower[0], model.geometry.upper[0]
        feasible = bool(model.geometry.feasible[0])
        loss = [p.spec.loss for p in parties]
        weights = model.mediator.base_weights[0] if model.mediator is not None else None
        has_mediator = model.mediator is not None
        patience = tuple(float(p.patience[0]) for p in parties)
    finally:
        free_model(model)

    biased = has_mediator and s.mediator is not None and bool(s.mediator.bias)
    label = "weighted Nash" if biased else "Nash"
    batnas = {n: float(b) for n, b in zip(names, batna, strict=True)}
    two = (patience[0], patience[1]) if len(names) == 2 else None
    if not feasible:
        return BargainingReference(
            s.issue_names, names, batnas, False, label, None, None, None, None, two, None
        )
    nash = analytic.nash_bargaining_solution(
        ideals,
        saliences,
        batna,
        weights=weights,
        loss=loss,
        lower=lower,
        upper=upper,
        red_lines=red_lines,
    )
    ks = None
    if nash is not None:
        ks = analytic.kalai_smorodinsky_solution(
            ideals, saliences, batna, loss=loss, lower=lower, upper=upper, red_lines=red_lines
        )
    weight = saliences.sum(axis=0)
    compromise = np.where(
        weight > 0,
        (saliences * ideals).sum(axis=0) / np.where(weight > 0, weight, 1),
        ideals.mean(axis=0),
    )
    share = analytic.rubinstein_share(*two) if two is not None else None
    return BargainingReference(
        issues=s.issue_names,
        parties=names,
        batna=batnas,
        feasible=True,
        nash_label=label,
        nash=None if nash is None else np.asarray(nash[0]),
        nash_utilities=None if nash is None else np.asarray(nash[1]),
        kalai_smorodinsky=None if ks is None else np.asarray(ks[0]),
        compromise=compromise,
        patience=two,
        rubinstein_share=None if share is None else float(share),
    )


def format_reference(ref: BargainingReference, width: int = WIDTH) -> str:
    """The reference as ``negsim show`` prints it, wrapped to ``width`` columns."""

    def pkg(x: np.ndarray) -> str:
        return ", ".join(f"{k} {v:.2f}" for k, v in zip(ref.issues, x, strict=True))

    out = [
        "",
        "Bargaining reference: closed forms at the parameters' means (the simulation "
        "adds shocks, beliefs, aspirations and ratification)",
        "  round-1 value of war (BATNA): "
        + ", ".join(f"{name} {b:.3f}" for name, b in ref.batna.items()),
    ]
    if not ref.feasible:
        out.append("  absolute red lines leave no package: no agreement is possible")
        return _wrap(out, width)
    if ref.nash is None or ref.nash_utilities is None:
        out.append("  no package beats every BATNA: no zone of possible agreement at the means")
    else:
        utilities = ", ".join(
            f"{name} {v:.3f}" for name, v in zip(ref.parties, ref.nash_utilities, strict=True)
        )
        out.append(f"  {ref.nash_label} package: {pkg(ref.nash)}  (utilities {utilities})")
        if ref.kalai_smorodinsky is not None:
            out.append(f"  Kalai-Smorodinsky package: {pkg(ref.kalai_smorodinsky)}")
    if ref.compromise is not None:
        out.append(f"  naive compromise (salience-weighted ideals): {pkg(ref.compromise)}")
    if ref.patience is not None and ref.rubinstein_share is not None:
        d1, d2 = ref.patience
        out.append(
            f"  Rubinstein: with patience {d1:.3f} and {d2:.3f} per round, a first proposer "
            f"({ref.parties[0]}) takes {ref.rubinstein_share:.3f} of a divisible stake"
        )
    return _wrap(out, width)


def _wrap(lines: list[str], width: int) -> str:
    return (
        "\n".join(
            textwrap.fill(line, width, subsequent_indent="    ") if line else "" for line in lines
        )
        + "\n"
    )
