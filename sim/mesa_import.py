"""Mesa and scipy.special, imported without loading what negsim never uses.

Start-up is paid by every command that runs a model and again by every worker process,
and most of it was spent loading modules nothing here uses:

* ``import mesa`` imports pandas for its DataCollector's data frames and its batch
  runner, and networkx for its network space; negsim's model uses none of them.
* ``import scipy.special`` (negsim needs its normal distribution functions) clones
  numpy's namespace for the array API, which asks numpy for every attribute it lists and
  so imports numpy.f2py, the Fortran wrapper generator, the costliest of the three.
* Mesa's logging helpers call :func:`inspect.stack` and :func:`inspect.getouterframes`
  while its model module is imported, for a module's and a class's name. Both read the
  source of every frame on the stack, and :func:`inspect.getmodule` touches every loaded
  module (which loads any module deferred as above).

While these two are imported, pandas, networkx and numpy.f2py are imported through
importlib's :class:`~importlib.util.LazyLoader`: the module object exists at once and is
loaded in full on first use (by negsim's result tables, by the user, or by a Mesa feature
that needs it), so what changes is only when it loads. Mesa's logging module is given
:class:`_FrameNames` in place of :mod:`inspect`: the same names, read from the frames
themselves. A module already loaded is left as it is. Measured on the development machine:
importing the model went from 0.52 to 0.40 CPU seconds and from 945 to 628 modules.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
from collections.abc import Sequence
from types import FrameType, ModuleType
from typing import Any

__all__ = ["mesa", "special"]

#: imported on first use while Mesa and scipy.special are imported
LAZY = ("pandas", "networkx", "numpy.f2py")
#: the Mesa module whose ``inspect`` is replaced by :class:`_FrameNames`
MESA_LOGGING = "mesa.mesa_logging"


class _FrameNames:
    """What Mesa's logging helpers ask of :mod:`inspect` (a calling module's name, a
    calling class's name), answered from the frames without reading source files or
    touching other modules."""

    @staticmethod
    def currentframe() -> FrameType:
        return sys._getframe(1)

    @staticmethod
    def getouterframes(frame: FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
        frames = []
        while frame is not None:
            code = frame.f_code
            frames.append(
                inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
            )
            frame = frame.f_back
        return frames

    @staticmethod
    def stack(context: int = 1) -> list[inspect.FrameInfo]:
        return _FrameNames.getouterframes(sys._getframe(1), context)

    @staticmethod
    def getmodule(obj: object, _filename: str | None = None) -> ModuleType | None:
        if isinstance(obj, FrameType):
            return sys.modules.get(obj.f_globals.get("__name__", ""))
        return inspect.getmodule(obj, _filename)


class _NamesFromFrames(importlib.abc.Loader):
    """Loads Mesa's logging module as usual, then gives it :class:`_FrameNames`."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        if hasattr(module, "inspect"):
            module.inspect = _FrameNames  # type: ignore[attr-defined]


class _Finder(importlib.abc.MetaPathFinder):
    """Finds :data:`LAZY` and :data:`MESA_LOGGING` as the path finder does, with the
    loaders above."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in LAZY and fullname != MESA_LOGGING:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        if fullname == MESA_LOGGING:
            spec.loader = _NamesFromFrames(spec.loader)
        else:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def _import() -> tuple[Any, Any]:
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        import mesa  # type: ignore[import-untyped]  # mesa ships no type information
        import scipy.special  # type: ignore[import-untyped]
    finally:
        sys.meta_path.remove(finder)
    return mesa, scipy.special


mesa, special = _import()
