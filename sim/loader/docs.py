"""The key tables of ``docs/scenarios.md``, generated from the schema
(``python -m sim.loader --markdown`` or ``--update-docs FILE``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import distributions as dist
from sim.loader.agreements import AGREEMENTS, COLLAPSE, VETO_PLAYER
from sim.loader.agreements import KIND as AGREEMENT_KIND
from sim.loader.events import REGISTERED
from sim.loader.kinds import REQUIRED, Key, Section
from sim.loader.schema import (
    CONCESSION,
    DEADLINE,
    FRONT_LINE,
    ISSUE,
    LEVER,
    MEDIATOR,
    PARTY,
    PRESSURE,
    PROPOSAL,
    PROTOCOL,
    RATIFICATION,
    RED_LINE,
    TOP,
    VIOLATIONS,
    WALKOUT,
    WAR,
    WORLD,
)
from sim.loader.tree import _num


def _event_doc_sections() -> tuple[tuple[str, Section], ...]:
    """One table per registered event kind, then one per sub-section it holds."""
    out: list[tuple[str, Section]] = []
    for kind in REGISTERED:
        out.append((f"events.NAME with type: {' or '.join(kind.types)}", kind.section))
        for k in kind.section.keys:
            if isinstance(k.kind, Section):
                out.append((f"events.NAME.{k.name} ({kind.types[0]})", k.kind))
    return tuple(out)


def doc_sections() -> tuple[tuple[str, Section], ...]:
    """(heading, section) of every key table, events from the registry as it is now."""
    return (
        ("Top level", TOP),
        ("issues.NAME", ISSUE),
        ("actors.NAME with role: party", PARTY),
        ("actors.NAME.red_lines[i] (a red line)", RED_LINE),
        ("actors.NAME.war", WAR),
        ("actors.NAME.concession", CONCESSION),
        ("actors.NAME.walkout", WALKOUT),
        ("actors.NAME.ratification", RATIFICATION),
        ("actors.NAME with role: mediator", MEDIATOR),
        ("actors.NAME.proposal", PROPOSAL),
        ("actors.NAME.pressure", PRESSURE),
        ("actors.NAME.pressure.levers.NAME (a lever)", LEVER),
        ("actors.NAME.deadline", DEADLINE),
        ("actors.NAME.violations", VIOLATIONS),
        ("world", WORLD),
        ("world.front_line", FRONT_LINE),
        *_event_doc_sections(),
        ("protocol", PROTOCOL),
        ("agreements", AGREEMENTS),
        ("agreements.kinds.NAME (an agreement kind)", AGREEMENT_KIND),
        ("agreements.kinds.NAME.collapse", COLLAPSE),
        ("agreements.veto_players.NAME (a veto player)", VETO_PLAYER),
    )


DOC_SECTIONS = doc_sections()  # the sections at import time (the built-in event kinds)


def _default_doc(k: Key) -> str:
    if k.default_doc is not None:
        return k.default_doc
    if k.default is REQUIRED:
        return "**required**"
    if k.default is None:
        return "absent"
    if isinstance(k.default, dict):
        return "`{}`" if not isinstance(k.kind, Section) else "its defaults"
    if isinstance(k.default, list):
        return "`[]`"
    if isinstance(k.default, bool):
        return "`true`" if k.default else "`false`"
    if isinstance(k.default, str):
        return f"`{k.default}`" if k.default else '""'
    return f"`{_num(k.default)}`" if not isinstance(k.default, float) else f"`{dist._g(k.default)}`"


def _type_doc(k: Key) -> str:
    if isinstance(k.kind, Section):
        return "mapping (below)"
    return k.kind.doc()


def schema_markdown() -> str:
    """The key tables of ``docs/scenarios.md``, generated from the schema."""
    lines: list[str] = []
    for title, section in doc_sections():
        lines += [
            f"### {title}",
            "",
            section.intro,
            "",
            "| key | type | default | meaning | example |",
            "|---|---|---|---|---|",
        ]
        for k in section.keys:
            example = f"`{k.name}: {k.example}`".replace("|", "\\|") if k.example else ""
            lines.append(
                f"| `{k.name}` | {_type_doc(k)} | {_default_doc(k)} | {k.doc} | {example} |"
            )
        lines += [
            "| `source` | quote or list of quotes | absent | quotes from `seeds/` that "
            'support the values here | `source: "a sentence from a file in seeds/"` |',
            "| `judgement` | text | absent | marks the values here as the author's judgement, "
            "with the reason (shown by `negsim show`) | "
            '`judgement: "no source; read from the talks\' first round"` |',
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


DOC_BEGIN = (
    "<!-- BEGIN GENERATED KEY TABLES: python -m sim.loader --update-docs docs/scenarios.md -->"
)
DOC_END = "<!-- END GENERATED KEY TABLES -->"


def update_docs(path: str | os.PathLike[str]) -> bool:
    """Rewrite the generated part of a Markdown file; True when it changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    start, end = text.index(DOC_BEGIN) + len(DOC_BEGIN), text.index(DOC_END)
    new = text[:start] + "\n\n" + schema_markdown() + "\n" + text[end:]
    if new != text:
        p.write_text(new, encoding="utf-8")
    return new != text


def _main(argv: Sequence[str]) -> int:
    if list(argv) == ["--markdown"]:
        sys.stdout.write(schema_markdown())
        return 0
    if len(argv) == 2 and argv[0] == "--update-docs":
        changed = update_docs(argv[1])
        print(f"{argv[1]}: {'updated' if changed else 'up to date'}")
        return 0
    print("usage: python -m sim.loader --markdown | --update-docs FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
