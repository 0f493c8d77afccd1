"""Regenerate the README's figures (docs/img/) from the baseline scenario.

Run from the project root: ``.venv/bin/python docs/make_figures.py``. The run uses a
fixed seed, so the figures change only when the model or the scenario does.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from sim.cli import main

RUNS = 20000
SEED = 20260203


def regenerate(root: Path) -> None:
    img = root / "docs" / "img"
    img.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        code = main(["run", str(root / "scenarios" / "baseline.yaml"), "--runs", str(RUNS),
                     "--seed", str(SEED), "--quiet", "--out", str(out)])
        if code:
            sys.exit(code)
        for png in sorted((out / "plots").glob("*.png")):
            shutil.copyfile(png, img / png.name)
            print(img / png.name)


if __name__ == "__main__":
    regenerate(Path(__file__).resolve().parent.parent)
