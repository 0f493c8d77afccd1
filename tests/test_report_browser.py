"""report.html in a real headless browser: Chromium from the distribution, driven by
Playwright. The page must load without a console error or a failed request, and every
figure must render (an <img> with a natural width, an inline <svg> with a size).

Skipped, with the reason, when Playwright or a Chromium binary is absent (CI installs
both: the distribution's ``chromium`` package and the ``browser`` extra). Playwright's
own browser download is never used: the distribution's binary is launched by path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_report import compare_folder, run_folder

from sim.report import write_report

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The distribution's Chromium: $NEGSIM_CHROMIUM, else chromium on PATH; only one that
    starts (some distributions install a wrapper that needs snapd, which a container lacks:
    the test then skips instead of failing)."""
    given = os.environ.get("NEGSIM_CHROMIUM")
    if given:
        return given if _starts(given) else None
    candidates = [shutil.which(name) for name in ("chromium", "chromium-browser")]
    candidates.append("/usr/bin/chromium")
    for found in candidates:
        if found and _starts(found):
            return found
    return None


def _starts(binary: str) -> bool:
    """``binary --version`` runs and exits 0."""
    import subprocess

    if not Path(binary).is_file():
        return False
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install -e '.[browser]'): browser test skipped",
)
CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary (apt-get install chromium, or set NEGSIM_CHROMIUM): "
    "browser test skipped",
)


def open_report(path: Path, screenshot: Path | None = None) -> dict:
    """Load ``path`` in headless Chromium; return what the page did and drew."""
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])"
            )
            svgs = page.evaluate(
                "Array.from(document.querySelectorAll('figure svg'))"
                ".map(s => s.getBoundingClientRect().width)"
            )
            title = page.title()
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=False)
        finally:
            browser.close()
    return {
        "problems": problems,
        "images": images,
        "svgs": svgs,
        "title": title,
        "requests": [u for u in requests if not u.startswith(("file:", "data:"))],
    }


def test_run_report_loads_cleanly_and_every_figure_renders(tmp_path):
    folder = run_folder(tmp_path)
    path = write_report(folder)
    shot = tmp_path / "report.png"
    seen = open_report(path, shot)
    assert seen["problems"] == []
    assert seen["requests"] == []  # nothing fetched from the network
    pngs = list((folder / "plots").glob("*.png"))
    assert len(seen["images"]) == len(pngs) >= 3
    for complete, width, alt in seen["images"]:
        assert complete and width == 1200, alt  # the PNGs are 1200 px wide
    assert seen["svgs"] and all(w > 100 for w in seen["svgs"])
    assert seen["title"] == "negsim run: toy"
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_report_loads_cleanly(tmp_path):
    seen = open_report(write_report(compare_folder(tmp_path)))
    assert seen["problems"] == [] and seen["requests"] == []
    assert [w for _, w, _ in seen["images"]] == [1200]


def test_a_broken_figure_is_caught(tmp_path):
    """The check can fail: a corrupt PNG renders with no natural width."""
    folder = run_folder(tmp_path)
    (folder / "plots" / "outcomes.png").write_bytes(b"not a png")
    seen = open_report(write_report(folder))
    widths = {alt: width for _, width, alt in seen["images"]}
    assert widths["outcomes"] == 0
