"""Scenario files: YAML -> marked tree -> validated :class:`~sim.scenario.Scenario`, and back.

This package is the only place that reads or writes YAML. Loading runs in four steps:

1. *Parse* (:mod:`~sim.loader.yaml_io`). A :class:`yaml.SafeLoader` subclass with its own
   scalar resolvers composes the file into :class:`~sim.loader.tree.Node` objects that know
   their file, line and column. Duplicate keys are errors; ``1e-3`` is a number; the YAML
   1.1 booleans ``yes/no/on/off/y/n`` are errors (only ``true``/``false`` are booleans).
2. *Resolve* (:mod:`~sim.loader.resolve`). ``extends`` is followed (deep merge: mappings
   merged, lists and scalars replaced), then each ``--set PATH=VALUE`` override is applied.
3. *Validate and build* (:mod:`~sim.loader.build`). One declarative schema
   (:mod:`~sim.loader.schema`, written in the language of :mod:`~sim.loader.kinds`) drives
   the checks, the defaults, the building of the dataclasses, the dump
   (:mod:`~sim.loader.dump`) and the key tables of ``docs/scenarios.md``
   (:mod:`~sim.loader.docs`; ``python -m sim.loader --markdown``). Every error is a one-line
   :class:`~sim.errors.ScenarioError`: ``FILE:LINE:COL: key.path: what is wrong (got VALUE)``.
4. *Cite.* Every ``source:`` quote is checked against ``seeds/`` (:mod:`sim.provenance`).

:func:`dump_scenario` writes a scenario back as YAML with every value explicit; loading
that text gives an equal scenario.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.loader.api import load_scenario, load_scenario_text, scenario_from_mapping
    from sim.loader.docs import DOC_BEGIN, DOC_END, DOC_SECTIONS, schema_markdown, update_docs
    from sim.loader.dump import dump_scenario, scenario_to_mapping, yaml_key_path
    from sim.loader.kinds import REQUIRED
    from sim.loader.schema import MEDIATOR, TOP
    from sim.loader.tree import SET_FILE

# The package's names, each imported from its module on first use. Importing the schema
# language (``sim.loader.kinds``, ``sim.loader.tree``) therefore does not import the schema:
# an event kind's module (``sim.events.<kind>``) declares its keys with that language, and
# the schema reads the event kinds from ``sim.events``.
_HOMES = {
    "load_scenario": "api",
    "load_scenario_text": "api",
    "scenario_from_mapping": "api",
    "dump_scenario": "dump",
    "scenario_to_mapping": "dump",
    "yaml_key_path": "dump",
    "schema_markdown": "docs",
    "update_docs": "docs",
    "DOC_BEGIN": "docs",
    "DOC_END": "docs",
    "DOC_SECTIONS": "docs",
    "MEDIATOR": "schema",
    "TOP": "schema",
    "REQUIRED": "kinds",
    "SET_FILE": "tree",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "load_scenario",
    "load_scenario_text",
    "scenario_from_mapping",
    "dump_scenario",
    "scenario_to_mapping",
    "yaml_key_path",
    "schema_markdown",
    "update_docs",
    "SET_FILE",
    "DOC_BEGIN",
    "DOC_END",
    "DOC_SECTIONS",
    "MEDIATOR",
    "REQUIRED",
    "TOP",
]
