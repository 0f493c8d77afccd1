"""The layout holds: each event kind declares its scenario side in its own module and the
loader registers it; the schema language imports without the schema (no import cycle,
whichever side is imported first); `negsim --help` imports no numpy; no module is over a
tenth of the package; the repository cites no file outside itself."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.events import EVENT_KINDS
from sim.loader.events import EVENT_SECTIONS
from sim.loader.kinds import Section

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("kind", EVENT_KINDS, ids=lambda k: k.__name__)
def test_each_event_kind_is_declared_in_its_own_module_and_registered(kind):
    assert EVENT_SECTIONS.keys() >= set(kind.sections)
    section = EVENT_SECTIONS[kind.sections[0]]
    assert section.spec is kind.spec_type
    assert kind.spec_type.__module__ == kind.__module__  # the dataclass beside the class
    # every key fills a field of the dataclass (an inline sub-section's keys too)
    fields = {f.name for f in dataclasses.fields(kind.spec_type)}
    for key in kind.keys:
        if key.inline:
            assert isinstance(key.kind, Section)
            names = [k.attr or k.name for k in key.kind.keys]
        else:
            names = [key.attr or key.name]
        assert set(names) <= fields, (kind.__name__, key.name)
    assert {"name", "type", "start_round", "end_round"} <= fields


@pytest.mark.parametrize(
    "first",
    ["sim.events", "sim.events.truce", "sim.loader.kinds", "sim.loader.events", "sim.model"],
)
def test_no_import_cycle_whichever_side_comes_first(first):
    out = _python(
        f"import {first}\n"
        "from sim.loader import load_scenario\n"
        "s = load_scenario('tests/data/valid/full.yaml')\n"
        "print(sorted({e.type for e in s.events}))\n"
    )
    assert out.strip() == "['aid_change', 'offensive', 'strike', 'truce']"


def test_schema_language_imports_without_the_schema():
    out = _python(
        "import sys, sim.loader.kinds\n"
        "print('sim.loader.schema' in sys.modules, 'sim.events' in sys.modules)\n"
    )
    assert out.split() == ["False", "False"]


def test_help_imports_no_numpy():
    out = _python(
        "import sys\n"
        "from sim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('NUMPY' if 'numpy' in sys.modules else 'LIGHT')\n"
    )
    assert out.split()[-1] == "LIGHT"


def test_no_module_is_over_a_tenth_of_the_package():
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
        for p in (ROOT / "sim").rglob("*.py")
    }
    total = sum(sizes.values())
    big = {name: n for name, n in sizes.items() if 10 * n > total}
    assert not big, f"over a tenth of {total} lines: {big}"


# files that are not in this repository (spelled in pieces so that this file is clean)
OUTSIDE = re.compile(
    "|".join(
        ["MODEL" + r"\.md", "PLATFORM" + "_NOTES", "STYLE" + r"\.md", "CALIBRATION" + r"\.md"]
        + [r"\.\./" + "shared"]
    )
)
# being edited on other branches when this test was written; drop each once it is clean
NOT_YET: set[str] = set()


def test_the_repository_cites_no_file_outside_itself():
    hits = [
        f"{path.relative_to(ROOT)}:{i}"
        for pattern in ("*.py", "*.md", "*.yaml")
        for path in ROOT.rglob(pattern)
        if not {".git", ".venv", "results"} & set(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT).as_posix() not in NOT_YET
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, hits
