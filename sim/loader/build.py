"""Validation and building: the checked tree becomes a :class:`~sim.scenario.Scenario`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim import distributions as dist
from sim.loader.dump import _canonical_citations
from sim.loader.kinds import OneOf, _check_name, _Ctx
from sim.loader.schema import MEDIATOR_LAYOUT, STRIKE_LAYOUT, TOP  # noqa: F401
from sim.loader.tree import SOURCE, Node, _fail, _got, _is_real, _plain
from sim.provenance import check_quotes
from sim.scenario import (
    EVENT_TYPES,
    Concession,
    FrontLine,
    Issue,
    Lever,
    Mediator,
    Party,
    Ratification,
    RedLine,
    Scenario,
    Shift,
    Strike,
    Truce,
    Walkout,
    War,
)


def _declare(root: Node, ctx: _Ctx) -> None:
    """Collect the names of issues, actors and events, so references can be checked in any
    order; check roles, types and the number of parties and mediators."""
    items: dict[str, Node] = root.value

    def container(key: str) -> dict[str, Node]:
        node = items.get(key)
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            _fail(f"expected a mapping of names to {key} (got {_got(node)})", node.mark, key)
        return {k: v for k, v in node.value.items() if k != SOURCE}

    issues = container("issues")
    for name, node in issues.items():
        _check_name(name, node, f"issues.{name}")
    if "issues" in items and not issues:
        _fail("a scenario needs at least one issue (got none)", items["issues"].where, "issues")
    ctx.issues = list(issues)

    for key, selector, choices in (
        ("actors", "role", ("party", "mediator")),
        ("events", "type", EVENT_TYPES),
    ):
        for name, node in container(key).items():
            path = f"{key}.{name}"
            _check_name(name, node, path)
            if not isinstance(node.value, dict):
                _fail(
                    f"expected a mapping with {selector}: and the keys of the {key[:-1]} "
                    f"(got {_got(node)})",
                    node.mark,
                    path,
                )
            if selector not in node.value:
                _fail(
                    f"missing required key '{selector}' ({' or '.join(choices)})", node.where, path
                )
            choice = OneOf(choices).check(node.value[selector], f"{path}.{selector}", ctx)
            if key == "events":
                ctx.events[name] = choice
            elif choice == "party":
                ctx.parties.append(name)
            elif ctx.mediator is not None:
                _fail(
                    f"a scenario has at most one mediator (already: {ctx.mediator})",
                    node.where,
                    path,
                )
            else:
                ctx.mediator = name
    if "actors" in items and len(ctx.parties) < 2:
        names = f": {', '.join(ctx.parties)}" if ctx.parties else ""
        _fail(
            f"a scenario needs at least two parties (got {len(ctx.parties)}{names})",
            items["actors"].where,
            "actors",
        )


def _get(d: Mapping[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if d is None or part not in d:
            return None
        d = d[part]
    return d


_BETA_BY_STRATEGY = {"boulware": 0.3, "conceder": 3.0, "linear": 1.0, "none": 1.0}


def _mean(value: dist.Param) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = float(dist.param_mean(value))
        except (ValueError, ArithmeticError):
            m = math.nan
    if not math.isfinite(m):  # e.g. a truncated normal far in its tail
        lo, hi = value.support() if dist.is_distribution(value) else (value, value)  # type: ignore[union-attr]
        m = 0.5 * (lo + hi) if math.isfinite(lo) and math.isfinite(hi) else 0.0
    return m


def _node_at(root: Node, path: str) -> Node:
    """The node at a dotted path (for positions of cross-field errors)."""
    node = root
    for part in path.split("."):
        if isinstance(node.value, dict) and part in node.value:
            node = node.value[part]
        elif isinstance(node.value, list) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            break
    return node


def _build_party(name: str, d: dict[str, Any], top: dict[str, Any], root: Node, ctx: _Ctx) -> Party:
    path = f"actors.{name}"
    red_lines = []
    for i, r in enumerate(d["red_lines"]):
        rpath = f"{path}.red_lines.{i}"
        if ("min" in r) == ("max" in r):
            node = _node_at(root, rpath)
            message = (
                "a red line has min or max, not both"
                if "min" in r
                else "a red line needs min or max"
            )
            _fail(f"{message} (got {_got(node)})", node.where, rpath)
        kind = "min" if "min" in r else "max"
        red_lines.append(RedLine(r["issue"], kind, r[kind], r["penalty"], r["absolute"]))
    c = dict(d["concession"])
    c.setdefault("beta", _BETA_BY_STRATEGY[c["strategy"]])
    rat = d.get("ratification")
    return Party(
        name=name,
        label=d.get("label", name),
        ideal=d["ideal"],
        salience=d["salience"],
        loss=d.get("loss", top["loss"]),
        red_lines=tuple(red_lines),
        batna=d.get("batna"),
        war=War(**d["war"]),
        patience=d["patience"],
        concession=Concession(**c),
        belief_noise_sd=d["belief_noise_sd"],
        walkout=Walkout(**d["walkout"]),
        ratification=None if rat is None else Ratification(**rat),
    )


def _build_mediator(
    name: str, d: dict[str, Any], top: dict[str, Any], root: Node, ctx: _Ctx
) -> Mediator:
    flat = {f: _get(d, p) for f, p in MEDIATOR_LAYOUT.items()}
    bias = flat["bias"]
    if sum(_mean(v) for v in bias.values()) > 1.0 + 1e-9:
        node = _node_at(root, f"actors.{name}.proposal.bias")
        total = sum(_mean(v) for v in bias.values())
        _fail(
            f"bias weights must sum to at most 1 (got a sum of {total:.6g})",
            node.where,
            f"actors.{name}.proposal.bias",
        )
    flat["levers"] = tuple(Lever(name=k, **v) for k, v in flat["levers"].items())
    return Mediator(
        name=name,
        label=d.get("label", name),
        ideal=d["ideal"],
        salience=d["salience"],
        loss=d.get("loss", top["loss"]),
        **flat,
    )


def _complete_issues(name: str, d: dict[str, Any], root: Node, ctx: _Ctx) -> None:
    """Every issue needs an ideal; missing saliences are 0 and not all may be 0."""
    path = f"actors.{name}"
    missing = [i for i in ctx.issues if i not in d["ideal"]]
    if missing:
        node = _node_at(root, f"{path}.ideal")
        _fail(
            f"missing an ideal point for {', '.join(missing)} (every issue needs one)",
            node.where,
            f"{path}.ideal",
        )
    d["ideal"] = {i: d["ideal"][i] for i in ctx.issues}
    d["salience"] = {i: d["salience"].get(i, 0.0) for i in ctx.issues}
    if all(_mean(v) == 0 for v in d["salience"].values()):
        node = _node_at(root, f"{path}.salience")
        _fail(f"saliences must not all be zero (got {_got(node)})", node.where, f"{path}.salience")


def _build_event(name: str, kind: str, d: dict[str, Any], root: Node) -> Strike | Truce | Shift:
    path = f"events.{name}"
    start, end = d["start_round"], d.get("end_round")
    if (
        end is not None
        and not (dist.is_distribution(start) or dist.is_distribution(end))
        and end < start
    ):
        node = _node_at(root, f"{path}.end_round")
        _fail(
            f"must be >= start_round ({dist._g(start)}) (got {_got(node)})",
            node.mark,
            f"{path}.end_round",
        )
    fields_ = {k: v for k, v in d.items() if k != "type"}
    if kind == "strike":
        if d["by"] == d["target"]:
            node = _node_at(root, f"{path}.target")
            _fail(f"a party cannot strike itself (got {_got(node)})", node.mark, f"{path}.target")
        flat = {f: _get(d, p) for f, p in STRIKE_LAYOUT.items()}
        del fields_["backlash"]
        return Strike(name=name, **fields_, **flat)
    if kind == "truce":
        return Truce(name=name, **fields_)
    return Shift(name=name, type=kind, **fields_)


def _build(root: Node, file: str) -> Scenario:
    ctx = _Ctx()
    if "extends" in root.value:  # only an override can put it back after resolution
        node = root.value["extends"]
        _fail("extends cannot be set here (it is resolved before overrides)", node.where, "extends")
    TOP.check_required(root, "")
    _declare(root, ctx)
    top = TOP.check(root, "", ctx)

    parties, mediator = [], None
    for name, (role, d) in top["actors"].items():
        _complete_issues(name, d, root, ctx)
        if role == "party":
            parties.append(_build_party(name, d, top, root, ctx))
        else:
            mediator = _build_mediator(name, d, top, root, ctx)

    first = top["protocol"].get("first_proposer")
    if mediator is None and first is None:
        where = root.value.get("protocol") or root.value["actors"]
        _fail(
            "required when there is no mediator (the parties alternate proposals, starting "
            "with this party)",
            where.where,
            "protocol.first_proposer",
        )

    fl = top["world"].get("front_line")
    default_name = Path(file).stem if _is_real(file) else "scenario"
    citations = check_quotes(ctx.quotes, scenario_file=file if _is_real(file) else None)
    scenario = Scenario(
        name=top.get("name", default_name),
        description=top["description"],
        rounds=top["rounds"],
        round_days=top["round_days"],
        runs=top["runs"],
        seed=top["seed"],
        issues=tuple(Issue(name=k, **v) for k, v in top["issues"].items()),
        parties=tuple(parties),
        mediator=mediator,
        front_line=None if fl is None else FrontLine(**fl),
        events=tuple(_build_event(k, kind, d, root) for k, (kind, d) in top["events"].items()),
        first_proposer=first,
        citations=citations,
        path=file,
        resolved=_plain(root),
    )
    return replace(scenario, citations=_canonical_citations(scenario))
