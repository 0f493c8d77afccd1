"""``report.html``: one self-contained page for a results folder, to send to a colleague.

The page is built from the folder's files alone (``summary.json``, ``compare.json``,
``sweep.csv``, ``sensitivity.json``, ``discovery.json``/``discovery.txt``,
``scenario.yaml``, ``manifest.json`` and the figures in ``plots/``), so it can be
(re)written for any results folder at any time, by every command. It holds the summary
tables, every figure (PNG embedded as base64, SVG inline; a PDF is listed, since a page
cannot show it without a plug-in), the scenario's parameters with the sources the file
cites, and the manifest. It loads nothing from the network and runs no script: inline CSS
only, so it opens the same way offline, in a mail attachment or in a sandboxed viewer.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.io import write_text_atomic

__all__ = ["REPORT_NAME", "folder_kind", "parameter_rows", "render_report", "write_report"]

REPORT_NAME = "report.html"
KINDS = ("run", "compare", "sweep", "sensitivity", "discover")
MAX_TABLE_ROWS = 400  # a longer CSV is cut in the page (the file keeps every row)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1100px;padding:1.5em 2em 4em;color:#1f2328;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d0d7de;
padding-bottom:.2em}h3{margin-top:1.4em}
.meta{color:#57606a;margin-top:0}
nav a{margin-right:1em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;vertical-align:top}
th{background:#f6f8fa;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{white-space:nowrap}
td.src{font-size:.88em;color:#57606a;max-width:32em}
figure{margin:1.2em 0 2em}figure img,figure svg{max-width:100%;height:auto;
border:1px solid #eaeef2}
figcaption{color:#57606a;font-size:.9em}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em}
"""


# ---- reading the folder ----------------------------------------------------------------


def _json(folder: Path, name: str) -> Any:
    path = folder / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_kind(folder: str | Path) -> str:
    """What made a results folder: ``run``, ``compare``, ``sweep``, ``sensitivity`` or
    ``discover`` (the manifest's ``command``, else guessed from the files)."""
    folder = Path(folder)
    manifest = _json(folder, "manifest.json")
    command = manifest.get("command") if isinstance(manifest, dict) else None
    if command in KINDS:
        return str(command)
    for name, kind in (
        ("compare.json", "compare"),
        ("sweep.csv", "sweep"),
        ("sensitivity.json", "sensitivity"),
        ("discovery.json", "discover"),
        ("summary.json", "run"),
    ):
        if (folder / name).is_file():
            return kind
    raise ValueError(f"{folder}: not a negsim results folder (no manifest.json or results)")


# ---- HTML helpers ----------------------------------------------------------------------


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool) or not isinstance(x, int | float):
        return _e(x)
    if isinstance(x, int):
        return f"{x:,}"
    if x != x:  # NaN
        return "–"
    return f"{x:.{digits}f}"


def _interval(ci: Any, digits: int = 3, signed: bool = False) -> str:
    if not isinstance(ci, Sequence) or len(ci) != 2 or None in ci:
        return "–"
    sign = "+" if signed else ""
    return f"[{ci[0]:{sign}.{digits}f}, {ci[1]:{sign}.{digits}f}]"


