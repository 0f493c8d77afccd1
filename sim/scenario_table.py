"""A scenario as plain text: what ``negsim show`` prints before the bargaining reference.

:func:`render` gives a summary, one table per issue, actor, front line and event (one row
per setting or parameter, with the mean of each distribution and the quotes it cites), and
the sources.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

from sim.distributions import describe, is_distribution, param_mean
from sim.loader import yaml_key_path
from sim.scenario import Citation, Mediator, Party, Scenario

WIDTH = 100


_STRUCTURE_SKIP = {"name", "label", "role", "type", "zero", "one"}


def _rows(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(path, value) of every setting and parameter below ``prefix``, in declaration
    order, with the path conventions of :meth:`Scenario.parameters`."""
    if value is None:
        return
    if isinstance(value, bool | str | int | float) or is_distribution(value):
        yield prefix, value
    elif is_dataclass(value):
        for f in fields(value):
            if f.name not in _STRUCTURE_SKIP:
                yield from _rows(f"{prefix}.{f.name}", getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _rows(f"{prefix}.{k}", v)
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from _rows(f"{prefix}.{v.name if hasattr(v, 'name') else i}", v)


def _components(s: Scenario) -> list[tuple[str, Any]]:
    comps: list[tuple[str, Any]] = [(f"issues.{i.name}", i) for i in s.issues]
    comps += [(f"actors.{a.name}", a) for a in s.actors]
    comps += [(f.path, f) for f in s.all_fronts]
    comps += [(f"events.{e.name}", e) for e in s.events]
    return comps


def _heading(prefix: str, comp: Any) -> str:
    if isinstance(comp, Party | Mediator):
        label = f' "{comp.label}"' if comp.label != comp.name else ""
        return f"{prefix}: {comp.role}{label}"
    kind = getattr(comp, "type", None)
    if kind:
        return f"{prefix}: {kind}"
    if prefix.startswith("issues."):
        return f"{prefix}: 0 = {comp.zero}; 1 = {comp.one}"
    return prefix


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def _mean_text(value: Any) -> str:
    try:
        return f"{param_mean(value):.4g}"
    except (ValueError, ArithmeticError):
        return "?"


def _sources_for(yaml_path: str, by_path: dict[str, list[int]]) -> list[int]:
    """Numbers of the quotes of the innermost mapping at or above ``yaml_path`` that cites
    (the top level's quotes cover everything and are listed only once, below)."""
    parts = yaml_path.split(".")
    for n in range(len(parts), 0, -1):
        nums = by_path.get(".".join(parts[:n]))
        if nums:
            return nums
    return []


def render(s: Scenario, width: int = WIDTH) -> str:
    """The scenario as plain text: a summary, a table per issue, actor, front line and
    event (one row per setting or parameter), and the quotes it cites."""
    out: list[str] = [f"Scenario {s.name}" + (f"  ({s.path})" if s.path else "")]
    if s.description.strip():
        out += textwrap.wrap(
            " ".join(s.description.split()), width - 2, initial_indent="  ", subsequent_indent="  "
        )
    out.append(f"  {s.rounds} rounds of {s.round_days:g} days; {s.runs} runs; seed {s.seed}")
    out.append(f"  issues: {', '.join(s.issue_names)}")
    who = f"  parties: {', '.join(s.party_names)}"
    who += f"; mediator: {s.mediator.name}" if s.mediator else "; no mediator"
    if s.first_proposer:
        who += f"; first proposer: {s.first_proposer}"
    if s.recognition:
        chances = ", ".join(f"{p} {s.recognition[p]:g}" for p in s.party_names)
        who += f"; proposer recognised at random ({chances})"
    if s.quota is not None or s.needed:
        rule = f"{s.quota or len(s.parties)} of {len(s.parties)} must sign"
        who += f"; {rule}" + (f", always {', '.join(s.needed)}" if s.needed else "")
    out += textwrap.wrap(who, width, subsequent_indent="    ")
    out += [
        "  Paths below work with --set and name the columns of replicates.csv;",
        "  [n] refers to the quotes under Sources, [Jn] to the judgements below them;",
        "  mean is the mean of a distribution.",
        "",
    ]

    quotes = dict(enumerate(s.citations, start=1))
    by_path: dict[str, list[int]] = {}
    for n, c in quotes.items():
        by_path.setdefault(c.key_path, []).append(n)
    judged = dict(enumerate(s.judgements, start=1))
    judged_at: dict[str, list[int]] = {}
    for n, j in judged.items():
        judged_at.setdefault(j.key_path, []).append(n)
    params = s.parameters()
    shown: set[str] = set()
    groups: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    for prefix, comp in _components(s):
        rows = []
        for path, value in _rows(prefix, comp):
            where = yaml_key_path(s, path)
            marks = [str(n) for n in _sources_for(where, by_path)]
            marks += [f"J{n}" for n in _sources_for(where, judged_at)]
            cite = "[" + ",".join(marks) + "]" if marks else ""
            if path in params:
                shown.add(path)
                rows.append((path, describe(value), _mean_text(value), cite))
            else:
                rows.append(
                    (path, str(value).lower() if isinstance(value, bool) else str(value), "", cite)
                )
        groups.append((_heading(prefix, comp), rows))
    missing = [p for p in params if p not in shown]  # none, unless the dataclasses grow
    if missing:
        groups.append(
            (
                "other parameters",
                [(p, describe(params[p]), _mean_text(params[p]), "") for p in missing],
            )
        )

    all_rows = [r for _, rows in groups for r in rows]
    w_path = min(max([9] + [len(r[0]) for r in all_rows]), 44)
    w_mean = 7
    w_src = max([6] + [len(r[3]) for r in all_rows])
    w_val = max(width - (2 + w_path + 2 + 2 + w_mean + 2 + w_src), 16)

    def line(a: str, b: str, c: str, d: str) -> str:
        return (f"  {a:<{w_path}}  {b:<{w_val}}  {_fit(c, w_mean):>{w_mean}}  {d}").rstrip()

    def row(path: str, value: str, mean: str, cite: str) -> list[str]:
        """One row; a long path gets a line of its own, a long value wraps."""
        lines = []
        if len(path) > w_path:
            lines.append(f"  {path}")
            path = ""
        parts = textwrap.wrap(value, w_val) or [""]
        lines.append(line(path, parts[0], mean, cite))
        lines += [line("", p, "", "") for p in parts[1:]]
        return lines

    for heading, rows in groups:
        out += textwrap.wrap(heading, width, subsequent_indent="    ")
        table_marks = {n for r in rows if r[3] for n in r[3].strip("[]").split(",")}
        cited = sorted(int(n) for n in table_marks if not n.startswith("J"))
        for n in cited:  # the quotes behind this table, in full under Sources
            out.append(_fit(f'  [{n}] "{" ".join(quotes[n].quote.split())}"', width))
        for n in sorted(int(m[1:]) for m in table_marks if m.startswith("J")):
            out.append(_fit(f"  [J{n}] judgement: {judged[n].reason}", width))
        out.append(line("parameter", "value", "mean", "source"))
        out.append(line("-" * w_path, "-" * w_val, "-" * w_mean, "-" * w_src))
        for r in rows:
            out += row(*r)
        out.append("")

    if s.readings:  # alternative readings of the source, each a set of changes
        from sim.readings import reading_weights

        out.append("readings of the source: each replicate draws one, by weight")
        for reading, w in zip(s.readings, reading_weights(s.readings), strict=True):
            out += textwrap.wrap(
                f"{reading.name} (weight {w:.2f}): {reading.description}",
                width,
                initial_indent="  ",
                subsequent_indent="      ",
            )
            for path, value in reading.changes:
                out.append(_fit(f"      {path} = {_flow(value)}", width))
            if not reading.changes:
                out.append("      (the file as it stands)")
        out.append("")
    if s.sample is not None:
        text = (
            f"parameter sample: {len(s.sample)} joint rows of {len(s.sample.paths)} "
            f"parameters from {s.sample.file}; each replicate draws one row"
        )
        out += textwrap.wrap(text, width, subsequent_indent="    ")
        out.append("")
    out.append("Sources: quotes found in seeds/")
    if not s.citations:
        out.append("  none: this scenario cites no source")
    for n, c in quotes.items():
        out += _source_lines(n, c, width)
    if s.judgements:
        out += ["", "Judgements: values marked as the author's judgement, with the reason given"]
        for n, j in judged.items():
            where = j.key_path or "(top level)"
            out.append(f"  [J{n}] {where}" + (f"  (line {j.line})" if j.line else ""))
            out += textwrap.wrap(
                j.reason, width - 6, initial_indent="      ", subsequent_indent="      "
            )
    return "\n".join(out) + "\n"


def _flow(value: Any) -> str:
    """A value as YAML on one line (``{dist: uniform, low: 0.1, high: 0.5}``, ``true``)."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def _source_lines(n: int, c: Citation, width: int) -> list[str]:
    where = c.key_path or "(top level)"
    head = f"  [{n}] {where}" + (f"  (line {c.line})" if c.line else "")
    body = textwrap.wrap(
        f'"{" ".join(c.quote.split())}"',
        width - 6,
        initial_indent="      ",
        subsequent_indent="      ",
    )
    return [head, *body]
