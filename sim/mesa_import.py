"""Mesa, imported without loading pandas until something uses it.

``import mesa`` imports pandas for its DataCollector's data frames and its batch runner,
neither of which negsim's model uses: pandas was about 0.3 of Mesa's 1.0 CPU-seconds of
import on the reference machine, paid by every command that runs a model and again by
every worker process. While Mesa is imported, pandas is imported through importlib's
:class:`~importlib.util.LazyLoader`: the module object exists at once and is loaded in
full on first use (by Mesa, by negsim's result tables or by the user), so what changes is
only when pandas loads. Where pandas is already loaded, Mesa is imported as usual.

Mesa 3.5 loads pandas during its own import all the same: its agent module imports
pandas, and its model module's logger setup (``inspect.stack``) then touches every loaded
module. The saving is Mesa 3.3's (what pip installs on Python 3.11); for Mesa's other
heavy imports, scipy.spatial and networkx, that same logger setup defeats a lazy import
on every version.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["mesa"]

LAZY = "pandas"


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds :data:`LAZY` as the path finder does, with a loader that defers its body."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != LAZY:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def _import_mesa() -> Any:
    finder = None if LAZY in sys.modules else _LazyFinder()
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        import mesa  # type: ignore[import-untyped]  # mesa ships no type information
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
    return mesa


mesa = _import_mesa()
