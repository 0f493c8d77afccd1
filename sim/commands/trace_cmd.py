"""``negsim trace``: one replicate, round by round, in plain words and numbers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import NegsimError
from sim.outcomes import EnsembleResult, Outcome

if TYPE_CHECKING:
    from sim.model import NegotiationModel
    from sim.rounds import RoundRecord
    from sim.scenario import Scenario

# a replicate index is a key of the random streams: a non-negative 64-bit integer
MAX_REPLICATE = 2**63 - 1


def trace(args: argparse.Namespace) -> int:
    from sim.loader import load_scenario
    from sim.model import NegotiationModel

    replicate = int(args.replicate)
    if not 0 <= replicate <= MAX_REPLICATE:
        raise NegsimError(
            f"--replicate: must be a replicate index from 0 to {MAX_REPLICATE} (got {replicate})"
        )
    scenario = load_scenario(args.file, args.overrides)
    seed = scenario.seed if args.seed is None else args.seed
    from sim.readings import replicate_model_inputs, with_reading_line

    own, values, reading = replicate_model_inputs(scenario, seed, replicate)
    model = NegotiationModel(
        own, seed=seed, replicates=np.array([replicate]), record=True, parameter_values=values
    )
    result = model.run()
    print(with_reading_line(story(own, model, result, seed, replicate), reading))
    return 0


def _pkg(issues: Sequence[str], x: Sequence[float] | np.ndarray) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in zip(issues, x, strict=True))


def story(
    scenario: Scenario,
    model: NegotiationModel,
    result: EnsembleResult,
    seed: int,
    replicate: int,
) -> str:
    """The trace text of a model run with record=True (one replicate)."""
    days = scenario.round_days
    lines = [
        f"scenario {scenario.name}, replicate {replicate}, seed {seed}: "
        f"up to {scenario.rounds} rounds of {days:g} days"
    ]
    drawn = model.drawn_parameters()
    if drawn:
        lines.append(
            "drawn parameters: "
            + "; ".join(f"{k} = {float(v[0]):.4g}" for k, v in list(drawn.items())[:12])
            + (f"; ... ({len(drawn)} in all)" if len(drawn) > 12 else "")
        )
    for record in model.log:
        lines.append("")
        lines.extend(_round(scenario, record))
    lines.append("")
    lines.extend(_ending(scenario, result))
    return "\n".join(lines)


def _round(scenario: Scenario, e: RoundRecord) -> list[str]:
    """One round's lines."""
    issues, days = scenario.issue_names, scenario.round_days
    lines = [f"round {e.round} (day {int((e.round - 1) * days)}):"]
    world = list(e.events)
    if e.front is not None:
        world.append(f"front line {e.front:.3f} ({e.move:+.3f})")
    lines.append("  world: " + ("; ".join(world) if world else "quiet"))
    for name in scenario.party_names:
        pressure = f", pressed by {e.pressure[name]:.3f}" if e.pressure[name] > 0 else ""
        lines.append(
            f"  {name}: BATNA {e.batna[name]:.3f}, aspiration {e.aspiration[name]:.3f}, "
            f"cost so far {e.costs[name]:.3f}{pressure}"
        )
        parts = e.concession.get(name)
        if parts:
            total = sum(parts.values())
            lines.append(
                f"    conceded {total:.4f} of aspiration: "
                + ", ".join(f"{k} {v:.4f}" for k, v in parts.items())
            )
    if not e.feasible:
        lines.append("  no proposal: absolute red lines leave no package")
        return lines
    if e.proposal is None:
        lines.append("  no proposal: talks paused after a failed ratification")
        return lines
    who = f"{e.proposer} offers" if e.proposer else "the mediator proposes"
    basis = "" if e.proposer else f" [{e.basis}]"
    lines.append(f"  {who}: {_pkg(issues, e.proposal)}{basis}")
    for name in scenario.party_names:
        u = e.utility[name]
        if e.accept[name]:
            why = f"signs: worth {u:.3f}, at least its aspiration {e.aspiration[name]:.3f}"
        elif u < e.batna[name]:
            why = f"rejects: worth {u:.3f}, below its BATNA {e.batna[name]:.3f}"
        elif u >= e.aspiration[name] - 1e-12:
            p = e.sign_prob.get(name, 1.0)
            why = (
                f"does not sign: worth {u:.3f}, but it expects only a {p:.0%} chance that it "
                "passes at home"
            )
        else:
            why = f"rejects: worth {u:.3f}, below its aspiration {e.aspiration[name]:.3f}"
        if e.sign_prob.get(name, 1.0) < 1.0 and e.accept[name]:
            why += f" (expects {e.sign_prob[name]:.0%} to pass at home)"
        lines.append(f"    {name} {why}")
    if e.votes and all(e.accept.values()):
        lines.append(
            "  ratification: " + ", ".join(f"{k} approval {v:.0%}" for k, v in e.votes.items())
        )
        if e.ratification_failed:
            back = ", ".join(f"{k} {v:+.3f}" for k, v in e.rebound.items())
            lines.append(
                "    signed by the governments, rejected by the public: talks pause and "
                "concessions move back part of the way (conceded share "
                + (back or "unchanged")
                + ")"
            )
    if e.levers:
        lines.append("  the mediator applies pressure: " + ", ".join(e.levers))
    if e.walked and e.opted_out:
        lines.append(f"  {e.walked} opts out: its outside option beats the offer and waiting")
    elif e.walked:
        lines.append(f"  {e.walked} walks out")
    if e.deadline:
        lines.append("  the deadline every party knew of is reached: the talks end")
    if e.mediator_exit:
        lines.append("  the mediator leaves the talks")
    if e.agreed:
        lines.append("  agreement")
    return lines


