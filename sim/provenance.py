"""Provenance: every ``source:`` quote of a scenario must occur in a text under ``seeds/``.

``seeds/`` holds source documents (not random seeds). It is found by walking up from the
scenario file's folder until a folder containing ``seeds/`` appears; failing that, the
current working directory's ``seeds/`` is used. Matching ignores runs of whitespace and
the difference between curly and straight quotes, so a quote copied from a rendered page
still matches the file kept byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from sim.errors import ScenarioError
from sim.scenario import Citation

__all__ = ["Quote", "normalize", "find_seeds_dir", "seed_texts", "check_quotes"]

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


def find_seeds_dir(start: str | Path | None) -> Path | None:
    """The ``seeds/`` folder for a scenario file (or folder) at ``start``."""
    if start is not None:
        here = Path(start).resolve()
        if not here.is_dir():
            here = here.parent
        for folder in (here, *here.parents):
            if (folder / "seeds").is_dir():
                return folder / "seeds"
    fallback = Path.cwd() / "seeds"
    return fallback if fallback.is_dir() else None


_CACHE: dict[Path, tuple[tuple, list[tuple[str, str]]]] = {}


def seed_texts(seeds_dir: Path) -> list[tuple[str, str]]:
    """(file name, normalised text) of every text file under ``seeds_dir``.

    README files describe the seeds and are not sources; files that are not UTF-8 text
    are skipped.
    """
    files = sorted(
        p
        for p in seeds_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.upper().startswith("README")
    )
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = _CACHE.get(seeds_dir)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    texts = []
    for p in files:
        try:
            texts.append(
                (p.relative_to(seeds_dir).as_posix(), normalize(p.read_text(encoding="utf-8")))
            )
        except (UnicodeDecodeError, OSError):
            continue
    _CACHE[seeds_dir] = (stamp, texts)
    return texts


def _shown(text: str) -> str:
    one = " ".join(text.split())
    if len(one) > 80:
        one = one[:77] + "..."
    return json.dumps(one, ensure_ascii=False)


def check_quotes(quotes: Iterable[Quote], scenario_file: str | None = None) -> tuple[Citation, ...]:
    """Check every quote against ``seeds/``; return their citations in order.

    The search for ``seeds/`` starts at the file that holds the quote (an ``extends`` base
    may live elsewhere), else at ``scenario_file``, else at the working directory.

    Raises
    ------
    ScenarioError
        At the first quote that occurs in no seed text.
    """
    citations = []
    for q in quotes:
        real = q.file if not (q.file.startswith("<") and q.file.endswith(">")) else scenario_file
        seeds = find_seeds_dir(real)
        if seeds is None:
            raise ScenarioError(
                f"cannot check the quote: no seeds/ folder found (got {_shown(q.text)})",
                path=q.file,
                line=q.line,
                column=q.column,
                key_path=q.error_path,
            )
        wanted = normalize(q.text)
        if not any(wanted in text for _, text in seed_texts(seeds)):
            raise ScenarioError(
                f"quote not found in seeds/ (got {_shown(q.text)})",
                path=q.file,
                line=q.line,
                column=q.column,
                key_path=q.error_path,
            )
        citations.append(Citation(q.key_path, q.text, q.line))
    return tuple(citations)
