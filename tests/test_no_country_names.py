"""The engine names no country or person, and keeps no global random state.

Actors, issues and events come from scenario files: the engine never names a country or a
person. Randomness comes only from the replicate streams: no module-level or global random
generator, so this test greps sim/ for np.random.seed, np.random.rand and import random.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
SOURCES = sorted(SIM.rglob("*.py"))

NAMES = (
    "russia",
    "ukrain",
    "kyiv",
    "kiev",
    "moscow",
    "donbas",
    "donetsk",
    "zelensk",
    "putin",
    "witkoff",
    "united states",
    "america",
    "kremlin",
)
GLOBAL_RNG = (
    re.compile(r"np\.random\.seed\b"),
    re.compile(r"numpy\.random\.seed\b"),
    re.compile(r"np\.random\.rand\("),
    re.compile(r"^\s*import\s+random\b", re.MULTILINE),
    re.compile(r"^\s*from\s+random\s+import\b", re.MULTILINE),
)


def test_there_are_sources_to_check():
    assert SIM.is_dir()
    assert {"model.py", "agents.py", "frontier.py", "concave.py"} <= {p.name for p in SOURCES}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SIM)))
def test_no_country_or_person_named(path):
    text = path.read_text(encoding="utf-8").lower()
    found = [name for name in NAMES if name in text]
    assert not found, f"{path.name} names {found}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SIM)))
def test_no_global_random_state(path):
    text = path.read_text(encoding="utf-8")
    found = [rx.pattern for rx in GLOBAL_RNG if rx.search(text)]
    assert not found, f"{path.name} uses global random state: {found}"


@pytest.mark.parametrize(
    "text, named",
    [
        ("actors: Ukraine and Russia", True),
        ("the KREMLIN said", True),
        ("Kyiv", True),
        ("united  states", False),
        ("river basin upstream", False),
    ],
)
def test_the_name_check_itself(text, named):
    """The check is case-insensitive and would catch a name (a test that can fail)."""
    assert any(name in text.lower() for name in NAMES) is named


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("np.random.seed(1)", True),
        ("x = np.random.rand(3)", True),
        ("import random", True),
        ("    from random import choice", True),
        ("rng = np.random.default_rng(seed)", False),
        ("import randomness_helpers", False),
        ("np.random.SeedSequence(seed)", False),
    ],
)
def test_the_rng_check_itself(text, flagged):
    assert any(rx.search(text) for rx in GLOBAL_RNG) is flagged
