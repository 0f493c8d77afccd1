"""Event sections: one declaration per event kind, read by validation, building, dumping,
``--set`` paths and the docs.

An event kind is declared with :func:`register_event_section`; the ``events`` variants, the
choices of ``type:``, the "belongs to other event types" hints and the doc tables all
follow from the registry :data:`EVENT_SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.loader.kinds import (
    NONNEG,
    POSITIVE,
    REQUIRED,
    UNIT,
    Flag,
    Key,
    OneOf,
    Param,
    Range,
    Ref,
    Section,
    Table,
    Variants,
    _Ctx,
)
from sim.loader.tree import Node, _fail, _got, _join, _node_at
from sim.scenario import Shift, Strike, StrikeChannels, Truce

UNIT_P = Param(UNIT)
NONNEG_P = Param(NONNEG)

# A cross-field check of one event: (event name, its checked mapping, the root node); it
# raises the one-line error itself (see :func:`sim.loader.tree._fail`).
EventCheck = Callable[[str, dict[str, Any], Node], None]


@dataclass(frozen=True)
class EventSection:
    """What the loader knows of one event kind."""

    types: tuple[str, ...]  # the values of ``type:`` that select it
    section: Section  # its keys; ``section.spec`` is the dataclass it builds
    check: EventCheck | None = None


EVENT_SECTIONS: dict[str, Section] = {}  # type -> section, in registration order
EVENT_KINDS: list[EventSection] = []
EVENT_CHECKS: dict[str, EventCheck] = {}

# The ``type:`` key every event section starts with; its choices are the registry, live.
TYPE_KEY = Key("type", OneOf(EVENT_SECTIONS), REQUIRED, "what kind of event", "strike")

# The rounds an event applies in; an event kind places them among its keys.
ROUND_KEYS = (
    Key("start_round", Param(Range(1.0), whole=True), 1.0, "first round it applies", "3"),
    Key(
        "end_round",
        Param(Range(1.0), whole=True),
        None,
        "last round it applies",
        "10",
        default_doc="absent: to the end",
    ),
)

EVENTS = Variants("event", "type", EVENT_SECTIONS)


def register_event_section(
    types: str | tuple[str, ...],
    spec: type,
    keys: tuple[Key, ...],
    *,
    title: str,
    intro: str,
    check: EventCheck | None = None,
) -> Section:
    """Declare an event kind to the loader, in one place.

    Parameters
    ----------
    types : str or tuple of str
        The value(s) of ``type:`` that select this kind (``"strike"``, or
        ``("offensive", "aid_change")`` for two types sharing one dataclass).
    spec : type
        The frozen dataclass of :mod:`sim.scenario` it builds: ``spec(name=..., **fields)``,
        one field per key (a key's ``attr`` names another field; an ``inline``
        sub-section's keys are fields too), plus ``type``.
    keys : tuple of Key
        The keys after ``type:`` in file order; use :data:`ROUND_KEYS` for
        ``start_round``/``end_round`` (then ``end_round >= start_round`` is checked).
    title, intro : str
        The section's name in errors ("a strike event") and its line in the docs.
    check : callable, optional
        ``check(name, checked_mapping, root)``: a cross-field check of one event, run after
        the keys are validated (it raises a one-line error).

    Returns the :class:`Section`. The ``type:`` choices, the hints for keys of other event
    kinds ("'covers' belongs to other event types"), building, dumping, ``--set`` paths
    and the generated docs all follow from the registry.

    Example::

        BLOCKADE = register_event_section(
            "blockade",
            Blockade,
            (Key("by", Ref("party"), REQUIRED, "the party that blockades", "upland"),
             *ROUND_KEYS,
             Key("severity", Param(UNIT), 0.5, "share of trade cut", "0.3")),
            title="a blockade event",
            intro="A blockade (`type: blockade`).",
        )
    """
    names = (types,) if isinstance(types, str) else tuple(types)
    section = Section(title, (TYPE_KEY, *keys), intro=intro, others={}, spec=spec)
    for name in names:
        if name in EVENT_SECTIONS:
            raise ValueError(f"event type {name!r} is registered twice")
        EVENT_SECTIONS[name] = section
        if check is not None:
            EVENT_CHECKS[name] = check
    EVENT_KINDS.append(EventSection(names, section, check))
    _update_others()
    return section


def _update_others() -> None:
    """Each event section names the keys of the other kinds, for the error hint."""
    for kind in EVENT_KINDS:
        own = set(kind.section.key_names)
        others = kind.section.others
        assert isinstance(others, dict)
        others.clear()
        for other in EVENT_KINDS:
            for key in other.section.key_names:
                if key not in own:
                    others[key] = "other event types"


def _no_self_strike(name: str, d: dict[str, Any], root: Node) -> None:
    if d["by"] == d["target"]:
        path = f"events.{name}.target"
        node = _node_at(root, path)
        _fail(f"a party cannot strike itself (got {_got(node)})", node.mark, path)


class RefList(Ref):
    """One declared name, or a list of them (a truce over several strike events)."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...]:  # type: ignore[override]
        if not isinstance(node.value, list):
            return (super().check(node, path, ctx),)
        if not node.value:
            _fail(f"expected at least one {self.what} name (got {_got(node)})", node.mark, path)
        return tuple(
            super(RefList, self).check(c, _join(path, i), ctx) for i, c in enumerate(node.value)
        )

    def doc(self) -> str:
        return f"{self.what} name or list of names"


# The channels through which a strike acts; each can be switched off alone.
STRIKE_CHANNELS = (
    ("coercion_cost", "the target's cost of war rises with the damage"),
    ("coercion_pace", "the target concedes faster with the damage"),
    ("backlash_aspiration", "the target's aspiration rises after a strike"),
    ("backlash_approval", "the target's public approves concessions less after a strike"),
    ("postponement", "a strike round's talks may be put off"),
    ("walkout", "the target is readier to walk out after a strike"),
)

CHANNELS = Section(
    "channels",
    tuple(Key(name, Flag(), True, f"{doc} (switch)", "false") for name, doc in STRIKE_CHANNELS),
    intro="Which of a strike's channels act (all by default); switch one off to see its part.",
    spec=StrikeChannels,
)

BACKLASH = Section(
    "backlash",
    (
        Key(
            "aspiration_bump",
            NONNEG_P,
            0.0,
            "rise of the target's aspiration after a strike",
            "0.05",
        ),
        Key(
            "duration",
            Param(Range(1.0), whole=True),
            1.0,
            "rounds the backlash lasts",
            "2",
            attr="backlash_duration",
        ),
        Key(
            "approval_shift",
            NONNEG_P,
            0.0,
            "fall of the logit of the target public's approval while the backlash lasts",
            "0.3",
        ),
        Key("walkout_hazard_bump", UNIT_P, 0.0, "rise of the target's walk-out hazard", "0.05"),
    ),
    intro="How a strike hardens the target's stance.",
)

STRIKE = register_event_section(
    "strike",
    Strike,
    (
        Key("by", Ref("party"), REQUIRED, "the party that strikes", "upland"),
        Key("target", Ref("party"), REQUIRED, "the party struck", "delta"),
        Key("prob_per_round", UNIT_P, REQUIRED, "probability of a strike each round", "0.5"),
        *ROUND_KEYS,
        Key("capacity_loss", NONNEG_P, 1.0, "damage of one strike", "1.0"),
        Key(
            "repair_halflife",
            Param(POSITIVE),
            4.0,
            "rounds for half the damage to be repaired",
            "4",
        ),
        Key(
            "coercion_cost",
            NONNEG_P,
            0.0,
            "rise of the target's cost of war per unit of damage",
            "0.01",
        ),
        Key(
            "coercion_pace",
            NONNEG_P,
            0.0,
            "rise of the target's concession pace per unit of damage (pace 1 + this × damage)",
            "0.02",
        ),
        Key(
            "postpone_prob",
            UNIT_P,
            0.0,
            "probability that a strike puts the round's talks off by one round",
            "0.02",
        ),
        Key(
            "backlash",
            BACKLASH,
            {},
            "hardening of the target (see below)",
            "{aspiration_bump: 0.05}",
            inline=True,
        ),
        Key(
            "channels",
            CHANNELS,
            {},
            "switch channels off (see below)",
            "{coercion_pace: false}",
        ),
    ),
    title="a strike event",
    intro="Massive strikes by one party on another's energy system (`type: strike`).",
    check=_no_self_strike,
)

TRUCE = register_event_section(
    "truce",
    Truce,
    (
        Key(
            "covers",
            RefList("strike event"),
            REQUIRED,
            "the strike event(s) it restrains, by either side",
            "[energy_strikes, refinery_strikes]",
        ),
        Key("strike_prob", UNIT_P, 0.0, "strike probability per round while it holds", "0.1"),
        Key(
            "violation_prob",
            UNIT_P,
            0.0,
            "probability per round of another salient violation",
            "0.05",
        ),
        *ROUND_KEYS,
    ),
    title="a truce event",
    intro="A truce over strike events, by either side (`type: truce`).",
)

SHIFT = register_event_section(
    ("offensive", "aid_change"),
    Shift,
    (
        *ROUND_KEYS,
        Key("probability", UNIT_P, 1.0, "probability that it happens in a replicate", "0.5"),
        Key("drift_multiplier", NONNEG_P, 1.0, "multiplies the front-line drift", "1.5"),
        Key(
            "cost_multiplier",
            Table("party", NONNEG_P),
            {},
            "multiplies parties' cost of war",
            "{upland: 1.3}",
        ),
        Key(
            "optimism", Table("party", Param()), {}, "added to parties' optimism", "{upland: 0.05}"
        ),
    ),
    title="an offensive or aid_change event",
    intro="An offensive or a change of aid (`type: offensive` or `type: aid_change`).",
)