def _ending(scenario: Scenario, result: EnsembleResult) -> list[str]:
    """How the replicate ended, and the utilities at the end."""
    issues, days = scenario.issue_names, scenario.round_days
    o = Outcome(int(result.outcome[0]))
    end = int(result.end_round[0])
    staged = result.columns()
    story = (
        f" ({int(staged['ceasefires'][0])} ceasefire(s), {int(staged['collapses'][0])} "
        "collapse(s) on the way)"
        if staged["ceasefires"][0]
        else ""
    )
    if o is Outcome.AGREEMENT:
        at = int(staged["settlement_round"][0]) or end
        ended = (
            f"ended: settlement in round {at} (day {int(at * days)}) "
            f"on {_pkg(issues, result.terms[0])}{story}"
        )
    elif o is Outcome.CEASEFIRE:
        since = result.stages[0]
        r = len(since) - int(np.argmax(since[::-1] != 2)) if (since != 2).any() else 0
        ended = (
            f"ended the window under a ceasefire, in force since round {r + 1}; the deferred "
            f"issues are unsettled{story}"
        )
    elif o is Outcome.BREAKDOWN and int(result.walkout_by[0]) < 0:
        ended = f"ended: breakdown in round {end}: the talks reached their deadline"
    elif o is Outcome.BREAKDOWN:
        walker = scenario.party_names[int(result.walkout_by[0])]
        ended = f"ended: breakdown in round {end}: {walker} left the talks"
    elif o is Outcome.MEDIATOR_EXIT:
        ended = f"ended: the mediator left in round {end}"
    else:
        ended = f"ended: stalemate, war and talks going on after {end} rounds{story}"
    utilities = ", ".join(
        f"{a} {u:.3f}" for a, u in zip(result.actors, result.utility[0], strict=True)
    )
    assert result.net_gain is not None and result.signed_rejected is not None
    gains = ", ".join(
        f"{a} {u:.3f}" for a, u in zip(result.actors, result.net_gain[0], strict=True)
    )
    out = [
        ended,
        f"utilities at the end: {utilities}",
        f"who gains at the window's end (net of the cost of war): {gains}",
    ]
    if result.signed_rejected[0] > 0:
        out.append(
            f"first package signed by the governments and rejected by a public: round "
            f"{int(result.signed_rejected[0])} ({int(result.failed_ratifications[0])} in all)"
        )
    return out
