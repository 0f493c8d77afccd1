"""Results on disk: results folders published in one atomic act, the manifest.

A results folder is written into a staging folder beside its destination
(``.<name>.partial-<pid>``), every file is fsynced, and the folder is published with a
single rename: a reader sees no folder or a complete one, never a half-filled one. While
it is staged, a lock file beside it (``.<name>.negsim-lock``, held with ``flock``) claims
the destination, so a second run aimed at the same folder fails at once with one line
instead of mixing its files with the first's. A run killed outright (SIGKILL, a power
cut) leaves its staging folder and its lock file behind; the next run writing beside
them finds the lock free and removes both.

An existing destination is replaced only when it is empty, or when it is a previous
negsim result (it holds negsim's ``manifest.json``) and ``--force`` was given: never a
user's file or folder, never through a symbolic link. Folder names derived from scenario
names are reduced to one safe path component (:func:`safe_name`), and nothing is ever
written inside a ``seeds/`` folder (the sources provenance checks quotes against).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import json
import os
import platform
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import NegsimError

MANIFEST_FORMAT = 1
LOCK_SUFFIX = ".negsim-lock"
STAGING_MARK = ".partial-"
ASIDE_MARK = ".replaced-"  # an old result moved aside where an atomic exchange is missing
MAX_NAME_CHARS = 80
MAX_MANIFEST_BYTES = 1 << 20
SEEDS_FOLDER = "seeds"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file under a temporary name in the same folder, fsync it, then rename it
    (a link already at the temporary name is replaced, never followed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with open(fd, "w", encoding="utf-8", newline="", closefd=False) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        with suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


# ---- names ---------------------------------------------------------------------------


def safe_name(text: str, *, what: str = "scenario name") -> str:
    """One safe folder-name component made from free text (a scenario's name).

    Path separators, ``.``/``..`` parts and a leading dot or dash go; control characters,
    spaces and punctuation other than ``._+-`` become ``_``; at most ``MAX_NAME_CHARS``
    characters. ``../../x`` gives ``x``, ``/etc/passwd`` gives ``etc-passwd``.

    Raises
    ------
    NegsimError
        When nothing usable is left (e.g. ``..``).
    """
    parts = [p for p in str(text).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    kept = "".join(
        ch if (ch.isalnum() or ch in "._+-") and unicodedata.category(ch)[0] != "C" else "_"
        for ch in "-".join(parts)
    )
    kept = kept.lstrip(".-")[:MAX_NAME_CHARS].rstrip(".")
    if not kept.strip("_"):
        raise NegsimError(
            f"{what} {text!r} gives no usable folder name "
            "(use letters, digits, '-', '_' or '.'; or give --out)"
        )
    return kept


def _absolute(path: str | Path) -> Path:
    """The absolute path, its folder resolved but its last component kept as written (so
    a symbolic link there is seen, not followed)."""
    text = os.path.abspath(os.fspath(path))
    head, tail = os.path.split(text)
    if not tail:
        raise NegsimError(f"{path}: not a folder negsim can write its results as")
    return Path(head).resolve() / tail


def refuse_seeds_folder(path: str | Path) -> None:
    """Refuse to write at or under a ``seeds/`` folder: it holds the source documents
    quotes are checked against, and nothing negsim writes may ever verify a quote."""
    absolute = Path(os.path.abspath(os.fspath(path)))
    resolved = absolute.parent.resolve() / absolute.name
    for candidate in (absolute, resolved):
        if SEEDS_FOLDER in candidate.parts:
            raise NegsimError(
                f"{path}: results never go inside a {SEEDS_FOLDER}/ folder "
                "(it holds the sources that quotes are checked against)"
            )


# ---- locks and stale staging ---------------------------------------------------------


def _try_lock(path: Path, *, create: bool) -> int | None:
    """An open, ``flock``-ed descriptor of ``path``, or None if another process holds
    the lock (or, without ``create``, there is no such file)."""
    import fcntl

    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    while True:
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:
            if create:
                raise
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        # between open and flock the file may have been removed (by its owner finishing,
        # or by another run cleaning it as stale): a lock on a removed file claims nothing
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        if not create:
            return None


def _remove_tree(path: Path) -> None:
    """Remove a file, a link (not what it points to) or a folder tree; quietly."""
    with suppress(OSError):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)


def _split_mark(name: str, mark: str) -> str | None:
    """``x`` for ``.x<mark><pid>``, else None."""
    if not name.startswith(".") or mark not in name:
        return None
    base, _, pid = name[1:].rpartition(mark)
    return base if base and pid.isdigit() else None


def clean_stale(folder: Path) -> list[str]:
    """Remove what killed negsim runs left in ``folder``: staging folders and lock files
    whose lock no live process holds. An old result moved aside for a ``--force`` that
    never finished is put back when its folder is missing. Returns the names removed."""
    removed: list[str] = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return removed
    for name in entries:
        if name.startswith(".") and name.endswith(LOCK_SUFFIX):
            fd = _try_lock(folder / name, create=False)
            if fd is None:
                continue  # a live run holds it
            base = name[1 : -len(LOCK_SUFFIX)]
            for other in entries:
                if _split_mark(other, STAGING_MARK) == base:
                    _remove_tree(folder / other)
                    removed.append(other)
                elif _split_mark(other, ASIDE_MARK) == base:
                    if not os.path.lexists(folder / base):
                        with suppress(OSError):
                            os.rename(folder / other, folder / base)
                            continue
                    _remove_tree(folder / other)
                    removed.append(other)
            with suppress(OSError):
                os.unlink(folder / name)
                removed.append(name)
            os.close(fd)
        else:
            owner = _split_mark(name, STAGING_MARK)
            # a live run takes its lock before it makes its staging folder
            if owner is not None and not os.path.lexists(folder / f".{owner}{LOCK_SUFFIX}"):
                _remove_tree(folder / name)
                removed.append(name)
    return removed


@dataclass
class _Claim:
    """A destination this process holds the lock of, and the folders it made for it."""

    target: Path  # absolute
    fd: int
    created: list[Path] = field(default_factory=list)  # parents made for it, outermost first
    fresh: bool = False  # chosen by default_run_dir: must not exist when published
    staging: Path | None = None

    @property
    def lock_path(self) -> Path:
        return self.target.parent / f".{self.target.name}{LOCK_SUFFIX}"

    def release(self, *, failed: bool) -> None:
        """Give up the lock; after a failure also remove the staging folder and every
        folder made for this run that is still empty."""
        if failed and self.staging is not None:
            _remove_tree(self.staging)
        self.staging = None
        with suppress(OSError):
            os.unlink(self.lock_path)
        if self.fd >= 0:
            with suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if failed:
            for folder in reversed(self.created):
                with suppress(OSError):
                    folder.rmdir()
            self.created = []


# destinations claimed by default_run_dir and not yet staged; claims being staged
_PENDING: dict[Path, _Claim] = {}
_ACTIVE: dict[Path, _Claim] = {}
# --out folders check_out_dir found to be a previous negsim result, with --force given
_FORCED: set[Path] = set()


def _make_parents(folder: Path) -> list[Path]:
    """``mkdir -p folder``, returning the folders it made (outermost first)."""
    missing = []
    here = folder
    while not os.path.lexists(here):
        missing.append(here)
        here = here.parent
    made = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
    except BaseException:
        for path in reversed(made):
            with suppress(OSError):
                path.rmdir()
        raise
    return made


def _claim(target: Path, created: list[Path], *, fresh: bool) -> _Claim | None:
    """Lock ``target`` (absolute) for this process; None when another run holds it, or,
    for a ``fresh`` name, when something already has that name."""
    clean_stale(target.parent)
    fd = _try_lock(target.parent / f".{target.name}{LOCK_SUFFIX}", create=True)
    if fd is None:
        return None
    claim = _Claim(target, fd, created, fresh)
    if fresh and os.path.lexists(target):
        claim.created = []
        claim.release(failed=False)
        return None
    return claim


def release_all() -> None:
    """Undo every unpublished claim of this process: staging folders, locks, the folders
    made for them. For the last moments of an interrupted process (signal handlers, exit)."""
    for table in (_ACTIVE, _PENDING):
        while table:
            _, claim = table.popitem()
            claim.release(failed=True)


# ---- run folders ---------------------------------------------------------------------


def default_run_dir(root: Path, scenario_name: str, seed: int) -> Path:
    """``<root>/<scenario>/<UTC time>-seed<seed>`` (``-2``, ``-3``... if taken), claimed
    here (its lock is taken) but not created: :func:`staged_output` publishes it whole.
    Two runs started in the same second (a script launching several) get two folders.
    The scenario name is reduced to one safe component (:func:`safe_name`)."""
    name = safe_name(scenario_name)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = _absolute(Path(root) / name / f"{stamp}-seed{int(seed)}")
    refuse_seeds_folder(base)
    created = _make_parents(base.parent)
    try:
        path, i = base, 1
        while (claim := _claim(path, created, fresh=True)) is None:
            i += 1
            path = base.with_name(f"{base.name}-{i}")
    except BaseException:
        for folder in reversed(created):
            with suppress(OSError):
                folder.rmdir()
        raise
    _PENDING[path] = claim
    return Path(root) / name / path.name


def is_negsim_result(folder: Path) -> bool:
    """Whether ``folder`` holds a manifest negsim wrote (a regular file, not a link)."""
    path = Path(folder) / "manifest.json"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("format"), int)
        and isinstance(data.get("command"), str)
        and isinstance(data.get("versions"), dict)
        and "negsim" in data["versions"]
    )


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that negsim may not write: a link, a file, a folder inside
    ``seeds/``, or a non-empty folder that is not a previous negsim result replaced with
    ``--force``."""
    out = Path(out)
    refuse_seeds_folder(out)
    if out.is_symlink():
        raise NegsimError(f"{out}: --out is a symbolic link (negsim never writes through links)")
    if out.exists() and not out.is_dir():
        raise NegsimError(f"{out}: --out exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise NegsimError(
                f"{out}: --out folder is not empty "
                "(use --force to replace a previous negsim result there)"
            )
        if not is_negsim_result(out):
            raise NegsimError(
                f"{out}: --force replaces only a previous negsim result "
                "(a folder with negsim's manifest.json), and this folder is not one"
            )
        _FORCED.add(_absolute(out))


def _check_destination(claim: _Claim, force: bool) -> None:
    """Under the lock: may ``claim.target`` be replaced by the staged folder?"""
    target = claim.target
    if not os.path.lexists(target):
        return
    if target.is_symlink():
        raise NegsimError(f"{target}: is a symbolic link (negsim never writes through links)")
    if not target.is_dir():
        raise NegsimError(f"{target}: exists and is not a folder")
    if not any(target.iterdir()):
        return
    if claim.fresh:
        raise NegsimError(f"{target}: appeared while this run was starting")
    if not force:
        raise NegsimError(
            f"{target}: folder is not empty (use --force to replace a previous negsim result there)"
        )
    if not is_negsim_result(target):
        raise NegsimError(
            f"{target}: --force replaces only a previous negsim result, and this folder is not one"
        )


def _fsync_path(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (links are not followed)."""
    for here, dirs, files in os.walk(folder):
        for name in files:
            full = os.path.join(here, name)
            if not os.path.islink(full):
                _fsync_path(full)
        for name in dirs:
            full = os.path.join(here, name)
            if not os.path.islink(full):
                _fsync_path(full)
    _fsync_path(folder)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _publish(staging: Path, target: Path) -> None:
    """Move the finished staging folder to ``target`` in one rename (an empty folder there
    is replaced by it; a previous result is exchanged with it, then removed)."""
    if not os.path.lexists(target) or (target.is_dir() and not any(target.iterdir())):
        os.rename(staging, target)
    elif not _rename_exchange(staging, target):
        aside = target.parent / f".{target.name}{ASIDE_MARK}{os.getpid()}"
        os.rename(target, aside)  # a kill here is repaired by the next run (clean_stale)
        os.rename(staging, target)
        staging = aside
    if os.path.lexists(staging):  # the previous result, now at the staging name
        _remove_tree(staging)
    _fsync_path(target.parent)


@contextmanager
def staged_output(target: Path, *, force: bool | None = None) -> Iterator[Path]:
    """A staging folder that becomes ``target`` in one rename when the block succeeds.

    ``target`` must be free, an empty folder, or (with ``force``) a previous negsim
    result; ``force`` defaults to what :func:`check_out_dir` allowed for this folder. On
    any exception (Ctrl-C and the signals the command line turns into exceptions
    included) the staging folder, the lock and any folder made for the run are removed,
    and ``target`` is left as it was.

    Raises
    ------
    NegsimError
        When another negsim run is writing ``target`` (the lock is held), or ``target``
        may not be replaced.
    """
    absolute = _absolute(target)
    claim = _PENDING.pop(absolute, None)
    if claim is None:
        refuse_seeds_folder(absolute)
        created: list[Path] = []
        try:
            created = _make_parents(absolute.parent)
            claim = _claim(absolute, created, fresh=False)
        except OSError as exc:
            for folder in reversed(created):
                with suppress(OSError):
                    folder.rmdir()
            raise NegsimError(
                f"{target}: cannot write results here ({exc.strerror or exc})"
            ) from None
        except BaseException:
            for folder in reversed(created):
                with suppress(OSError):
                    folder.rmdir()
            raise
        if claim is None:
            for folder in reversed(created):
                with suppress(OSError):
                    folder.rmdir()
            raise NegsimError(
                f"{target}: another negsim run is writing this folder now; "
                "wait for it to finish or choose another --out"
            )
    _ACTIVE[absolute] = claim
    try:
        _check_destination(claim, absolute in _FORCED if force is None else force)
        claim.staging = absolute.parent / f".{absolute.name}{STAGING_MARK}{os.getpid()}"
        _remove_tree(claim.staging)
        claim.staging.mkdir()
        yield claim.staging
        _sync_tree(claim.staging)
        _publish(claim.staging, absolute)
        claim.staging = None
    except BaseException:
        _ACTIVE.pop(absolute, None)
        _FORCED.discard(absolute)
        claim.release(failed=True)
        raise
    _ACTIVE.pop(absolute, None)
    _FORCED.discard(absolute)
    claim.release(failed=False)


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
            # "resolved": where provenance finds the seeds/ of a results folder's scenario.yaml
            {"path": str(f), "resolved": os.path.abspath(f), "sha256": sha256_file(f)}
            for f in scenario_files
            if Path(f).is_file()
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
