"""Dump: a scenario back to the file layout, every value explicit and every ``source:``
quote where it was written; and parameter paths translated to file paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from sim import distributions as dist
from sim.loader.schema import FRONT_LINE, MEDIATOR_LAYOUT, STRIKE_LAYOUT, WALKOUT, WAR
from sim.loader.tree import SOURCE, _join
from sim.loader.yaml_io import _Dumper
from sim.scenario import Citation, Mediator, Party, Scenario, Strike, Truce


def _param_yaml(value: dist.Param, quotes: list[str] | None = None) -> Any:
    if dist.is_distribution(value):
        out = dict(value.to_yaml())  # type: ignore[union-attr]
        if quotes:
            out = {SOURCE: quotes[0] if len(quotes) == 1 else list(quotes), **out}
        return out
    f = float(value)  # type: ignore[arg-type]
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def scenario_to_mapping(scenario: Scenario, *, strict: bool = True) -> dict[str, Any]:
    """The scenario as a plain mapping in the file layout, every value explicit and every
    ``source:`` quote in the mapping where it was written."""
    cites: dict[str, list[str]] = {}
    for c in scenario.citations:
        cites.setdefault(c.key_path, []).append(c.quote)
    placed: set[str] = set()

    def m(path: str, items: dict[str, Any]) -> dict[str, Any]:
        """A mapping at ``path``, with its quotes first."""
        if path in cites:
            placed.add(path)
            q = cites[path]
            return {SOURCE: q[0] if len(q) == 1 else list(q), **items}
        return items

    def p(path: str, value: dist.Param) -> Any:
        if dist.is_distribution(value) and path in cites:
            placed.add(path)
            return _param_yaml(value, cites[path])
        return _param_yaml(value)

    def table(path: str, values: Mapping[str, dist.Param]) -> dict[str, Any]:
        return m(path, {k: p(f"{path}.{k}", v) for k, v in values.items()})

    def opt(items: dict[str, Any], key: str, path: str, value: dist.Param | None) -> None:
        if value is not None:
            items[key] = p(path, value)

    out: dict[str, Any] = {
        "name": scenario.name,
        "description": scenario.description,
        "rounds": scenario.rounds,
        "round_days": _param_yaml(scenario.round_days),
        "runs": scenario.runs,
        "seed": scenario.seed,
    }
    out["issues"] = m(
        "issues",
        {
            i.name: m(
                f"issues.{i.name}",
                {
                    "zero": i.zero,
                    "one": i.one,
                    "under_war": p(f"issues.{i.name}.under_war", i.under_war),
                },
            )
            for i in scenario.issues
        },
    )
    actors: dict[str, Any] = {}
    for a in scenario.actors:
        ap = f"actors.{a.name}"
        d: dict[str, Any] = {
            "role": a.role,
            "label": a.label,
            "ideal": table(f"{ap}.ideal", a.ideal),
            "salience": table(f"{ap}.salience", a.salience),
            "loss": a.loss,
        }
        if isinstance(a, Party):
            rls = []
            for i, r in enumerate(a.red_lines):
                rp = f"{ap}.red_lines.{i}"
                rls.append(
                    m(
                        rp,
                        {
                            "issue": r.issue,
                            r.kind: p(f"{rp}.{r.kind}", r.bound),
                            "penalty": p(f"{rp}.penalty", r.penalty),
                            "absolute": r.absolute,
                        },
                    )
                )
            d["red_lines"] = rls
            opt(d, "batna", f"{ap}.batna", a.batna)
            d["war"] = m(
                f"{ap}.war", {k: p(f"{ap}.war.{k}", getattr(a.war, k)) for k in WAR.key_names}
            )
            d["patience"] = p(f"{ap}.patience", a.patience)
            c = a.concession
            cd: dict[str, Any] = {
                "strategy": c.strategy,
                "beta": p(f"{ap}.concession.beta", c.beta),
            }
            opt(cd, "deadline", f"{ap}.concession.deadline", c.deadline)
            cd["initial"] = p(f"{ap}.concession.initial", c.initial)
            d["concession"] = m(f"{ap}.concession", cd)
            d["belief_noise_sd"] = p(f"{ap}.belief_noise_sd", a.belief_noise_sd)
            d["walkout"] = m(
                f"{ap}.walkout",
                {k: p(f"{ap}.walkout.{k}", getattr(a.walkout, k)) for k in WALKOUT.key_names},
            )
            if a.ratification is not None:
                r = a.ratification
                rp = f"{ap}.ratification"
                d["ratification"] = m(
                    rp,
                    {
                        "intercept": p(f"{rp}.intercept", r.intercept),
                        "coefficients": table(f"{rp}.coefficients", r.coefficients),
                        "threshold": p(f"{rp}.threshold", r.threshold),
                        "vote_noise_sd": p(f"{rp}.vote_noise_sd", r.vote_noise_sd),
                        "lost_rounds": p(f"{rp}.lost_rounds", r.lost_rounds),
                        "reset_aspiration": r.reset_aspiration,
                    },
                )
        else:
            d["proposal"] = m(
                f"{ap}.proposal",
                {
                    "rule": "nash",
                    "bias": table(f"{ap}.proposal.bias", a.bias),
                    "respect_win_sets": a.respect_win_sets,
                },
            )
            lp = f"{ap}.pressure.levers"
            levers = {
                lv.name: m(
                    f"{lp}.{lv.name}",
                    {
                        "target": lv.target,
                        "effect": p(f"{lp}.{lv.name}.effect", lv.effect),
                        "duration": p(f"{lp}.{lv.name}.duration", lv.duration),
                        "use_prob": p(f"{lp}.{lv.name}.use_prob", lv.use_prob),
                    },
                )
                for lv in a.levers
            }
            d["pressure"] = m(
                f"{ap}.pressure",
                {"budget": p(f"{ap}.pressure.budget", a.budget), "levers": m(lp, levers)},
            )
            dd: dict[str, Any] = {}
            opt(dd, "round", f"{ap}.deadline.round", a.deadline)
            dd["extension_prob"] = p(f"{ap}.deadline.extension_prob", a.extension_prob)
            dd["exit_hazard"] = p(f"{ap}.deadline.exit_hazard", a.exit_hazard)
            d["deadline"] = m(f"{ap}.deadline", dd)
            d["violations"] = m(
                f"{ap}.violations",
                {
                    k: p(f"{ap}.violations.{k}", getattr(a, f))
                    for f, k in (
                        ("attribution_noise", "attribution_noise"),
                        ("response_prob", "response_prob"),
                        ("response_lag", "lag"),
                        ("bias_shift", "bias_shift"),
                    )
                },
            )
        actors[a.name] = m(ap, d)
    out["actors"] = m("actors", actors)
    world: dict[str, Any] = {}
    if scenario.front_line is not None:
        f = scenario.front_line
        world["front_line"] = m(
            "world.front_line",
            {
                "issue": f.issue,
                **{
                    k: p(f"world.front_line.{k}", getattr(f, k))
                    for k in FRONT_LINE.key_names
                    if k != "issue"
                },
            },
        )
    out["world"] = m("world", world)
    events: dict[str, Any] = {}
    for e in scenario.events:
        ep = f"events.{e.name}"
        d = {"type": e.type}
        if isinstance(e, Strike):
            d.update(by=e.by, target=e.target)
            for k in ("prob_per_round", "start_round"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
            for k in ("capacity_loss", "repair_halflife", "coercion_cost"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            d["backlash"] = m(
                f"{ep}.backlash",
                {
                    k: p(f"{ep}.backlash.{k}", getattr(e, f))
                    for f, k in (
                        ("aspiration_bump", "aspiration_bump"),
                        ("backlash_duration", "duration"),
                        ("walkout_hazard_bump", "walkout_hazard_bump"),
                    )
                },
            )
        elif isinstance(e, Truce):
            d["covers"] = e.covers
            for k in ("strike_prob", "violation_prob", "start_round"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
        else:
            d["start_round"] = p(f"{ep}.start_round", e.start_round)
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
            d["probability"] = p(f"{ep}.probability", e.probability)
            d["drift_multiplier"] = p(f"{ep}.drift_multiplier", e.drift_multiplier)
            d["cost_multiplier"] = table(f"{ep}.cost_multiplier", e.cost_multiplier)
            d["optimism"] = table(f"{ep}.optimism", e.optimism)
        events[e.name] = m(ep, d)
    out["events"] = m("events", events)
    protocol: dict[str, Any] = {}
    if scenario.first_proposer is not None:
        protocol["first_proposer"] = scenario.first_proposer
    out["protocol"] = m("protocol", protocol)
    out = m("", out)
    lost = set(cites) - placed
    if lost and strict:  # a quote at a path the layout above does not write: a bug here
        raise AssertionError(f"dump_scenario lost the quotes of {sorted(lost)}")
    return out


def _quote_paths(value: Any, path: str = "") -> Iterable[str]:
    """Paths of the mappings that carry quotes, in pre-order."""
    if isinstance(value, dict):
        if SOURCE in value:
            yield path
        for k, v in value.items():
            yield from _quote_paths(v, _join(path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _quote_paths(v, _join(path, i))


def _canonical_citations(scenario: Scenario) -> tuple[Citation, ...]:
    """Citations in the order of the dumped layout (top level, issues, actors, world,
    events, protocol; each mapping before what it contains), so that the order does not
    depend on where ``source:`` sits in a file and survives a dump and reload."""
    rank = {p: i for i, p in enumerate(_quote_paths(scenario_to_mapping(scenario, strict=False)))}
    order = sorted(
        range(len(scenario.citations)),
        key=lambda i: (rank.get(scenario.citations[i].key_path, len(rank)), i),
    )
    return tuple(scenario.citations[i] for i in order)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as YAML: ``extends`` and overrides applied, every value
    explicit, distributions as mappings, quotes kept. Loading it gives an equal scenario
    (``Citation.line`` and ``Scenario.path`` aside)."""
    header = f"# negsim scenario {scenario.name!r}, resolved"
    if scenario.path:
        header += f" from {scenario.path}"
    body = yaml.dump(
        scenario_to_mapping(scenario),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return f"{header}\n{body}"


def yaml_key_path(scenario: Scenario, param_path: str) -> str:
    """The file path (``actors.us.pressure.levers.x.effect``) of a parameter path
    (``actors.us.levers.x.effect``, as in :meth:`Scenario.parameters`)."""
    parts = param_path.split(".")
    if len(parts) < 3:
        return param_path
    head, rest = ".".join(parts[:2]), parts[2:]
    if parts[0] == "actors":
        actor = next((a for a in scenario.actors if a.name == parts[1]), None)
        if isinstance(actor, Mediator) and rest[0] in MEDIATOR_LAYOUT:
            rest = MEDIATOR_LAYOUT[rest[0]].split(".") + rest[1:]
        if (
            isinstance(actor, Party)
            and rest[0] == "red_lines"
            and len(rest) >= 3
            and rest[2] == "bound"
        ):
            i = int(rest[1])
            if i < len(actor.red_lines):
                rest = ["red_lines", rest[1], actor.red_lines[i].kind] + rest[3:]
    elif parts[0] == "events":
        event = next((e for e in scenario.events if e.name == parts[1]), None)
        if isinstance(event, Strike) and rest[0] in STRIKE_LAYOUT:
            rest = STRIKE_LAYOUT[rest[0]].split(".") + rest[1:]
    return ".".join([head, *rest])
