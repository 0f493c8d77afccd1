"""Provenance: every ``source:`` quote of a scenario must occur in a text under ``seeds/``.

``seeds/`` holds source documents (not random seeds). It is found by walking up from the
folder of the file that holds the quote to the first folder containing ``seeds/``, or it
is named explicitly (``seeds_dir``); never the current working directory, so where a
command is started from cannot change what verifies. Matching ignores runs of whitespace
and the difference between curly and straight quotes, so a quote copied from a rendered
page still matches the file kept byte for byte.

A check that can be fooled proves nothing, so:

- a quote must be a sentence fragment: at least ``MIN_QUOTE_CHARS`` characters and
  ``MIN_QUOTE_WORDS`` words (one letter occurs in any text);
- only regular files inside the seeds folder count: no symbolic link (the folder itself
  included) that could make the check read and answer questions about another file, no
  scenario (``.yaml``/``.yml``) file (a scenario must not verify its own quotes), no
  README, nothing hidden, nothing over ``MAX_SEED_FILE_BYTES``;
- nothing negsim writes lands there (:func:`sim.io.refuse_seeds_folder`).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from sim.errors import ScenarioError
from sim.scenario import Citation

__all__ = [
    "Quote",
    "normalize",
    "find_seeds_dir",
    "use_seeds_dir",
    "quote_problem",
    "seed_texts",
    "check_quotes",
]

MIN_QUOTE_CHARS = 20  # a sentence fragment, not a letter or a word
MIN_QUOTE_WORDS = 4
MAX_SEED_FILE_BYTES = 20 * 2**20
SCENARIO_SUFFIXES = (".yaml", ".yml")

# curly, low-9, reversed, prime-like and accent marks -> straight quotes
_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2035": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "\u0060": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2036": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_SPACE = re.compile(r"\s+")


class Quote(NamedTuple):
    """A quote found in a scenario, before it is checked.

    ``key_path`` is the path of the mapping that carries it (the Citation's key path);
    ``error_path`` is where an error points (``actors.x.source`` or ``actors.x.source.1``).
    """

    key_path: str
    text: str
    file: str
    line: int | None
    column: int | None
    error_path: str


def normalize(text: str) -> str:
    """Whitespace runs -> one space, curly and prime-like quotes -> straight ones."""
    return _SPACE.sub(" ", text.translate(_QUOTE_MAP)).strip()


#: the folder ``--seeds DIR`` names for the whole command (None: look up from each file)
_chosen_seeds_dir: Path | None = None


def use_seeds_dir(seeds_dir: str | Path | None) -> None:
    """Look seed quotes up in ``seeds_dir`` for every scenario loaded from now on (the
    command line's ``--seeds DIR``); None goes back to looking up from each file."""
    global _chosen_seeds_dir
    _chosen_seeds_dir = None if seeds_dir is None else Path(seeds_dir)


def find_seeds_dir(start: str | Path | None, seeds_dir: str | Path | None = None) -> Path | None:
    """The ``seeds/`` folder for a scenario file (or folder) at ``start``: ``seeds_dir``
    when given, else the folder of :func:`use_seeds_dir`, else the first ``seeds/`` found
    walking up from ``start``; None if none. Never the current directory."""
    if seeds_dir is None:
        seeds_dir = _chosen_seeds_dir
    if seeds_dir is not None:
        return Path(seeds_dir)
    if start is None:
        return None
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "seeds"
        if candidate.is_dir():
            return candidate
    original = _original_scenario(here)
    return find_seeds_dir(original) if original is not None else None


def _original_scenario(folder: Path) -> str | None:
    """For a negsim results folder (its scenario.yaml is a copy), the scenario file the
    run was made from, as its manifest records it: its seeds/ are the copy's."""
    from sim.io import is_negsim_result

    if not is_negsim_result(folder):
        return None
    try:
        files = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        first = files["scenario_files"][0]
        original = Path(first["resolved"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    if original.parent == folder or not original.is_file():
        return None
    return str(original)


def quote_problem(text: str) -> str | None:
    """Why a quote is too short to identify a passage of a source, or None."""
    words = normalize(text).split()
    chars = len(" ".join(words))
    if chars < MIN_QUOTE_CHARS or len(words) < MIN_QUOTE_WORDS:
        return (
            f"quote too short to identify a source: at least {MIN_QUOTE_CHARS} characters "
            f"and {MIN_QUOTE_WORDS} words"
        )
    return None


def _is_source(path: Path, root: Path) -> bool:
    """Whether a file under ``root`` (already resolved) counts as a source document."""
    name = path.name
    if name.startswith(".") or name.upper().startswith("README"):
        return False
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        return False
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SEED_FILE_BYTES:
        return False  # links, pipes, devices; huge files
    return path.resolve().is_relative_to(root)


def _source_files(seeds_dir: Path) -> list[Path]:
    if seeds_dir.is_symlink():
        raise ValueError("is a symbolic link")
    root = seeds_dir.resolve()
    found = []
    for here, dirs, files in os.walk(seeds_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(here) / f for f in files if _is_source(Path(here) / f, root)]
    return sorted(found)


_CACHE: dict[Path, tuple[tuple, list[tuple[str, str]]]] = {}


def seed_texts(seeds_dir: Path) -> list[tuple[str, str]]:
    """(file name, normalised text) of every source document under ``seeds_dir``.

    README files describe the seeds and are not sources; files that are not UTF-8 text
    are skipped; so are links, scenario files and hidden files (see the module's notes).
    A ``seeds_dir`` that is itself a symbolic link has no sources.
    """
    seeds_dir = Path(seeds_dir)
    try:
        files = _source_files(seeds_dir)
    except (ValueError, OSError):
        return []
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    key = seeds_dir.resolve()
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    texts = []
    for p in files:
        try:
            with open(p, "rb") as fh:  # bounded: a file may have grown since it was listed
                data = fh.read(MAX_SEED_FILE_BYTES + 1)
            if len(data) > MAX_SEED_FILE_BYTES:
                continue
            texts.append((p.relative_to(seeds_dir).as_posix(), normalize(data.decode("utf-8"))))
        except (UnicodeDecodeError, OSError):
            continue
    _CACHE[key] = (stamp, texts)
    return texts


def _shown(text: str) -> str:
    one = " ".join(text.split())
    if len(one) > 80:
        one = one[:77] + "..."
    return json.dumps(one, ensure_ascii=False)


def check_quotes(
    quotes: Iterable[Quote],
    scenario_file: str | None = None,
    *,
    seeds_dir: str | Path | None = None,
) -> tuple[Citation, ...]:
    """Check every quote against ``seeds/``; return their citations in order.

    The search for ``seeds/`` starts at the file that holds the quote (an ``extends`` base
    may live elsewhere), else at ``scenario_file``; ``seeds_dir`` names the folder instead.

    Raises
    ------
    ScenarioError
        At the first quote that is too short, has no seeds folder to be checked against,
        or occurs in no source document.
    """
    citations = []
    for q in quotes:

        def fail(message: str, q: Quote = q) -> ScenarioError:
            return ScenarioError(
                f"{message} (got {_shown(q.text)})",
                path=q.file,
                line=q.line,
                column=q.column,
                key_path=q.error_path,
            )

        problem = quote_problem(q.text)
        if problem is not None:
            raise fail(problem)
        real = q.file if not (q.file.startswith("<") and q.file.endswith(">")) else scenario_file
        seeds = find_seeds_dir(real, seeds_dir)
        if seeds is None or not seeds.is_dir():
            raise fail("cannot check the quote: no seeds/ folder found")
        if seeds.is_symlink():
            raise fail(f"cannot check the quote: {seeds} is a symbolic link (use a real folder)")
        wanted = normalize(q.text)
        if not any(wanted in text for _, text in seed_texts(seeds)):
            raise fail("quote not found in seeds/")
        citations.append(Citation(q.key_path, q.text, q.line))
    return tuple(citations)
