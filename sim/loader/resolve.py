"""``extends`` (deep merge of a base file) and ``--set PATH=VALUE`` overrides, applied to
the marked tree before validation."""

from __future__ import annotations

import os
import re
import stat

from sim.loader.kinds import Items, Kind, Named, Param, Section, Table, Variants
from sim.loader.schema import TOP
from sim.loader.tree import SET_FILE, Mark, Node, _fail, _got, _is_real, _suggest
from sim.loader.yaml_io import MAX_FILE_BYTES, _parse, _read_root

YAML_SUFFIXES = (".yaml", ".yml")


def _read_file(file: str, via: Node | None) -> str:
    """The text of a scenario file; ``via`` is the ``extends`` node that named it.

    Only a regular file of at most :data:`MAX_FILE_BYTES` is read (never a device, a pipe
    or a folder), and errors about a file named by ``extends`` show the name, never what
    the file holds."""
    reason: str | None = None
    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode):
            reason = "not a regular file"
        elif info.st_size > MAX_FILE_BYTES:
            reason = f"larger than {MAX_FILE_BYTES // (1 << 20)} MiB; a scenario is a small text"
        else:
            with open(file, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                reason = (
                    f"larger than {MAX_FILE_BYTES // (1 << 20)} MiB; a scenario is a small text"
                )
            else:
                return data.decode("utf-8")
    except FileNotFoundError:
        if via is not None:
            _fail(f"file not found: {file} (got {_got(via)})", via.mark, "extends")
        _fail("file not found", Mark(file), None)
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    except ValueError:  # os.stat refuses a path with a NUL in it
        reason = "a file name cannot contain a NUL character"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    if via is not None:
        _fail(f"cannot read {file}: {reason} (got {_got(via)})", via.mark, "extends")
    _fail(f"cannot read file: {reason}", Mark(file), None)
    raise AssertionError  # unreachable


def _check_base(via: Node, base_file: str, top_folder: str) -> None:
    """``extends`` names a YAML file: by a path relative to the scenario that stays inside
    the top scenario's folder, or explicitly by an absolute path."""
    name = via.value.strip()
    if not name.lower().endswith(YAML_SUFFIXES):
        _fail(
            f"expected the path of a scenario file ending in .yaml or .yml (got {_got(via)})",
            via.mark,
            "extends",
        )
    if not os.path.isabs(name):
        real = os.path.realpath(base_file)
        if os.path.commonpath([real, top_folder]) != top_folder:
            _fail(
                f"a relative path must stay inside the scenario's folder; "
                f"name a file elsewhere by its absolute path (got {_got(via)})",
                via.mark,
                "extends",
            )


def _merge(base: Node, over: Node, kind: Kind | None = None) -> Node:
    """Deep merge: mappings merged key by key (``over`` wins); lists, scalars and
    distributions given with ``dist:`` replace the base value whole; ``key: null`` in
    ``over`` deletes the inherited key.

    ``kind`` is the schema's kind at this place: only where the schema expects a number or
    a distribution does a ``dist`` key mean a distribution. Elsewhere ``dist`` is a name
    (an issue, an actor, a lever) and the mapping is merged, keeping the inherited keys."""
    if isinstance(base.value, dict) and isinstance(over.value, dict):
        is_distribution = "dist" in over.value and (kind is None or isinstance(kind, Param))
        if not is_distribution:
            items = dict(base.value)
            for key, value in over.value.items():
                if value.value is None and key in items:
                    del items[key]  # `key: null` deletes an inherited key
                elif key in items:
                    child = _child_kind(kind, key, over) or _child_kind(kind, key, base)
                    items[key] = _merge(items[key], value, child)
                else:
                    items[key] = value
            return Node(items, over.mark, over.key_mark)
    return over


def _resolve_extends(root: Node, file: str, chain: tuple[tuple[str, str], ...]) -> Node:
    via = root.value.get("extends")
    if via is None:
        return root
    if not isinstance(via.value, str) or not via.value.strip():
        _fail(f"expected the path of a scenario file (got {_got(via)})", via.mark, "extends")
    folder = os.path.dirname(file) if _is_real(file) else ""
    base_file = os.path.normpath(os.path.join(folder, via.value.strip()))
    top_folder = os.path.dirname(chain[0][0]) if chain else os.path.realpath(os.curdir)
    _check_base(via, base_file, top_folder)
    real = os.path.realpath(base_file)
    seen = [r for r, _ in chain]
    if real in seen:
        loop = [d for _, d in chain[seen.index(real) :]] + [base_file]
        _fail(f"cycle: {' -> '.join(loop)}", via.mark, "extends")
    base = _read_root(_read_file(base_file, via), base_file)
    base = _resolve_extends(base, base_file, chain + ((real, base_file),))
    own = Node({k: v for k, v in root.value.items() if k != "extends"}, root.mark, root.key_mark)
    # the name is not inherited: a variant without its own is named after its file, so
    # its results never land in the base's folder
    base.value.pop("name", None)
    return _merge(base, own, TOP)


def _resolve(root: Node, file: str) -> Node:
    chain = ((os.path.realpath(file), file),) if _is_real(file) else ()
    return _resolve_extends(root, file, chain)


def _file_path(root: Node, parts: list[str], value: Node) -> list[str]:
    """Translate a parameter path as in :meth:`Scenario.parameters` and replicates.csv
    (``actors.us.budget``, ``actors.x.red_lines.0.bound``) to its path in the file
    (``actors.us.pressure.budget``, ``actors.x.red_lines.0.max``); other paths unchanged."""
    if len(parts) < 3 or parts[0] not in ("actors", "events"):
        return parts
    container = root.value.get(parts[0])
    item = (
        container.value.get(parts[1]) if container and isinstance(container.value, dict) else None
    )
    if item is None or not isinstance(item.value, dict):
        return parts
    variants = TOP.key(parts[0]).kind
    assert isinstance(variants, Variants)
    selector = item.value.get(variants.selector)
    kind = selector.value if selector is not None else None
    section = variants.variants.get(kind) if isinstance(kind, str) else None
    if section is None:
        return parts
    head, rest = parts[:2], parts[2:]
    layout = section.field_paths()
    if rest[0] in layout:
        if rest[0] in section.key_names and (
            len(rest) > 1 or (isinstance(value.value, dict) and "dist" not in value.value)
        ):
            return parts  # the file's own key of that name (a mediator's deadline mapping)
        return head + layout[rest[0]].split(".") + rest[1:]
    if kind == "party" and len(rest) == 3 and rest[0] == "red_lines" and rest[2] == "bound":
        lines = item.value.get("red_lines")
        if (
            lines
            and isinstance(lines.value, list)
            and rest[1].isdigit()
            and int(rest[1]) < len(lines.value)
        ):
            line = lines.value[int(rest[1])]
            if isinstance(line.value, dict):
                for bound in ("min", "max"):
                    if bound in line.value:
                        return head + rest[:2] + [bound]
    return parts


def _child_kind(kind: Kind | None, key: str, parent: Node) -> Kind | None:
    """The schema kind of ``parent[key]``, when the schema knows it."""
    if isinstance(kind, Section):
        return kind.key(key).kind if key in kind.key_names else None
    if isinstance(kind, Named | Items):
        return kind.item
    if isinstance(kind, Table):
        return kind.value
    if isinstance(kind, Variants) and isinstance(parent.value, dict):
        child = parent.value.get(key)
        if child is not None and isinstance(child.value, dict):
            selector = child.value.get(kind.selector)
            if selector is not None and isinstance(selector.value, str):
                return kind.variants.get(selector.value)
    return None


def _apply_override(root: Node, text: str) -> None:
    """Apply one ``PATH=VALUE``; an added key is checked later by the schema."""
    path, sep, value_text = text.partition("=")
    path = path.strip()
    if not sep or not path:
        _fail(f"expected PATH=VALUE (got {_got(text)})", Mark(SET_FILE), None)
    parts = path.split(".")
    if any(not p for p in parts):
        _fail(f"empty key in the path (got {_got(path)})", Mark(SET_FILE), path)
    value = _parse(value_text, SET_FILE, key_path=path, positions=False)
    if value is None:
        value = Node(None, Mark(SET_FILE))
    value.key_mark = Mark(SET_FILE)
    _set_path(root, path, value, Mark(SET_FILE))


def _set_path(root: Node, path: str, value: Node, at: Mark) -> None:
    """Put ``value`` at the dotted ``path`` (a parameter path or a file path); errors about
    the path point at ``at`` (the override, or a reading's change in its file)."""
    parts = path.split(".")
    if any(not p for p in parts):
        _fail(f"empty key in the path (got {_got(path)})", at, path)
    parts = _file_path(root, parts, value)
    parent, where = root, "the top level"
    kind: Kind | None = TOP
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        kind = _child_kind(kind, part, parent)
        if isinstance(parent.value, dict):
            if part in parent.value:
                if last:
                    parent.value[part] = value
                else:
                    parent, where = parent.value[part], ".".join(parts[: i + 1])
                continue
            if last:  # a new key: allowed if the schema knows it (checked by validation)
                parent.value[part] = value
                continue
            if isinstance(kind, Section):  # an optional section left out: create it
                parent.value[part] = Node({}, at, at)
                parent, where = parent.value[part], ".".join(parts[: i + 1])
                continue
            hint = _suggest(part, parent.value)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            _fail(f"path not found: no key '{part}' in {where}{extra}", at, path)
        elif isinstance(parent.value, list):
            n = len(parent.value)
            if not re.fullmatch(r"[0-9]+", part) or int(part) >= n:
                _fail(
                    f"path not found: {where} is a list of {n} (items 0 to {n - 1}) "
                    f"(got {_got(part)})",
                    at,
                    path,
                )
            if last:
                parent.value[int(part)] = value
            else:
                parent, where = parent.value[int(part)], ".".join(parts[: i + 1])
        else:
            _fail(
                f"path not found: {where} is {_got(parent)}, not a mapping or a list",
                at,
                path,
            )
