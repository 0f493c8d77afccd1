"""Results on disk: run folders, atomic writes, the manifest.

Nothing a user wrote is overwritten: a run writes into a staging folder beside its
target and moves each finished file into place with ``os.replace``; an interrupted run
leaves no partial file behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import NegsimError

MANIFEST_FORMAT = 1


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file under a temporary name in the same folder, then rename it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


# run folders made by default_run_dir in this process, still empty until their run ends
_RESERVED: set[Path] = set()


def default_run_dir(root: Path, scenario_name: str, seed: int) -> Path:
    """``results/<scenario>/<UTC time>-seed<seed>`` (``-2``, ``-3``... if taken), created
    empty here: ``mkdir`` claims the name atomically, so two runs started in the same
    second (a script launching several) never share, or overwrite, a folder.
    :func:`staged_output` removes the folder again if its run fails."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / scenario_name / f"{stamp}-seed{seed}"
    base.parent.mkdir(parents=True, exist_ok=True)
    path, i = base, 1
    while True:
        try:
            path.mkdir()
            break
        except FileExistsError:
            i += 1
            path = base.with_name(f"{base.name}-{i}")
    _RESERVED.add(path.resolve())
    return path


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse a non-empty --out folder unless forced."""
    if out.exists() and not out.is_dir():
        raise NegsimError(f"{out}: --out exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise NegsimError(f"{out}: --out folder is not empty (use --force to write into it)")


@contextmanager
def staged_output(target: Path) -> Iterator[Path]:
    """A staging folder whose files move into ``target`` when the block succeeds.

    On any exception (Ctrl-C included) the staging folder is removed and ``target`` is
    left as it was (a folder made for the run by :func:`default_run_dir` is removed).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if target.resolve() in _RESERVED:
            _RESERVED.discard(target.resolve())
            with suppress(OSError):  # only while still empty
                target.rmdir()
        raise
    _RESERVED.discard(target.resolve())
    if not target.exists():
        os.replace(staging, target)
        return
    for item in sorted(staging.rglob("*")):
        rel = item.relative_to(staging)
        dest = target / rel
        if item.is_dir():
            dest.mkdir(exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, dest)
    shutil.rmtree(staging, ignore_errors=True)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Versions of negsim, Python and the libraries whose behaviour the numbers depend on."""
    out = {"python": platform.python_version()}
    for dist in ("negsim", "numpy", "scipy", "mesa", "matplotlib", "PyYAML", "SALib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    if out["negsim"] == "not installed":  # run from a source tree
        from sim import __version__

        out["negsim"] = f"{__version__} (source tree)"
    return out


def manifest(
    *,
    command: str,
    scenario_files: list[str],
    seed: int,
    runs: int,
    jobs: int,
    executor: str,
    started: str,
    argv: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The record of how a result was produced (``argv``: the command line, default
    ``sys.argv``)."""
    return {
        "format": MANIFEST_FORMAT,
        "command": command,
        "argv": list(sys.argv if argv is None else argv),
        "scenario_files": [
            {"path": str(f), "sha256": sha256_file(f)} for f in scenario_files if Path(f).is_file()
        ],
        "seed": seed,
        "runs": runs,
        "jobs": jobs,
        "executor": executor,
        "versions": versions(),
        "started": started,
        "finished": utc_now(),
        **extra,
    }


def write_manifest(
    folder: Path,
    args: Any,
    *,
    command: str,
    scenario_files: list[str],
    seed: int,
    runs: int,
    jobs: int,
    started: str,
    **extra: Any,
) -> None:
    """Write ``manifest.json`` for a command run from the command line (``args``: its
    parsed options, which give the executor, the overrides and the command line)."""
    write_json_atomic(
        Path(folder) / "manifest.json",
        manifest(
            command=command,
            scenario_files=scenario_files,
            seed=seed,
            runs=runs,
            jobs=jobs,
            executor=getattr(args, "executor", "local"),
            started=started,
            argv=getattr(args, "command_line", None),
            overrides=list(getattr(args, "overrides", [])),
            **extra,
        ),
    )
