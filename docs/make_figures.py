"""Regenerate the README's figures (docs/img/) from the baseline scenario.

Run from the project root: ``.venv/bin/python docs/make_figures.py``. The run uses a
fixed seed, so the figures change only when the model or the scenario does. It also
writes the run's ``report.html`` and, when Playwright and the distribution's Chromium are
installed, a screenshot of its top, ``docs/img/report.png``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from sim.cli import main
from sim.report import write_report

RUNS = 20000
SEED = 20260203


def regenerate(root: Path) -> None:
    img = root / "docs" / "img"
    img.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        code = main(
            [
                "run",
                str(root / "scenarios" / "baseline.yaml"),
                "--runs",
                str(RUNS),
                "--seed",
                str(SEED),
                "--quiet",
                "--out",
                str(out),
            ]
        )
        if code:
            sys.exit(code)
        for png in sorted((out / "plots").glob("*.png")):
            shutil.copyfile(png, img / png.name)
            print(img / png.name)
        screenshot(write_report(out), img / "report.png")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def screenshot(report: Path, target: Path) -> None:
    """The top of ``report`` as Chromium shows it at 1200 x 900 (skipped, with a note,
    without Playwright or Chromium)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print(f"no Playwright or Chromium: {target} not refreshed", file=sys.stderr)
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(target), full_page=False)
        finally:
            browser.close()
    print(target)


if __name__ == "__main__":
    regenerate(Path(__file__).resolve().parent.parent)