def _table(head: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """A table; each cell is (html, css class) so that names and numbers align."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        out.extend(
            f'<td class="{cls}">{cell}</td>' if cls else f"<td>{cell}</td>" for cell, cls in row
        )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _csv_table(path: Path) -> str:
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, csv.Error):
        return f"<p>{_e(path.name)} could not be read.</p>"
    if not rows:
        return f"<p>{_e(path.name)} is empty.</p>"
    head, body = rows[0], rows[1:]
    cut = len(body) > MAX_TABLE_ROWS
    cells = [
        [(_e(v), "num" if _is_number(v) else "name") for v in r] for r in body[:MAX_TABLE_ROWS]
    ]
    note = f"<p>First {MAX_TABLE_ROWS:,} of {len(body):,} rows; the file has them all.</p>"
    return _table(head, cells) + (note if cut else "")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---- summary tables by kind ------------------------------------------------------------


def _outcome_rows(outcomes: Mapping[str, Any]) -> list[list[tuple[str, str]]]:
    return [
        [
            (_e(label.replace("_", " ")), "name"),
            (_num(o.get("p")), "num"),
            (_interval(o.get("ci95")), "num"),
            (_num(o.get("count")), "num"),
        ]
        for label, o in outcomes.items()
    ]


def _run_tables(summary: Mapping[str, Any]) -> str:
    parts = [
        f"<p>{_num(summary.get('runs'))} replicates, seed {_e(summary.get('seed'))}, "
        f"{_e(summary.get('rounds'))} rounds of {_e(summary.get('round_days'))} days.</p>",
        "<h3>How the talks end</h3>",
        _table(
            ["outcome", "probability", "95% interval", "count"],
            _outcome_rows(summary.get("outcomes", {})),
        ),
    ]
    t = summary.get("time_to_agreement") or {}
    if t.get("agreements"):
        parts.append(
            f"<p>Time to agreement: mean round {_num(t.get('mean_round'), 2)} "
            f"(se {_num(t.get('se_round'), 2)}), median round {_num(t.get('median_round'), 1)}, "
            f"about {_num(t.get('mean_days'), 0)} days "
            f"({_num(t.get('agreements'))} agreements).</p>"
        )
    terms = summary.get("terms") or {}
    compromise = summary.get("compromise") or {}
    if terms:
        parts.append("<h3>Agreed terms</h3>")
        parts.append(
            _table(
                ["issue", "mean", "se", "p10", "p50", "p90", "naive compromise"],
                [
                    [(_e(issue.replace("_", " ")), "name")]
                    + [(_num(v.get(k)), "num") for k in ("mean", "se", "p10", "p50", "p90")]
                    + [(_num(compromise.get(issue)), "num")]
                    for issue, v in terms.items()
                ],
            )
        )
        parts.append(
            "<p>Naive compromise: the salience-weighted mean of the parties' ideal points.</p>"
        )
    utilities = summary.get("utilities") or {}
    costs = summary.get("costs") or {}
    if utilities:
        parts.append("<h3>Each actor at the end</h3>")
        parts.append(
            _table(
                ["actor", "expected utility", "se", "mean accumulated cost"],
                [
                    [
                        (_e(actor.replace("_", " ")), "name"),
                        (_num(u.get("mean")), "num"),
                        (_num(u.get("se")), "num"),
                        (_num(costs.get(actor)), "num"),
                    ]
                    for actor, u in utilities.items()
                ],
            )
        )
    means = [
        (label, summary.get(key))
        for key, label in (
            ("strikes_mean", "strikes per replicate"),
            ("violations_mean", "truce violations per replicate"),
            ("failed_ratifications_mean", "failed ratifications per replicate"),
            ("pressure_used_mean", "pressure levers used per replicate"),
        )
        if summary.get(key) is not None
    ]
    front = (summary.get("front_line_end") or {}).get("mean")
    if front is not None:
        means.append(("front line at the end (mean)", front))
    if means:
        parts.append("<h3>Events and state (means over replicates)</h3>")
        parts.append(
            _table(["quantity", "mean"], [[(_e(k), "name"), (_num(v), "num")] for k, v in means])
        )
    return "".join(parts)


def _compare_tables(table: Mapping[str, Any]) -> str:
    rows = table.get("rows") or []
    if not rows:
        return "<p>compare.json holds no rows.</p>"
    labels = list(rows[0].get("outcomes", {}))
    head = ["scenario", "replicates", *(lab.replace("_", " ") for lab in labels)]
    prob = [
        [(_e(r.get("scenario")), "name"), (_num(r.get("runs")), "num")]
        + [
            (
                f"{_num(r['outcomes'][lab].get('p'))} {_interval(r['outcomes'][lab].get('ci95'))}",
                "num",
            )
            for lab in labels
        ]
        for r in rows
    ]
    diff = [
        [(_e(r.get("scenario")), "name"), (_num(r.get("runs")), "num")]
        + [
            (
                f"{r['outcomes'][lab].get('diff', 0):+.3f} "
                f"{_interval(r['outcomes'][lab].get('diff_ci95'), signed=True)}",
                "num",
            )
            for lab in labels
        ]
        for r in rows[1:]
        if all("diff" in r["outcomes"][lab] for lab in labels)
    ]
    base = _e(table.get("baseline", rows[0].get("scenario")))
    out = "<h3>Outcome probability [95% Wilson interval]</h3>" + _table(head, prob)
    if diff:
        out += (
            f"<h3>Difference from {base} [paired 95% interval]</h3>"
            "<p>Every scenario ran on the same random numbers (replicate i of each sees the "
            "same draws), so the differences are paired and their intervals narrower than "
            "the two probabilities' intervals suggest.</p>" + _table(head, diff)
        )
    return out


def _sensitivity_tables(data: Mapping[str, Any]) -> str:
    import numpy as np

    from sim.plot_data import sensitivity_caveats

    method = str(data.get("method", ""))
    params = data.get("parameters") or []
    keys = ("ST", "S1") if method == "sobol" else ("mu_star", "sigma")
    design = data.get("design") or {}
    parts = [
        f"<p>Method {_e(method)}, outcome {_e(data.get('outcome'))}; design "
        + ", ".join(f"{_e(k)} {_num(v)}" for k, v in design.items())
        + f"; P({_e(data.get('outcome'))}) over the design {_num(data.get('probability'))}.</p>"
    ]
    if params and all(k in p for p in params for k in keys):
        values = {k: np.array([float(p[k]) for p in params]) for k in keys}
        conf = {k: np.array([float(p.get(f"{k}_conf") or 0.0) for p in params]) for k in keys}
        flagged, caveats = sensitivity_caveats(
            method, values, int(design.get("replicates", 0)), conf
        )
        for c in caveats:
            parts.append(f'<p class="note">(!) {_e(c)}</p>')
    else:
        flagged = np.zeros(len(params), dtype=bool)
    head = ["parameter", "path", *(h for k in keys for h in (k, f"{k} ±95%"))]
    rows = []
    for p, f in zip(params, flagged, strict=False):
        row = [
            (_e(p.get("label", "")) + (" (!)" if f else ""), "name"),
            (f"<code>{_e(p.get('file_key') or p.get('parameter'))}</code>", "name"),
        ]
        for k in keys:
            row += [(_num(p.get(k)), "num"), (_num(p.get(f"{k}_conf")), "num")]
        rows.append(row)
    if not data.get("indices_defined", True):
        parts.append(
            '<p class="note">The indices are not defined for this run (see the '
            "variance split below).</p>"
        )
    parts.append(_table(head, rows))
    variance = data.get("variance")
    if isinstance(variance, Mapping):
        parts.append("<h3>Variance of the outcome</h3>")
        parts.append(
            _table(
                ["part", "value"],
                [
                    [
                        (_e(k.replace("_", " ")), "name"),
                        (_interval(v) if isinstance(v, list) else _num(v), "num"),
                    ]
                    for k, v in variance.items()
                ],
            )
        )
    return "".join(parts)


def _discover_tables(folder: Path, data: Mapping[str, Any] | None) -> str:
    parts = []
    text = folder / "discovery.txt"
    if text.is_file():
        parts.append(f"<pre>{_e(text.read_text(encoding='utf-8'))}</pre>")
    boxes = (data or {}).get("boxes") or []
    if boxes:
        parts.append("<h3>Boxes</h3>")
        parts.append(
            _table(
                [
                    "box",
                    "description",
                    "coverage",
                    "density",
                    "95% interval",
                    "mass",
                    "significant",
                ],
                [
                    [
                        (str(i), "num"),
                        (_e(b.get("description", "")), ""),
                        (_num(b.get("coverage")), "num"),
                        (_num(b.get("density")), "num"),
                        (_interval(b.get("density_ci95")), "num"),
                        (_num(b.get("mass")), "num"),
                        ("yes" if b.get("significant") else "no", "name"),
                    ]
                    for i, b in enumerate(boxes, start=1)
                ],
            )
        )
    return "".join(parts)


# ---- scenario parameters and their sources ---------------------------------------------


def _leaf_text(value: Any) -> str:
    if isinstance(value, Mapping) and "dist" in value:
        args = ", ".join(f"{k}={v}" for k, v in value.items() if k not in ("dist", "source"))
        return f"{value['dist']}({args})"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _sources(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, Mapping):
        text = value.get("quote") or value.get("text") or value.get("judgement")
        return [str(text)] if text else [json.dumps(value, ensure_ascii=False)]
    return [str(value)]


def parameter_rows(scenario: Mapping[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    """Every value of a scenario file as (dotted path, value, sources): the sources are
    the ``source`` entries of the mapping that holds the value (how a scenario file
    attaches quotes to the values they support), or of the value itself (a distribution
    with its own ``source``). The file's top-level ``source`` is about the whole scenario
    and is not repeated on every value."""

    def walk(node: Any, path: str, held: list[str]) -> Iterator[tuple[str, str, list[str]]]:
        if isinstance(node, Mapping) and "dist" not in node:
            own = _sources(node.get("source")) if path else []
            for key, value in node.items():
                if key == "source":
                    continue
                yield from walk(value, f"{path}.{key}" if path else str(key), own)
        elif isinstance(node, list) and any(isinstance(v, Mapping) for v in node):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}.{i}", held)
        else:
            own = _sources(node.get("source")) if isinstance(node, Mapping) else []
            yield path, _leaf_text(node), own or held

    yield from walk(scenario, "", [])


def _scenario_section(folder: Path, manifest: Mapping[str, Any] | None) -> str:
    path = folder / "scenario.yaml"
    note = ""
    if not path.is_file():
        # compare, sweep and sensitivity keep no copy: fall back on the files the manifest
        # names, when they are still there and unchanged
        files = (manifest or {}).get("scenario_files") or []
        found = []
        for f in files:
            candidate = Path(f.get("path", ""))
            if candidate.is_file():
                same = hashlib.sha256(candidate.read_bytes()).hexdigest() == f.get("sha256")
                found.append((candidate, same))
        if not found:
            return (
                "<p>This results folder keeps no copy of its scenario, and the file the "
                "manifest names is not at hand; see the manifest for its path and hash.</p>"
            )
        parts = []
        for candidate, same in found:
            state = "unchanged since the run" if same else "CHANGED since the run (hash differs)"
            parts.append(
                f"<h3>{_e(candidate)}</h3><p>Read from the path the manifest names ({state}).</p>"
                + _parameter_table(candidate)
            )
        return "".join(parts)
    return note + _parameter_table(path)


def _parameter_table(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return f"<p>{_e(path.name)} could not be read ({_e(exc)}).</p>"
    if not isinstance(data, Mapping):
        return f"<p>{_e(path.name)} is not a scenario mapping.</p>"
    rows = []
    for key, value, sources in parameter_rows(data):
        if key in ("description",):
            continue
        cited = "<br>".join(f"“{_e(s)}”" for s in sources)
        rows.append([(f"<code>{_e(key)}</code>", "name"), (_e(value), ""), (cited, "src")])
    description = data.get("description")
    intro = f"<p>{_e(description)}</p>" if description else ""
    general = _sources(data.get("source"))
    if general:
        intro += (
            "<p>Sources for the scenario as a whole:</p><ul>"
            + "".join(f"<li>“{_e(s)}”</li>" for s in general)
            + "</ul>"
        )
    return intro + _table(["parameter", "value", "source the file cites for it"], rows)


# ---- figures ---------------------------------------------------------------------------


# the run's figures in reading order; any other figure follows, by name
FIGURE_ORDER = (
    "outcomes",
    "terms",
    "time_to_end",
    "end_state",
    "agreement_by_strikes",
    "round_paths",
    "offers",
)


def _one_per_figure(files: list[Path]) -> list[Path]:
    """One file per figure (a folder redrawn in another format holds both): the one the
    page can show (PNG or SVG) drawn last; figures in :data:`FIGURE_ORDER`."""

    def preference(p: Path) -> tuple[bool, float]:
        return (p.suffix.lower() in (".png", ".svg"), p.stat().st_mtime)

    best: dict[str, Path] = {}
    for p in files:
        if p.stem not in best or preference(p) > preference(best[p.stem]):
            best[p.stem] = p
    rank = {name: i for i, name in enumerate(FIGURE_ORDER)}
    return sorted(best.values(), key=lambda p: (rank.get(p.stem, len(rank)), p.name))


def _figures(folder: Path) -> str:
    plots = folder / "plots"
    files = sorted(p for p in plots.iterdir() if p.is_file()) if plots.is_dir() else []
    files = _one_per_figure([p for p in files if not p.name.startswith(".")])
    if not files:
        return (
            "<p>No figures in this folder (run without <code>--no-plots</code>, or "
            "<code>negsim plot</code>).</p>"
        )
    parts = []
    for p in files:
        caption = f"<figcaption>plots/{_e(p.name)}</figcaption>"
        suffix = p.suffix.lower()
        if suffix == ".png":
            data = base64.b64encode(p.read_bytes()).decode("ascii")
            parts.append(
                f'<figure id="fig-{_e(p.stem)}"><img src="data:image/png;base64,{data}" '
                f'alt="{_e(p.stem.replace("_", " "))}">{caption}</figure>'
            )
        elif suffix == ".svg":
            text = p.read_text(encoding="utf-8")
            start = text.find("<svg")
            parts.append(f'<figure id="fig-{_e(p.stem)}">{text[start:]}{caption}</figure>')
        else:
            parts.append(
                f"<p>plots/{_e(p.name)}: a {_e(suffix[1:].upper())} file, not shown in the "
                "page (draw PNG or SVG figures to see them here).</p>"
            )
    return "".join(parts)


# ---- the page --------------------------------------------------------------------------


def render_report(results_dir: str | Path) -> str:
    """The HTML text of a results folder's report (see the module docstring)."""
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder")
    kind = folder_kind(folder)
    manifest = _json(folder, "manifest.json")
    summary = _json(folder, "summary.json")
    scenario = (
        (summary or {}).get("scenario")
        or (_json(folder, "sensitivity.json") or {}).get("scenario")
        or (_json(folder, "discovery.json") or {}).get("scenario")
        or ""
    )
    if kind == "compare":
        table = _json(folder, "compare.json") or {}
        scenario = " vs ".join(str(r.get("scenario")) for r in table.get("rows", []))
        results = _compare_tables(table)
    elif kind == "sweep":
        results = _csv_table(folder / "sweep.csv") if (folder / "sweep.csv").is_file() else ""
        sweep = (manifest or {}).get("sweep") or {}
        if sweep:
            results = (
                "<p>Swept: "
                + "; ".join(
                    f"<code>{_e(k)}</code> over {_e(', '.join(map(str, v)))}"
                    for k, v in sweep.items()
                )
                + "</p>"
                + results
            )
    elif kind == "sensitivity":
        results = _sensitivity_tables(_json(folder, "sensitivity.json") or {})
    elif kind == "discover":
        results = _discover_tables(folder, _json(folder, "discovery.json"))
        if summary:
            results = _run_tables(summary) + "<h3>Scenario discovery (PRIM)</h3>" + results
    else:
        results = _run_tables(summary or {})
    if not scenario and manifest:
        files = manifest.get("scenario_files") or []
        scenario = ", ".join(Path(f.get("path", "")).stem for f in files)
    title = f"negsim {kind}: {scenario}" if scenario else f"negsim {kind}"
    meta = []
    if isinstance(manifest, Mapping):
        for key in ("seed", "runs", "started", "finished"):
            if key in manifest:
                meta.append(f"{key} {_e(manifest[key])}")
    manifest_html = (
        _table(
            ["key", "value"],
            [
                [
                    (_e(k), "name"),
                    (_e(v if isinstance(v, str | int | float) else json.dumps(v)), ""),
                ]
                for k, v in manifest.items()
                if k not in ("versions", "scenario_files")
            ],
        )
        + "<h3>Versions</h3>"
        + _table(
            ["library", "version"],
            [
                [(_e(k), "name"), (_e(v), "num")]
                for k, v in (manifest.get("versions") or {}).items()
            ],
        )
        + "<h3>Scenario files</h3>"
        + _table(
            ["path", "sha256"],
            [
                [(_e(f.get("path")), "name"), (f"<code>{_e(f.get('sha256'))}</code>", "")]
                for f in manifest.get("scenario_files") or []
            ],
        )
        + "<details><summary>manifest.json</summary>"
        + f"<pre>{_e(json.dumps(manifest, indent=2))}</pre></details>"
        if isinstance(manifest, Mapping)
        else "<p>No manifest.json in this folder.</p>"
    )
    sections = [
        ("results", "Results", results),
        ("figures", "Figures", _figures(folder)),
        ("scenario", "Scenario parameters and their sources", _scenario_section(folder, manifest)),
        ("manifest", "How this was produced (manifest)", manifest_html),
    ]
    nav = "".join(f'<a href="#{sid}">{_e(name)}</a>' for sid, name, _ in sections)
    body = "".join(
        f'<section id="{sid}"><h2>{_e(name)}</h2>{content}</section>'
        for sid, name, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no network: nothing but inline styles and data: images may load
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_e(title)}</h1><p class="meta">{" · ".join(meta)} · folder {_e(folder.name)}</p>'
        f"<nav>{nav}</nav>{body}</body></html>\n"
    )


def write_report(results_dir: str | Path) -> Path:
    """Write ``report.html`` into ``results_dir`` (atomically) and return its path.

    Works for every kind of results folder (``run``, ``compare``, ``sweep``,
    ``sensitivity``, ``discover``) from its files alone; call it after the figures are
    drawn so that they are in the page. Raises ValueError for a folder that is not a
    negsim results folder.
    """
    folder = Path(results_dir)
    text = render_report(folder)
    target = folder / REPORT_NAME
    write_text_atomic(target, text)
    return target
