"""Every dotted parameter name the docs write in backticks (`actors.x.war.horizon`,
`world.front_line.drift`, `events.e.backlash.duration`, `issues.i.under_war`) exists in the
schema, as a file path or as a parameter path (the flat dataclass field)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sim.loader.kinds import Items, Kind, Named, Section, Table, Variants
from sim.loader.schema import TOP

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
DOTTED = re.compile(r"`((?:actors|world|events|issues|protocol)\.[A-Za-z0-9_.*]+)`")


def _section_steps(section: Section, key: str) -> list[Kind | None]:
    """The kinds a key leads to in a section: a file key, a parameter path's flat field
    (``budget`` for ``pressure.budget``), or a field of the dataclass (``bound``)."""
    if key in section.key_names:
        return [section.key(key).kind]
    flat = section.field_paths()
    if key in flat:
        kind: Kind | None = section
        for part in flat[key].split("."):
            assert isinstance(kind, Section)
            kind = kind.key(part).kind
        return [kind]
    if section.spec is not None and dataclasses.is_dataclass(section.spec):
        if key in {f.name for f in dataclasses.fields(section.spec)}:
            return [None]  # a field of the dataclass with no key of its own (bound, kind)
    return []


def exists(path: str) -> bool:
    """Whether a dotted path names something in the schema; any segment may stand for a
    name or an index where the file gives names (issues, actors, levers, list items);
    ``*`` matches the rest."""
    kinds: list[Kind | None] = [TOP]
    for part in path.split("."):
        if part == "*":
            return bool(kinds)
        following: list[Kind | None] = []
        for kind in kinds:
            if isinstance(kind, Section):
                following += _section_steps(kind, part)
            elif isinstance(kind, Variants):
                following += list({id(v): v for v in kind.variants.values()}.values())
            elif isinstance(kind, Named | Items):
                following.append(kind.item)
            elif isinstance(kind, Table):
                following.append(kind.value)
        if not following:
            return False
        kinds = following
    return True


def test_checker_accepts_schema_paths_and_rejects_others():
    assert exists("actors.x.war.horizon")
    assert exists("actors.m.pressure.levers.l.effect")
    assert exists("actors.m.budget")  # parameter path of pressure.budget
    assert exists("actors.p.red_lines.0.bound")
    assert exists("events.e.backlash.duration")
    assert exists("events.e.backlash_duration")
    assert exists("world.front_line.drift")
    assert exists("issues.i.under_war")
    assert exists("actors.M.pressure.levers.L.*")
    assert not exists("world.front.drift_per_round")
    assert not exists("actors.x.discount_per_round")
    assert not exists("events.e.repair_halflife_rounds")
    assert not exists("actors.x.war.horizon.extra")


def _names() -> list[tuple[str, int, str]]:
    out = []
    for doc in DOCS:
        for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in DOTTED.finditer(line):
                out.append((doc.relative_to(ROOT).as_posix(), lineno, match.group(1)))
    return out


def test_docs_name_parameters():
    assert len(_names()) > 20  # the docs do name parameters; the pattern finds them


@pytest.mark.parametrize(("doc", "line", "name"), _names())
def test_dotted_name_in_docs_is_in_the_schema(doc, line, name):
    assert exists(name), f"{doc}:{line}: `{name}` is not a parameter of the schema"
