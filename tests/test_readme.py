"""The README and results/README.md tell the truth: a quick start of two commands that
work pasted in order, examples that name the installed command, a Python example that
runs (as a doctest), the folders and files the commands really write, and a CI script
that runs the README's test command after installing what the browser test needs."""

from __future__ import annotations

import doctest
import re
import tomllib
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
RESULTS_README = (ROOT / "results" / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
MINIMAL = str(ROOT / "tests" / "data" / "valid" / "minimal.yaml")


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def code_blocks(text: str, lang: str | None = None) -> list[str]:
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [body for kind, body in blocks if lang is None or kind == lang]


def quick_start_commands() -> list[str]:
    (block,) = code_blocks(section("Quick start"), "bash")
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_two_commands_that_each_make_the_environment():
    commands = quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install ")
        # pip shows its progress: no -q anywhere
        assert not re.search(r"\s-q\b|--quiet", command.split("&&")[1])
    assert commands[0].endswith(".venv/bin/negsim run scenarios/baseline.yaml")
    assert commands[1].endswith(".venv/bin/python -m pytest -q")


def test_examples_name_the_installed_command():
    """Pasted after the quick start, no example may say bare ``negsim`` (the environment
    is never activated): code lines start with .venv/bin/negsim."""
    after = README[README.index("## Quick start") :]
    for block in code_blocks(after):
        for line in block.splitlines():
            command = line.removeprefix("$ ").strip()
            assert not command.startswith("negsim "), line


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    """The ``>>>`` example of the README, run as a doctest from a folder that has the
    repository's scenarios and seeds (its results land in tmp_path)."""
    import shutil

    for name in ("scenarios", "seeds"):  # copies: seeds/ may not be a link
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    (block,) = [b for b in code_blocks(README, "python") if ">>>" in b]
    test = doctest.DocTestParser().get_doctest(block, {}, "README", str(ROOT / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 6 and result.failed == 0
    assert (tmp_path / "results" / "notebook-example" / "report.html").is_file()


def test_the_readme_shows_the_report_and_links_the_api():
    assert "](docs/img/report.png)" in README
    assert (ROOT / "docs" / "img" / "report.png").is_file()
    assert "](docs/api.md)" in README
    for figure in re.findall(r"\]\((docs/img/[\w.]+)\)", README):
        assert (ROOT / figure).is_file(), figure


def test_ci_installs_the_browser_test_and_runs_the_readme_test_command():
    test_command = quick_start_commands()[1]
    lines = [line.strip() for line in CI.splitlines() if line.strip()]
    assert test_command in lines  # the gates (format, lint, types) follow it
    assert "apt-get update && apt-get install -y chromium" in CI
    assert "'.[browser]'" in CI
    assert "playwright install" not in CI.replace("'playwright install'", "")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(d.startswith("pyarrow") for d in project["dependencies"])
    assert any(
        d.startswith("playwright>=1.40") for d in project["optional-dependencies"]["browser"]
    )


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("folders")
    quick = ["--jobs", "1", "--quiet", "--seed", "3"]
    assert (
        main(
            [
                "run",
                MINIMAL,
                "--runs",
                "40",
                "--record",
                "rounds",
                *quick,
                "--out",
                str(base / "run"),
            ]
        )
        == 0
    )
    assert (
        main(["compare", MINIMAL, MINIMAL, "--runs", "20", *quick, "--out", str(base / "compare")])
        == 0
    )
    assert (
        main(
            [
                "sweep",
                MINIMAL,
                "--param",
                "rounds",
                "--values",
                "4,8",
                "--runs",
                "20",
                *quick,
                "--out",
                str(base / "sweep"),
            ]
        )
        == 0
    )
    return base


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_results_readme_names_every_file_a_folder_holds(folders, kind):
    for name in files_of(folders / kind):
        if name.startswith("rounds/part-"):  # the dataset folder, one file per chunk
            assert "`rounds/`" in RESULTS_README and "`rounds/part-00000.parquet`" in RESULTS_README
            continue
        stem = Path(name).stem if name.startswith("plots/") else name
        shown = f"plots/{stem}" if name.startswith("plots/") else name
        assert f"`{shown}`" in RESULTS_README or f"`{stem}`" in RESULTS_README, name


def test_results_readme_names_every_folder_pattern():
    for pattern in (
        "results/<scenario>/<time>-seed<seed>/",
        "results/compare/",
        "results/<scenario>-sweep/",
        "results/<scenario>-sensitivity/",
        "results/<scenario>-discover/",
        "+set-",
        "report.html",
        "`rounds/`",
        "replicates.parquet",
    ):
        assert pattern in RESULTS_README, pattern
