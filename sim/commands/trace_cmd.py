"""``negsim trace``: one replicate, round by round, in plain words and numbers."""

from __future__ import annotations

import argparse

import numpy as np

from sim.outcomes import Outcome

_RULES = {
    0: "Nash package within the expected win-sets",
    1: "Nash package (no package expected to ratify, so win-sets ignored)",
    2: "no package beats every estimated BATNA; the one with the largest smallest surplus",
}


def trace(args: argparse.Namespace) -> int:
    from sim.loader import load_scenario
    from sim.model import NegotiationModel

    scenario = load_scenario(args.file, args.overrides)
    seed = scenario.seed if args.seed is None else args.seed
    model = NegotiationModel(
        scenario, seed=seed, replicates=np.array([args.replicate]), record=True
    )
    result = model.run()
    print(story(scenario, model, result, seed, args.replicate))
    return 0


def _pkg(issues, x) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in zip(issues, x, strict=True))


def story(scenario, model, result, seed: int, replicate: int) -> str:
    """The trace text of a model run with record=True (one replicate)."""
    issues = scenario.issue_names
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
    for e in model.log:
        lines.append("")
        lines.append(f"round {e['round']} (day {int((e['round'] - 1) * days)}):")
        events = []
        events += [f"{s}: a massive strike" for s in e["strikes"]]
        events += [f"a truce violation attributed to {v}" for v in e["violations"]]
        events += [f"{s} under way" for s in e["shifts"]]
        if e["front"] is not None:
            events.append(f"front line {e['front']:.3f} ({e['move']:+.3f})")
        lines.append("  world: " + ("; ".join(events) if events else "quiet"))
        for name in scenario.party_names:
            pressure = f", pressed by {e['pressure'][name]:.3f}" if e["pressure"][name] > 0 else ""
            lines.append(
                f"  {name}: BATNA {e['batna'][name]:.3f}, aspiration {e['aspiration'][name]:.3f}, "
                f"cost so far {e['costs'][name]:.3f}{pressure}"
            )
        if not e["feasible"]:
            lines.append("  no proposal: absolute red lines leave no package")
            continue
        if e["proposal"] is None:
            lines.append("  no proposal: talks paused after a failed ratification")
            continue
        who = f"{e['proposer']} offers" if e["proposer"] else "the mediator proposes"
        rule = "" if e["proposer"] else f" [{_RULES.get(e['rule'], '')}]"
        lines.append(f"  {who}: {_pkg(issues, e['proposal'])}{rule}")
        for name in scenario.party_names:
            u = e["utility"][name]
            if e["accept"][name]:
                why = f"accepts: worth {u:.3f}, at least its aspiration {e['aspiration'][name]:.3f}"
            elif u < e["batna"][name]:
                why = f"rejects: worth {u:.3f}, below its BATNA {e['batna'][name]:.3f}"
            else:
                why = f"rejects: worth {u:.3f}, below its aspiration {e['aspiration'][name]:.3f}"
            lines.append(f"    {name} {why}")
        if e["votes"] and all(e["accept"].values()):
            lines.append(
                "  ratification: "
                + ", ".join(f"{k} approval {v:.0%}" for k, v in e["votes"].items())
            )
            if e["ratification_failed"]:
                lines.append("    ratification failed: talks pause and aspirations reset")
        if e["levers"]:
            lines.append("  the mediator applies pressure: " + ", ".join(e["levers"]))
        if e["walked"]:
            lines.append(f"  {e['walked']} walks out")
        if e["mediator_exit"]:
            lines.append("  the mediator leaves the talks")
        if e["agreed"]:
            lines.append("  agreement")
    o = Outcome(int(result.outcome[0]))
    end = int(result.end_round[0])
    lines.append("")
    if o is Outcome.AGREEMENT:
        lines.append(
            f"ended: agreement in round {end} (day {int(end * days)}) "
            f"on {_pkg(issues, result.terms[0])}"
        )
    elif o is Outcome.BREAKDOWN:
        lines.append(
            f"ended: breakdown in round {end}: "
            f"{scenario.party_names[result.walkout_by[0]]} walked out"
        )
    elif o is Outcome.MEDIATOR_EXIT:
        lines.append(f"ended: the mediator left in round {end}")
    else:
        lines.append(f"ended: stalemate, no agreement after {end} rounds")
    lines.append(
        "utilities at the end: "
        + ", ".join(f"{a} {u:.3f}" for a, u in zip(result.actors, result.utility[0], strict=True))
    )
    return "\n".join(lines)
