"""Dump: a scenario back to the file layout, every value explicit and every ``source:``
quote where it was written; and parameter paths translated to file paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from sim import distributions as dist
from sim.loader.agreements import Dates
from sim.loader.kinds import Items, Kind, Named, Param, Real, Section, Table, Variants
from sim.loader.schema import TOP
from sim.loader.tree import JUDGEMENT, SOURCE, _join
from sim.loader.yaml_io import _Dumper
from sim.scenario import Citation, Judgement, Party, Scenario


def _param_yaml(
    value: dist.Param, quotes: list[str] | None = None, judgement: str | None = None
) -> Any:
    if dist.is_distribution(value):
        out = dict(value.to_yaml())
        if judgement is not None:
            out = {JUDGEMENT: judgement, **out}
        if quotes:
            out = {SOURCE: quotes[0] if len(quotes) == 1 else list(quotes), **out}
        return out
    f = float(value)  # type: ignore[arg-type]
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


class _Quotes:
    """The quotes and judgements of a scenario by the path of the mapping or distribution
    that held them, put back where they were written."""

    def __init__(self, scenario: Scenario) -> None:
        self.cites: dict[str, list[str]] = {}
        for c in scenario.citations:
            self.cites.setdefault(c.key_path, []).append(c.quote)
        self.judged = {j.key_path: j.reason for j in scenario.judgements}
        self.placed: set[str] = set()

    def mapping(self, path: str, items: dict[str, Any]) -> dict[str, Any]:
        """A mapping at ``path``, with its quotes and judgement first."""
        if path in self.judged:
            self.placed.add(path)
            items = {JUDGEMENT: self.judged[path], **items}
        if path in self.cites:
            self.placed.add(path)
            q = self.cites[path]
            return {SOURCE: q[0] if len(q) == 1 else list(q), **items}
        return items

    def param(self, path: str, value: dist.Param) -> Any:
        noted = path in self.cites or path in self.judged
        if dist.is_distribution(value) and noted:
            self.placed.add(path)
            return _param_yaml(value, self.cites.get(path), self.judged.get(path))
        return _param_yaml(value)


def _section_yaml(section: Section, obj: Any, path: str, quotes: _Quotes) -> dict[str, Any]:
    """A dataclass in the file layout its section declares: each key from its field, inline
    sub-sections nested back, absent optional values left out."""
    items: dict[str, Any] = {}
    for k in section.keys:
        sub = _join(path, k.name)
        if k.inline:
            assert isinstance(k.kind, Section)
            items[k.name] = _section_yaml(k.kind, obj, sub, quotes)
        elif k.field_name is not None:
            value = getattr(obj, k.field_name)
            if value is not None:
                items[k.name] = _value_yaml(k.kind, value, sub, quotes)
    return quotes.mapping(path, items)


def _value_yaml(kind: Kind, value: Any, path: str, quotes: _Quotes) -> Any:
    if isinstance(kind, Param):
        return quotes.param(path, value)
    if isinstance(kind, Real):
        return _param_yaml(value)
    if isinstance(kind, Section):
        return _section_yaml(kind, value, path, quotes)
    if isinstance(kind, Table):
        return quotes.mapping(
            path, {k: _value_yaml(kind.value, v, _join(path, k), quotes) for k, v in value.items()}
        )
    if isinstance(kind, Named):
        return quotes.mapping(
            path, {o.name: _section_yaml(kind.item, o, _join(path, o.name), quotes) for o in value}
        )
    if isinstance(kind, Items):
        return [_section_yaml(kind.item, o, _join(path, i), quotes) for i, o in enumerate(value)]
    if isinstance(kind, Variants):
        return quotes.mapping(
            path,
            {
                o.name: _section_yaml(
                    kind.variants[getattr(o, kind.selector)], o, _join(path, o.name), quotes
                )
                for o in value
            },
        )
    if isinstance(kind, Dates):  # a list even of one: the kind takes no single date
        return list(value)
    if isinstance(value, tuple):  # a list of names (a truce's covers)
        return list(value) if len(value) != 1 else value[0]
    return value  # text, choices, flags, whole numbers, names


def scenario_to_mapping(scenario: Scenario, *, strict: bool = True) -> dict[str, Any]:
    """The scenario as a plain mapping in the file layout, every value explicit and every
    ``source:`` quote in the mapping where it was written. The layout is the schema's
    (:data:`~sim.loader.schema.TOP`): each key is written from the field it declares."""
    quotes = _Quotes(scenario)
    out = _section_yaml(TOP, scenario, "", quotes)
    for r in scenario.readings:  # readings and the sample are not fields the schema writes
        body = {"description": r.description, "weight": r.weight, "changes": dict(r.changes)}
        out.setdefault("readings", {})[r.name] = quotes.mapping(f"readings.{r.name}", body)
    if scenario.sample is not None:
        out["sample"] = {"file": scenario.sample.file}
    lost = (set(quotes.cites) | set(quotes.judged)) - quotes.placed
    if lost and strict:  # a quote at a path the layout does not write: a bug here
        raise AssertionError(f"dump_scenario lost the quotes of {sorted(lost)}")
    return out


def _quote_paths(value: Any, path: str = "") -> Iterable[str]:
    """Paths of the mappings that carry quotes or a judgement, in pre-order."""
    if isinstance(value, dict):
        if SOURCE in value or JUDGEMENT in value:
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


def _canonical_judgements(scenario: Scenario) -> tuple[Judgement, ...]:
    """Judgements in the order of the dumped layout, like :func:`_canonical_citations`."""
    rank = {p: i for i, p in enumerate(_quote_paths(scenario_to_mapping(scenario, strict=False)))}
    return tuple(sorted(scenario.judgements, key=lambda j: rank.get(j.key_path, len(rank))))


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
    if len(parts) < 3 or parts[0] not in ("actors", "events"):
        return param_path
    head, rest = ".".join(parts[:2]), parts[2:]
    items = scenario.actors if parts[0] == "actors" else scenario.events
    obj = next((o for o in items if o.name == parts[1]), None)
    if obj is None:
        return param_path
    variants = TOP.key(parts[0]).kind
    assert isinstance(variants, Variants)
    section = variants.variants[getattr(obj, variants.selector)]
    layout = section.field_paths()
    if rest[0] in layout:
        rest = layout[rest[0]].split(".") + rest[1:]
    elif (
        isinstance(obj, Party) and rest[0] == "red_lines" and len(rest) >= 3 and rest[2] == "bound"
    ):
        i = int(rest[1])
        if i < len(obj.red_lines):
            rest = ["red_lines", rest[1], obj.red_lines[i].kind] + rest[3:]
    return ".".join([head, *rest])
