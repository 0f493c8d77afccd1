"""Event sections: the loader's view of the event kinds, read by validation, building,
dumping, ``--set`` paths and the docs.

Each event kind declares its scenario keys once, in its own module beside its model class
(``sim/events/<kind>.py``: the dataclass, ``keys``, ``title``, ``intro``, ``check_keys``);
this module registers every kind of ``sim.events.EVENT_KINDS`` with
:func:`register_event_section`. The ``events`` variants, the choices of ``type:``, the
"belongs to other event types" hints and the doc tables all follow from the registry
:data:`EVENT_SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.events import EVENT_KINDS
from sim.events.base import ROUND_KEYS, EventKind
from sim.loader.kinds import REQUIRED, Key, OneOf, Section, Variants
from sim.loader.tree import Node

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
REGISTERED: list[EventSection] = []  # one per kind, in registration order
EVENT_CHECKS: dict[str, EventCheck] = {}

# The ``type:`` key every event section starts with; its choices are the registry, live.
TYPE_KEY = Key("type", OneOf(EVENT_SECTIONS), REQUIRED, "what kind of event", "strike")

EVENTS = Variants("event", "type", EVENT_SECTIONS)

__all__ = [
    "EVENTS",
    "EVENT_SECTIONS",
    "REGISTERED",
    "ROUND_KEYS",
    "register_event_kind",
    "register_event_section",
]


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
        The frozen dataclass it builds: ``spec(name=..., **fields)``,
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

    The model's kinds are registered from their classes below; a scenario-only kind
    (one the model does not act on, as in the tests) may be registered directly::

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
    REGISTERED.append(EventSection(names, section, check))
    _update_others()
    return section


def _update_others() -> None:
    """Each event section names the keys of the other kinds, for the error hint."""
    for kind in REGISTERED:
        own = set(kind.section.key_names)
        others = kind.section.others
        assert isinstance(others, dict)
        others.clear()
        for other in REGISTERED:
            for key in other.section.key_names:
                if key not in own:
                    others[key] = "other event types"


def register_event_kind(kind: type[EventKind[Any]]) -> Section:
    """Register the scenario side an event kind's class declares (see
    :class:`sim.events.base.EventKind`); returns its :class:`Section`."""
    return register_event_section(
        kind.sections,
        kind.spec_type,
        kind.keys,
        title=kind.title,
        intro=kind.intro,
        check=kind.check_keys,
    )


for _kind in EVENT_KINDS:
    register_event_kind(_kind)
