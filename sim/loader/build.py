"""Validation and building: the checked tree becomes a :class:`~sim.scenario.Scenario`."""

from __future__ import annotations

import copy
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim import distributions as dist
from sim.errors import ScenarioError
from sim.loader.agreements import complete_agreements
from sim.loader.dump import _canonical_citations, _canonical_judgements
from sim.loader.events import EVENT_CHECKS, EVENT_SECTIONS
from sim.loader.kinds import Items, Named, OneOf, Section, Table, Variants, _check_name, _Ctx
from sim.loader.schema import TOP
from sim.loader.tree import NAME_PATTERN, NOTES, Node, _fail, _got, _is_real, _node_at, _plain
from sim.provenance import check_quotes
from sim.scenario import Mediator, Party, Scenario


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
        return {k: v for k, v in node.value.items() if k not in NOTES}

    issues = container("issues")
    for name, node in issues.items():
        _check_name(name, node, f"issues.{name}")
    if "issues" in items and not issues:
        _fail("a scenario needs at least one issue (got none)", items["issues"].where, "issues")
    ctx.issues = list(issues)

    for key, selector, choices in (
        ("actors", "role", ("party", "mediator")),
        ("events", "type", tuple(EVENT_SECTIONS)),
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


_BETA_BY_STRATEGY = {"boulware": 0.3, "conceder": 3.0, "linear": 1.0, "none": 1.0}


def _mean(value: dist.Param) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = float(dist.param_mean(value))
        except (ValueError, ArithmeticError):
            m = math.nan
    if not math.isfinite(m):  # e.g. a truncated normal far in its tail
        lo, hi = value.support() if dist.is_distribution(value) else (float(value), float(value))  # type: ignore[arg-type]
        m = 0.5 * (lo + hi) if math.isfinite(lo) and math.isfinite(hi) else 0.0
    return m


# --- from checked mappings to dataclasses, by the layout the schema declares ---------------


def fields_of(section: Section, checked: Mapping[str, Any]) -> dict[str, Any]:
    """The dataclass fields of a checked section: each key to its field (``Key.attr``),
    inline sub-sections flattened into it; absent optional keys are left to the dataclass
    default."""
    out: dict[str, Any] = {}
    for k in section.keys:
        if k.field_name is None or k.name not in checked:
            continue
        if k.inline:
            assert isinstance(k.kind, Section)
            out.update(fields_of(k.kind, checked[k.name]))
        else:
            out[k.field_name] = value_of(k.kind, checked[k.name])
    return out


def make(section: Section, checked: Mapping[str, Any], **extra: Any) -> Any:
    """The dataclass of a checked section (``extra``: fields the file gives by position,
    such as the name of a named item)."""
    fields = {**extra, **fields_of(section, checked)}
    if section.make is not None:
        return section.make(fields)
    assert section.spec is not None, section.title
    return section.spec(**fields)


def value_of(kind: Any, checked: Any) -> Any:
    """The dataclass value of one checked key."""
    if isinstance(kind, Section) and kind.spec is not None:
        return make(kind, checked)
    if isinstance(kind, Named):
        return tuple(make(kind.item, d, name=n) for n, d in checked.items())
    if isinstance(kind, Items):
        return tuple(make(kind.item, d) for d in checked)
    if isinstance(kind, Variants):
        return tuple(make(kind.variants[choice], d, name=n) for n, (choice, d) in checked.items())
    if isinstance(kind, Table):
        return dict(checked)
    return checked


# --- cross-field checks and defaults that depend on other keys -----------------------------


def _check_red_lines(name: str, d: dict[str, Any], root: Node) -> None:
    for i, r in enumerate(d["red_lines"]):
        rpath = f"actors.{name}.red_lines.{i}"
        if ("min" in r) == ("max" in r):
            node = _node_at(root, rpath)
            message = (
                "a red line has min or max, not both"
                if "min" in r
                else "a red line needs min or max"
            )
            _fail(f"{message} (got {_got(node)})", node.where, rpath)


def _check_bias(name: str, d: dict[str, Any], root: Node) -> None:
    bias = d["proposal"]["bias"]
    if sum(_mean(v) for v in bias.values()) > 1.0 + 1e-9:
        node = _node_at(root, f"actors.{name}.proposal.bias")
        total = sum(_mean(v) for v in bias.values())
        _fail(
            f"bias weights must sum to at most 1 (got a sum of {total:.6g})",
            node.where,
            f"actors.{name}.proposal.bias",
        )


def _complete_actor(
    name: str, role: str, d: dict[str, Any], top: dict[str, Any], root: Node, ctx: _Ctx
) -> None:
    """Defaults that depend on other keys (label, loss, the concession exponent) and the
    checks across keys of one actor, in the order the errors have always come."""
    _complete_issues(name, d, root, ctx)
    d.setdefault("label", name)
    d.setdefault("loss", top["loss"])
    if role == "party":
        _check_red_lines(name, d, root)
        d["concession"].setdefault("beta", _BETA_BY_STRATEGY[d["concession"]["strategy"]])
    else:
        _check_bias(name, d, root)


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
    if not math.isfinite(sum(_mean(v) for v in d["salience"].values())):
        node = _node_at(root, f"{path}.salience")
        _fail(
            "saliences must sum to a finite number; they are divided by their sum "
            f"(got {_got(node)})",
            node.where,
            f"{path}.salience",
        )


def _check_event(name: str, kind: str, d: dict[str, Any], root: Node) -> None:
    path = f"events.{name}"
    start, end = d.get("start_round"), d.get("end_round")
    if (
        start is not None
        and end is not None
        and not (dist.is_distribution(start) or dist.is_distribution(end))
        and end < start
    ):
        node = _node_at(root, f"{path}.end_round")
        _fail(
            f"must be >= start_round ({dist._g(start)}) (got {_got(node)})",
            node.mark,
            f"{path}.end_round",
        )
    check = EVENT_CHECKS.get(kind)
    if check is not None:
        check(name, d, root)


def _check_fronts(top: dict[str, Any], root: Node) -> None:
    """No party on both sides of a front; each front on its own issue."""
    world = top.get("world", {})
    fronts = [("world.front_line", world["front_line"])] if "front_line" in world else []
    fronts += [(f"world.fronts.{n}", d) for n, d in world.get("fronts", {}).items()]
    held: dict[str, str] = {}  # issue -> the front on it
    for path, d in fronts:
        both = [p for p in d.get("defending", ()) if p in d.get("advancing", ())]
        if both:
            node = _node_at(root, f"{path}.defending")
            _fail(
                f"{both[0]} cannot both advance and defend on one front (got {_got(node)})",
                node.mark,
                f"{path}.defending",
            )
        if d["issue"] in held:
            node = _node_at(root, f"{path}.issue")
            _fail(
                f"each front moves its own issue; {held[d['issue']]} already moves it "
                f"(got {_got(node)})",
                node.mark,
                f"{path}.issue",
            )
        held[d["issue"]] = path


def _check_calendar(top: dict[str, Any], root: Node) -> None:
    """report_dates need a start_date; staged agreements need a kind that settles all."""
    if top.get("report_dates") and top.get("start_date") is None:
        node = root.value["report_dates"]
        _fail("report_dates need a start_date (got none)", node.where, "report_dates")
    if "agreements" in top:
        complete_agreements(top["agreements"], root)


def default_name(file: str) -> str:
    """The scenario's name when the file gives none: the file name without ``.yaml``, made
    to follow the rule of names (so a file called ``...yaml`` cannot name a folder ``..``)."""
    stem = Path(file).stem if _is_real(file) else "scenario"
    if NAME_PATTERN.fullmatch(stem):
        return stem
    name = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
    return name if NAME_PATTERN.fullmatch(name) else f"scenario_{name}".rstrip("_")


class ScenarioErrors(ScenarioError):
    """Every error found in a file's sections: reads as the first (the one-line error
    every command prints); ``errors`` holds them all, in file order (``negsim validate``
    prints each)."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        first = errors[0]
        super().__init__(
            first.message,
            path=first.path,
            line=first.line,
            column=first.column,
            key_path=first.key_path,
        )
        self.errors = list(errors)


def _more_errors(root: Node, ctx: _Ctx, first: ScenarioError) -> list[ScenarioError]:
    """The errors of the top level besides ``first``: each top-level key checked on its
    own, and each entry of the named sections (issues, actors, events) on its own, so
    that one error does not hide the others. Checks that need the whole scenario (the
    later steps of the build) run only once these pass."""
    found: list[ScenarioError] = []
    for key, child in root.value.items():
        if key in NOTES:
            continue
        parts: list[tuple[Node, Any]] = [(child, None)]
        if key in TOP.key_names and isinstance(child.value, dict):
            kind = TOP.key(key).kind
            if isinstance(kind, Named | Variants):
                parts = [
                    (Node({k: v}, child.mark), k) for k, v in child.value.items() if k not in NOTES
                ]
        for node, _ in parts:
            try:
                if key not in TOP.key_names:
                    TOP.unknown(key, child, "")
                else:
                    TOP.key(key).kind.check(node, key, ctx)
            except ScenarioError as exc:
                if str(exc) != str(first) and all(str(exc) != str(e) for e in found):
                    found.append(exc)
    return found


#: the most proposals a recognition protocol solves per replicate and pass (one per
#: proposer and coalition it may form)
MAX_COALITION_PROGRAMMES = 256


def _check_recognition(
    recognition: dict[str, float], protocol: dict[str, Any], ctx: _Ctx, root: Node
) -> None:
    """Recognition probabilities: one per party, summing to 1, and few enough coalitions
    to solve every proposer's offer to each (sim.mediation.legislative)."""
    node = _node_at(root, "protocol.recognition")
    missing = [p for p in ctx.parties if p not in recognition]
    if missing:
        _fail(
            f"give every party a probability (missing {', '.join(missing)})",
            node.mark,
            "protocol.recognition",
        )
    total = sum(recognition.values())
    if abs(total - 1.0) > 1e-9:
        _fail(
            f"the probabilities must sum to 1 (got a sum of {total:g})",
            node.mark,
            "protocol.recognition",
        )
    from sim.mediation.legislative import coalitions

    n = len(ctx.parties)
    quota = protocol.get("quota") or n
    needed = [ctx.parties.index(p) for p in protocol.get("needed") or ()]
    count = sum(len(coalitions(i, n, quota, needed)) for i in range(n))
    if count > MAX_COALITION_PROGRAMMES:
        _fail(
            f"{count} coalitions to weigh (every proposer's choice of the quota's other "
            f"signatories); at most {MAX_COALITION_PROGRAMMES}: raise the quota or name needed "
            "parties",
            node.mark,
            "protocol.recognition",
        )


def _build(root: Node, file: str) -> Scenario:
    ctx = _Ctx()
    if "extends" in root.value:  # only an override can put it back after resolution
        node = root.value["extends"]
        _fail("extends cannot be set here (it is resolved before overrides)", node.where, "extends")
    TOP.check_required(root, "")
    _declare(root, ctx)
    declared = copy.deepcopy(ctx)
    try:
        top = TOP.check(root, "", ctx)
    except ScenarioError as first:
        raise ScenarioErrors([first, *_more_errors(root, declared, first)]) from None

    for name, (role, d) in top["actors"].items():
        _complete_actor(name, role, d, top, root, ctx)
    recognition = top["protocol"].get("recognition")
    if ctx.mediator is None and top["protocol"].get("first_proposer") is None and not recognition:
        where = root.value.get("protocol") or root.value["actors"]
        _fail(
            "required when there is no mediator (the parties alternate proposals, starting "
            "with this party)",
            where.where,
            "protocol.first_proposer",
        )
    quota = top["protocol"].get("quota")
    if quota is not None and quota > len(ctx.parties):
        node = _node_at(root, "protocol.quota")
        _fail(
            f"must be <= the number of parties, {len(ctx.parties)} (got {_got(node)})",
            node.mark,
            "protocol.quota",
        )
    if recognition is not None:
        _check_recognition(recognition, top["protocol"], ctx, root)
    top.setdefault("name", default_name(file))
    citations = check_quotes(ctx.quotes, scenario_file=file if _is_real(file) else None)
    for name, (kind, d) in top["events"].items():
        _check_event(name, kind, d, root)
    _check_fronts(top, root)
    _check_calendar(top, root)
    fields = fields_of(TOP, top)
    actors = fields.pop("actors")
    scenario = Scenario(
        **fields,
        parties=tuple(a for a in actors if isinstance(a, Party)),
        mediator=next((a for a in actors if isinstance(a, Mediator)), None),
        citations=citations,
        judgements=tuple(ctx.judgements),
        path=file,
        resolved=_plain(root),
    )
    scenario = replace(
        scenario,
        citations=_canonical_citations(scenario),
        judgements=_canonical_judgements(scenario),
    )
    if "readings" in top or "sample" in top:
        from sim.loader.readings import attach

        scenario = attach(scenario, root, file, top, _build)
    return scenario
