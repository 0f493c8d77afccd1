"""Reading a distribution mapping (``{dist: normal, mean: 0.1, sd: 0.02}``) with one-line
errors for unknown kinds, missing or unknown parameters and impossible values."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim import distributions as dist
from sim.loader.tree import Node, _fail, _got, _join, _num, _suggest

if TYPE_CHECKING:
    from sim.loader.kinds import _Ctx


def _number(node: Node, path: str, what: str = "a number") -> float:
    """A finite plain number (bool is not a number)."""
    v = node.value
    if isinstance(v, bool):
        _fail(f"expected {what}, not a boolean (got {_got(v)})", node.mark, path)
    if not isinstance(v, int | float):
        _fail(f"expected {what} (got {_got(node)})", node.mark, path)
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        _fail(f"expected a finite number (got {_got(v)})", node.mark, path)
    return x


MIN_TRUNCATED_MASS = 1e-6  # below it a truncated normal draws its bound, whatever is meant


def _normal_mass(mean: float, sd: float, low: float | None, high: float | None) -> float:
    """The probability a normal(mean, sd) gives to [low, high] (None: unbounded)."""
    z_lo = -math.inf if low is None else (low - mean) / sd
    z_hi = math.inf if high is None else (high - mean) / sd
    if z_lo > 0:  # both in the upper tail: use erfc for precision
        return 0.5 * (math.erfc(z_lo / math.sqrt(2)) - math.erfc(z_hi / math.sqrt(2)))
    if z_hi < 0:
        return 0.5 * (math.erfc(-z_hi / math.sqrt(2)) - math.erfc(-z_lo / math.sqrt(2)))
    return 0.5 * (math.erf(z_hi / math.sqrt(2)) - math.erf(z_lo / math.sqrt(2)))


_DIST_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "beta": (("a", "b"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "choice": (("values",), ("weights",)),
}
assert tuple(_DIST_PARAMETERS) == dist.DISTRIBUTION_KINDS


def _numbers(node: Node, path: str) -> list[float]:
    if not isinstance(node.value, list) or not node.value:
        _fail(f"expected a non-empty list of numbers (got {_got(node)})", node.mark, path)
    return [_number(item, _join(path, i)) for i, item in enumerate(node.value)]


def _distribution(node: Node, path: str, ctx: _Ctx) -> dist.Distribution:
    items: dict[str, Node] = node.value
    kinds = ", ".join(dist.DISTRIBUTION_KINDS)
    if "dist" not in items:
        _fail(
            f"expected a number or a distribution (a mapping with dist: {kinds}) "
            f"(got {_got(node)})",
            node.mark,
            path,
        )
    knode = items["dist"]
    kind = knode.value
    if not isinstance(kind, str) or kind not in _DIST_PARAMETERS:
        hint = _suggest(kind, _DIST_PARAMETERS) if isinstance(kind, str) else []
        extra = f"; did you mean '{hint[0]}'?" if hint else f"; use one of {kinds}"
        _fail(f"unknown distribution{extra} (got {_got(knode)})", knode.mark, _join(path, "dist"))
    required, optional = _DIST_PARAMETERS[kind]
    allowed = required + optional
    for key, child in items.items():
        if ctx.note(key, child, path):
            continue
        if key != "dist" and key not in allowed:
            hint = _suggest(key, allowed)
            extra = f"did you mean '{hint[0]}'?" if hint else f"{kind} takes {', '.join(allowed)}"
            _fail(
                f"unknown parameter of {kind}; {extra}",
                child.key_mark or child.mark,
                _join(path, key),
            )
    for key in required:
        if key not in items:
            _fail(
                f"{kind} needs parameter '{key}' ({kind} takes {', '.join(allowed)})",
                node.where,
                path,
            )
    if kind == "choice":
        values = _numbers(items["values"], _join(path, "values"))
        if "weights" in items:
            wnode = items["weights"]
            weights = _numbers(wnode, _join(path, "weights"))
            if len(weights) != len(values):
                _fail(
                    f"choice needs one weight per value (got {len(values)} values and "
                    f"{len(weights)} weights)",
                    wnode.mark,
                    _join(path, "weights"),
                )
            for i, w in enumerate(weights):
                if w < 0:
                    _fail(
                        f"choice weights must be >= 0 (got {_num(w)})",
                        wnode.value[i].mark,
                        _join(path, f"weights.{i}"),
                    )
            if sum(weights) <= 0:
                shown = "[" + ", ".join(_got(w.value) for w in wnode.value) + "]"
                _fail(
                    f"choice weights must sum to a positive number (got {shown})",
                    wnode.mark,
                    _join(path, "weights"),
                )
            if not math.isfinite(sum(weights)):  # plain sum: overflows to inf
                shown = "[" + ", ".join(_got(w.value) for w in wnode.value) + "]"
                _fail(
                    "choice weights must sum to a finite number; they are divided by their "
                    f"sum (got {shown})",
                    wnode.mark,
                    _join(path, "weights"),
                )
        else:
            weights = [1.0] * len(values)
        return dist.Choice(tuple(values), tuple(weights))
    p = {k: _number(items[k], _join(path, k)) for k in allowed if k in items}

    def got(*keys: str) -> str:
        """The parameters as written, e.g. ``low=0.9, high=0.8``."""
        return ", ".join(f"{k}={_got(items[k].value) if k in items else _num(p[k])}" for k in keys)

    def need(ok: bool, message: str, at: str | None = None) -> None:
        if not ok:
            where = items[at] if at else node
            _fail(message, where.mark, _join(path, at) if at else path)

    if kind in ("beta",):
        p.setdefault("low", 0.0)
        p.setdefault("high", 1.0)
    if "low" in p and "high" in p:
        need(p["low"] < p["high"], f"{kind} needs low < high (got {got('low', 'high')})")
    if kind == "uniform":
        return dist.Uniform(p["low"], p["high"])
    if kind == "normal":
        need(p["sd"] > 0, f"normal needs sd > 0 (got {got('sd')})", "sd")
        if "low" in p or "high" in p:
            mass = _normal_mass(p["mean"], p["sd"], p.get("low"), p.get("high"))
            need(
                mass >= MIN_TRUNCATED_MASS,
                f"normal has only a share of {mass:.2g} of its mass inside [low, high], so "
                "every draw would sit at a bound; check mean, sd, low and high "
                f"(got {got(*[k for k in ('mean', 'sd', 'low', 'high') if k in p])})",
            )
        return dist.Normal(p["mean"], p["sd"], p.get("low"), p.get("high"))
    if kind == "beta":
        need(p["a"] > 0, f"beta needs a > 0 (got {got('a')})", "a")
        need(p["b"] > 0, f"beta needs b > 0 (got {got('b')})", "b")
        return dist.Beta(p["a"], p["b"], p["low"], p["high"])
    # triangular
    need(
        p["low"] <= p["mode"] <= p["high"],
        f"triangular needs low <= mode <= high (got {got('low', 'mode', 'high')})",
        "mode",
    )
    return dist.Triangular(p["low"], p["mode"], p["high"])
