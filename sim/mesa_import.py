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

* Mesa imports ``cdist`` and ``KDTree`` from scipy.spatial for its continuous and
  discrete spaces; scipy.spatial loads scipy.linalg, scipy.sparse's array classes and
  scipy.spatial.transform with it, none of which negsim's model uses.

While these two are imported, pandas, networkx, numpy.f2py and asyncio (which tqdm's
asyncio wrapper, imported by Mesa's batch runner, uses only when called) are imported through
importlib's :class:`~importlib.util.LazyLoader`: the module object exists at once and is
loaded in full on first use (by negsim's result tables, by the user, or by a Mesa feature
that needs it), so what changes is only when it loads. Mesa's logging module is given
:class:`_FrameNames` in place of :mod:`inspect`: the same names, read from the frames
themselves. scipy.spatial and scipy.spatial.distance are stood in for by modules whose
names (:data:`STAND_INS`) forward each call to the real function or class, imported on
the first call; the stand-ins leave ``sys.modules`` when Mesa is imported, so any later
``import scipy.spatial`` gets the real package. A module already loaded is left as it is.
Measured on the development machine: the first three lazy modules took importing the
model from 0.52 to 0.40 CPU seconds and from 945 to 628 modules; on a later, slower day
the stand-ins and a lazy asyncio took it from 0.515 to 0.43 CPU seconds (interleaved) and
to about 520 modules.
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

#: imported on first use while Mesa and scipy.special are imported (asyncio: tqdm's asyncio
#: wrapper, which Mesa's batch runner imports, uses it only when called)
LAZY = ("pandas", "networkx", "numpy.f2py", "asyncio")
#: module -> the names Mesa imports from it that are only ever called, never subclassed
#: or compared by type: stood in for by forwarders while Mesa is imported
STAND_INS = {"scipy.spatial": ("KDTree",), "scipy.spatial.distance": ("cdist",)}
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


def _forwarder(module: str, name: str) -> Any:
    """A callable that imports ``module`` on its first call and calls its ``name``."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = f"{module}.{name}, imported on the first call."
    return forward


def _stand_ins() -> dict[str, ModuleType]:
    """Modules for :data:`STAND_INS` (none where the real package is loaded already)."""
    if any(name in sys.modules for name in STAND_INS):
        return {}
    modules = {}
    for name, names in STAND_INS.items():
        module = ModuleType(name, "a stand-in while Mesa is imported (sim.mesa_import)")
        module.__path__ = []  # a package, so that its submodules' stand-ins import
        for attribute in names:
            setattr(module, attribute, _forwarder(name, attribute))
        modules[name] = module
    return modules


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
    stand_ins = _stand_ins()
    sys.meta_path.insert(0, finder)
    try:
        try:
            mesa = _import_mesa(stand_ins)
        except ImportError:
            if not stand_ins:
                raise
            # a Mesa that imports more from scipy.spatial than STAND_INS names
            for name in [m for m in sys.modules if m == "mesa" or m.startswith("mesa.")]:
                del sys.modules[name]
            mesa = _import_mesa({})
        import scipy.special  # type: ignore[import-untyped]
    finally:
        sys.meta_path.remove(finder)
    return mesa, scipy.special


def _import_mesa(stand_ins: dict[str, ModuleType]) -> Any:
    sys.modules.update(stand_ins)
    try:
        import mesa  # type: ignore[import-untyped]  # mesa ships no type information
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return mesa


mesa, special = _import()
