"""The treatment flowchart: the algorithm graph drawn by Graphviz (DOT) as a standalone SVG.

view(guideline) holds the nodes in pathway order (the order of the protocol's text equivalent), their
labels, the statement numbers each rests on, and the edges; render(view, deps) writes DOT from the
templates/flowchart/flowchart.dot template, runs the `graphviz-pure` dot command and sets the SVG's
<title> and <desc>. Everything that goes into DOT is escaped; the output is deterministic.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from generator.content.guideline import Guideline
from generator.content.pathway import Pathway
from generator.content.paths import TEMPLATES
from generator.render.environment import environment
from generator.render.typography import dashes
from generator.render.numbering import number_key, statement_numbers
from generator.errors import GuidelineError
from generator.render.process import child_dies_with_parent

DOT_COMMAND = "graphviz-pure"
WRAP = {"start": 20, "end": 20, "action": 20, "decision": 24}  # characters per line of a label
TIMEOUT_S = 60


class FlowchartError(GuidelineError):
    """Graphviz could not draw the flowchart (missing command, or it failed)."""


# --------------------------------------------------------------------------- view


def pathway(g: Guideline, graph: Pathway | None = None) -> list[dict]:
    """The algorithm as numbered steps (content/pathway.py's one graph): label, statement markers and
    outgoing edges to step numbers. The flowchart and the protocol's step list both print this."""
    numbers = statement_numbers(g)
    graph = graph or Pathway.of(g)
    steps = []
    for step in graph.steps:
        node = step.node
        steps.append(
            {
                "step": step.number,
                "id": node.id,
                "kind": node.kind,
                "label": node.label,
                "detail": node.detail,
                "statements": sorted({numbers[s] for s in node.statements if s in numbers}, key=number_key),
                "edges": [
                    {
                        "to": graph.by_id[e.target].number,
                        "to_id": e.target,
                        "to_label": graph.by_id[e.target].node.label,
                        "label": e.label,
                        "loop": e.loop,
                    }
                    for e in step.edges
                ],
            }
        )
    return steps


def view(g: Guideline, given=None) -> dict:
    """What the drawing shows. Node details are not drawn (on A4 they would shrink every label below a
    legible size): the protocol's step-by-step list prints them in full. The page size decides how
    large a part-figure may be (see `figure_box`)."""
    algorithm = g.algorithm
    return {
        "title": algorithm.title if algorithm else "Treatment algorithm",
        "description": algorithm.description if algorithm else "",
        "page_size": g.meta.output.page_size if g.meta is not None else "A4",
        "steps": [
            {**{k: v for k, v in step.items() if k not in ("id", "detail", "edges")},
             "edges": [{k: v for k, v in e.items() if k not in ("to_label", "to_id")} for e in step["edges"]]}
            for step in pathway(g)
        ],
    }


# --------------------------------------------------------------------------- sizes

FILE = "flowchart.svg"  # the whole pathway in one drawing; part-figures are flowchart-<id>.svg beside it
LABEL_PT, MARKER_PT, EDGE_PT = 11, 10, 10  # the font sizes of the drawing (templates/flowchart/flowchart.dot)
MIN_PRINTED_PT = 9  # no text of a printed figure is smaller
MIN_SCALE = MIN_PRINTED_PT / min(LABEL_PT, MARKER_PT, EDGE_PT)  # so a figure may be printed at 90% at least
MAX_SCALE = 1.5  # ... and at 150% at most (a small figure fills the page width without poster-size text)
PAD_PT = (12, 7)  # room between a box's label and its edge (x, y), in points
LINE_GAP = 1.2  # line height as a multiple of the font size
DIAMOND_T = 0.6  # a decision's diamond: its label box takes 40% of its width and 60% of its height

MM = 72 / 25.4
PAGES_MM = {"A4": (210, 297), "letter": (215.9, 279.4), "A5": (148, 210)}
# templates/protocol/protocol.css: page margins 15 mm left and right, 20 mm top and bottom; the
# figure leaves 30 mm of its page for the chapter heading and its caption (`.flowchart img`).
MARGINS_MM = (30, 40 + 30)


def figure_box(page_size: str) -> tuple[float, float]:
    """The (width, height) in points a figure may take on a page of that size."""
    w, h = PAGES_MM[page_size]
    return (w - MARGINS_MM[0]) * MM, (h - MARGINS_MM[1]) * MM


def layout_box(page_size: str) -> tuple[float, float]:
    """The box part-figures are cut to fit: A4 and letter share one (the smaller of each side), so the
    same figures print with 9 pt text or more on either, whichever the guideline names."""
    sizes = [figure_box("A4"), figure_box("letter")] if page_size in ("A4", "letter") else [figure_box(page_size)]
    return min(w for w, _ in sizes), min(h for _, h in sizes)


def printed_scale(width: float, height: float, page_size: str) -> float:
    """How much a figure of (width, height) points is enlarged or reduced on the page: as wide as the
    page allows, within its height, at most MAX_SCALE. A figure laid out by `render` is never printed
    below MIN_SCALE (unless one step alone is too large for a page)."""
    box_w, box_h = figure_box(page_size)
    return min(box_w / width, box_h / height, MAX_SCALE)


# --------------------------------------------------------------------------- labels


def html_label(text: str, width: int) -> str:
    """Text for a Graphviz HTML-like label: wrapped into lines, each escaped (& < > " ')."""
    return _escape_lines(_wrapped(text, width))


@lru_cache(maxsize=4)
def _font(name: str):
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency: measures with the font the PDF embeds

    font = TTFont(str(TEMPLATES / "fonts" / name), lazy=True)
    return font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of `text` in points, set in the bundled Liberation Sans at `size`."""
    cmap, hmtx, units = _font("LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf")
    fallback = hmtx[cmap.get(ord("n"), ".notdef")][0]
    return sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else fallback for c in text) * size / units


def _wrapped(text: str, width: int) -> list[str]:
    return textwrap.wrap(dashes(" ".join(text.split())), width=width, break_long_words=True, break_on_hyphens=False) or [""]


def node_size(kind: str, lines: list[str], markers: list[str], size: float = LABEL_PT) -> tuple[float, float]:
    """The least (width, height) in inches a node needs for its label with real font metrics.

    Graphviz sizes nodes with its own estimate of the text; giving it the measured size as the
    minimum keeps every label inside its shape. A label box (w, h) centred in a diamond (W, H) is
    inside it when w/W + h/H <= 1: a decision gets W = w/(1-t), H = h/t with t = DIAMOND_T, flatter
    than the square 2w x 2h because pages have more room across than down a chain of decisions.
    """
    w = max([text_width(line, size) for line in lines] + [text_width(m, MARKER_PT, bold=True) for m in markers])
    h = LINE_GAP * (size * len(lines) + MARKER_PT * len(markers))
    w, h = w + 2 * PAD_PT[0], h + 2 * PAD_PT[1]
    if kind == "decision":
        w, h = w / (1 - DIAMOND_T), h / DIAMOND_T
    return round(w / 72, 3), round(h / 72, 3)


def _escape_lines(lines: list[str]) -> str:
    # graphviz-pure expands escapes such as \N (the node name) even in HTML-like labels, before or after
    # entities are decoded; a doubled backslash is its literal backslash.
    return "<BR/>".join(xml_escape(line.replace("\\", "\\\\"), {'"': "&quot;", "'": "&#39;"}) for line in lines)


# --------------------------------------------------------------------------- splitting into part-figures


def dominators(steps: list[dict]) -> dict[int, set[int]]:
    """Each step's dominators over the forward edges (declared loops left out): the steps every route
    from the start passes through, itself included. A step the start never reaches has only itself."""
    order = [s["step"] for s in steps]
    preds: dict[int, set[int]] = {n: set() for n in order}
    for s in steps:
        for e in s["edges"]:
            if not e["loop"] and e["to"] in preds:
                preds[e["to"]].add(s["step"])
    start = order[0] if order else None
    reached = {start} if start is not None else set()
    frontier = [start] if start is not None else []
    by_step = {s["step"]: s for s in steps}
    while frontier:
        n = frontier.pop()
        for e in by_step[n]["edges"]:
            if not e["loop"] and e["to"] in by_step and e["to"] not in reached:
                reached.add(e["to"])
                frontier.append(e["to"])
    dom = {n: ({n} if n == start or n not in reached else set(reached)) for n in order}
    changed = True
    while changed:
        changed = False
        for n in order:
            if n == start or n not in reached:
                continue
            inter = set.intersection(*(dom[p] for p in preds[n] if p in reached)) if preds[n] & reached else set()
            new = inter | {n}
            if new != dom[n]:
                dom[n], changed = new, True
    return dom


def split(steps: list[dict], fits) -> list[list[int]]:
    """The pathway's steps in part-figures, each of which `fits(part)` (a list of step numbers).

    End steps are not assigned: every part that leads to one draws it. The rest is cut greedily
    from the graph: while the steps left do not fit one figure, the largest region entered through
    one step only (that step and all it dominates) that fits becomes a part. Regions entered once
    keep a branch together and need one incoming connector. Parts are in reading order (their
    first step). A region that cannot be cut further is kept whole (printed smaller).
    """
    ends = {s["step"] for s in steps if s["kind"] == "end"}
    dom = dominators(steps)
    left = [s["step"] for s in steps if s["step"] not in ends]
    parts: list[list[int]] = []
    while left:
        if fits(left):
            parts.append(left)
            break
        regions = [[u for u in left if v in dom[u]] for v in left[1:]]
        regions.sort(key=lambda r: (-len(r), r[0]))
        cut = next((r for r in regions if len(r) < len(left) and fits(r)), None)
        if cut is None:
            parts.append(left)
            break
        parts.append(cut)
        left = [u for u in left if u not in cut]
    return merged(steps, parts, fits)


def merged(steps: list[dict], parts: list[list[int]], fits) -> list[list[int]]:
    """Join two parts linked by an edge while their union fits one figure (smallest union first):
    the greedy cuts can leave a step or two on their own."""
    linked = {(s["step"], e["to"]) for s in steps for e in s["edges"]}
    parts = [sorted(p) for p in parts]
    while True:
        pairs = sorted(
            ((a, b) for a in range(len(parts)) for b in range(a + 1, len(parts))
             if any((u, v) in linked or (v, u) in linked for u in parts[a] for v in parts[b])),
            key=lambda ab: (len(parts[ab[0]]) + len(parts[ab[1]]), ab),
        )
        join = next(((a, b) for a, b in pairs if fits(sorted(parts[a] + parts[b]))), None)
        if join is None:
            return sorted(parts, key=lambda p: p[0])
        a, b = join
        parts = [p for i, p in enumerate(parts) if i not in join] + [sorted(parts[a] + parts[b])]


def part_ids(parts: list[list[int]]) -> list[str]:
    """Figure numbers: '1' for a single figure, else 1a, 1b, ... (then 1aa, 1ab, ...)."""
    if len(parts) == 1:
        return ["1"]
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(len(parts)):
        tag = letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]
        out.append("1" + tag)
    return out


# --------------------------------------------------------------------------- DOT


def _node(step: dict) -> dict:
    lines = _wrapped(step["label"], WRAP.get(step["kind"], 28))
    markers = _wrapped(", ".join(step["statements"]), 40) if step["statements"] else []
    width, height = node_size(step["kind"], lines, markers)
    return {
        "name": f"n{step['step']}",
        "kind": step["kind"],
        "label": _escape_lines(lines),
        "markers": _escape_lines(markers) if markers else "",
        "width": width,
        "height": height,
    }


def _connector(name: str, lines: list[str], href: str | None, anchor: str) -> dict:
    width, height = node_size("connector", lines, [], EDGE_PT)
    return {"name": name, "kind": "connector", "label": _escape_lines(lines), "markers": "", "width": width,
            "height": height, "href": href, "id": anchor}


def _edge_label(text: str | None) -> str:
    if not text:
        return ""
    # no-break spaces either side keep the arrow off the label's first and last letters
    return "&#160;&#160;" + html_label(text, 18).replace("<BR/>", "&#160;&#160;<BR/>&#160;&#160;") + "&#160;&#160;"


def dot_source(view: dict, part: list[int] | None = None, figure_of: dict[int, str] | None = None) -> str:
    """DOT for the whole pathway, or for one part-figure: its steps, the end steps they lead to, and a
    connector for every edge that leaves or enters the part ("Continues in Figure 1b: ...", "From
    Figure 1a"), each linking to that figure's SVG file."""
    by_step = {s["step"]: s for s in view["steps"]}
    if part is None:
        members = list(by_step)
    else:
        members = list(part)
        for n in part:
            for e in by_step[n]["edges"]:
                if by_step[e["to"]]["kind"] == "end" and e["to"] not in members:
                    members.append(e["to"])
        members.sort()
    inside = set(members)
    nodes = [_node(by_step[n]) for n in members]
    edges = []
    outgoing: dict[int, str] = {}
    for n in members:
        for e in by_step[n]["edges"]:
            head = f"n{e['to']}"
            if e["to"] not in inside:
                figure = figure_of[e["to"]]
                if e["to"] not in outgoing:
                    verb = "Returns to" if e["loop"] else "Continues in"
                    lines = [f"{verb} Figure {figure}:"] + _wrapped(by_step[e["to"]]["label"], WRAP["action"] + 4)
                    outgoing[e["to"]] = f"to{e['to']}"
                    nodes.append(_connector(f"to{e['to']}", lines, f"flowchart-{figure}.svg", f"to-figure-{figure}"))
                head = outgoing[e["to"]]
            # a loop within the figure is a dashed back-edge that does not rank; one leaving it is dashed only
            edges.append({"tail": f"n{n}", "head": head, "label": _edge_label(e["label"]), "dashed": e["loop"],
                          "constraint": not (e["loop"] and e["to"] in inside)})
    if part is not None:
        incoming: dict[tuple[str, int], bool] = {}
        for s in view["steps"]:
            if s["step"] in inside:
                continue
            for e in s["edges"]:
                if e["to"] in inside and by_step[e["to"]]["kind"] != "end" and s["kind"] != "end":
                    key = (figure_of[s["step"]], e["to"])
                    incoming[key] = incoming.get(key, True) and e["loop"]
        for (figure, target), loop in sorted(incoming.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            name = f"from{figure}to{target}"
            nodes.append(_connector(name, [f"From Figure {figure}"], f"flowchart-{figure}.svg", f"from-figure-{figure}"))
            edges.append({"tail": name, "head": f"n{target}", "label": "", "dashed": loop, "constraint": True})
    return environment().get_template("flowchart/flowchart.dot").render(
        nodes=nodes, edges=edges, label_pt=LABEL_PT, marker_pt=MARKER_PT, edge_pt=EDGE_PT
    )


@lru_cache(maxsize=1)
def dot_command() -> str:
    """The graphviz-pure dot command installed with this Python, else one on PATH."""
    beside = Path(sys.executable).parent / DOT_COMMAND
    if beside.is_file():
        return str(beside)
    found = shutil.which(DOT_COMMAND)  # not Debian's dot: its escaping of HTML-like labels differs
    if not found:
        raise FlowchartError(f"the {DOT_COMMAND!r} command is missing: run `make venv`")
    return found


def run_dot(source: str) -> bytes:
    env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "SOURCE_DATE_EPOCH": "0"}
    try:
        done = subprocess.run(
            [dot_command(), "-Tsvg"], input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S, env=env,
            preexec_fn=child_dies_with_parent(),  # a build killed with kill -9 leaves no graphviz running
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FlowchartError(f"could not run {DOT_COMMAND}: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise FlowchartError(f"{DOT_COMMAND} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")
_COMMENT = re.compile(rb"<!--.*?-->\n?", re.S)
_SIZE = re.compile(rb'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')


def svg_size(svg: bytes) -> tuple[float, float]:
    """The drawing's (width, height) in points, as Graphviz wrote them on the <svg> element."""
    match = _SIZE.search(svg)
    if not match:
        raise FlowchartError(f"{DOT_COMMAND} did not produce an SVG")
    return float(match.group(1)), float(match.group(2))


def label_svg(svg: bytes, title: str, description: str, figure: str | None = None) -> bytes:
    """Give the drawing an accessible name and description, and drop Graphviz's comments."""
    svg = _COMMENT.sub(b"", svg)
    # Graphviz sized the labels with Liberation Sans (Arial's metrics): let viewers without it use Arial.
    svg = svg.replace(b'font-family="Liberation Sans"', b'font-family="Liberation Sans, Arial, Helvetica, sans-serif"')
    match = _SVG_OPEN.search(svg)
    if not match:
        raise FlowchartError(f"{DOT_COMMAND} did not produce an SVG")
    tag = match.group()
    extra = f' data-figure="{figure}"'.encode() if figure else b""
    accessible = tag[:-1] + b' role="img" aria-labelledby="flowchart-title flowchart-desc"' + extra + b">"
    head = (
        f'\n<title id="flowchart-title">{xml_escape(title)}</title>'
        f'\n<desc id="flowchart-desc">{xml_escape(description)}</desc>'
    ).encode("utf-8")
    return svg[: match.start()] + accessible + head + svg[match.end() :]


def step_ranges(numbers: list[int]) -> str:
    """'1–4, 6 and 9–10' for [1, 2, 3, 4, 6, 9, 10]."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    texts = [f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def render(view: dict, deps: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """flowchart.svg (the whole pathway), and when that is too large to print with MIN_PRINTED_PT text
    on the page, one flowchart-<id>.svg per part-figure (see `split`)."""
    title, description = dashes(view["title"]), dashes(view["description"])
    whole = run_dot(dot_source(view))
    box_w, box_h = layout_box(view["page_size"])
    limit_w, limit_h = box_w / MIN_SCALE, box_h / MIN_SCALE

    def fits_svg(svg: bytes) -> bool:
        w, h = svg_size(svg)
        return w <= limit_w and h <= limit_h

    if not view["steps"] or fits_svg(whole):
        return {FILE: label_svg(whole, title, description)}

    ends = {s["step"] for s in view["steps"] if s["kind"] == "end"}
    cache: dict[tuple[int, ...], bool] = {}

    def fits(part: list[int]) -> bool:
        key = tuple(part)
        if key not in cache:  # laid out with placeholder figure numbers: they are all the same length
            provisional = {s["step"]: "1x" for s in view["steps"]}
            cache[key] = fits_svg(run_dot(dot_source(view, part, provisional)))
        return cache[key]

    parts = split(view["steps"], fits)
    ids = part_ids(parts)
    figure_of = {n: fid for part, fid in zip(parts, ids) for n in part}  # end steps are drawn where they are reached
    files = {FILE: label_svg(whole, title, description + " The whole pathway in one drawing; the protocol prints it"
                             f" in {len(parts)} linked parts (Figures {ids[0]}–{ids[-1]}).")}
    by_step = {s["step"]: s for s in view["steps"]}
    for part, fid in zip(parts, ids):
        drawn = sorted(set(part) | {e["to"] for n in part for e in by_step[n]["edges"] if e["to"] in ends})
        svg = run_dot(dot_source(view, part, figure_of))
        files[f"flowchart-{fid}.svg"] = label_svg(
            svg,
            f"{title}, Figure {fid} (part {ids.index(fid) + 1} of {len(ids)})",
            f"Steps {step_ranges(drawn)} of the pathway. {description}",
            figure=fid,
        )
    return files


# --------------------------------------------------------------------------- reading the figures back


SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_POINTS = re.compile(r"-?\d+(?:\.\d+)?")


def figures(deps: dict[str, bytes], name: str = "flowchart") -> list[dict]:
    """The figures a document shows, from the flowchart's files as the build passes them
    (deps[name] and deps[f"{name}/flowchart-<id>.svg"]): for each, its id, file, size in points, the
    steps drawn, and its connectors (target figure, direction, and box in % of the figure)."""
    import xml.etree.ElementTree as ET

    parts = sorted((k.split("/", 1)[1], v) for k, v in deps.items() if k.startswith(name + "/"))
    if not parts:
        parts = [(FILE, deps[name])] if name in deps else []
    out = []
    for filename, svg in parts:
        root = ET.fromstring(svg)
        width, height = svg_size(svg)
        graph = root.find(f"{SVG_NS}g")
        tx, ty = _translate(graph.get("transform", "") if graph is not None else "")
        steps, connectors = [], []
        for g in root.iter(f"{SVG_NS}g"):
            classes = (g.get("class") or "").split()
            if "node" not in classes:
                continue
            title = g.find(f"{SVG_NS}title")
            if "connector" not in classes:
                if title is not None and re.fullmatch(r"n\d+", title.text or ""):
                    steps.append(int(title.text[1:]))
                continue
            link = g.find(f".//{SVG_NS}a")
            href = link.get(XLINK_HREF) if link is not None else None
            target = re.fullmatch(r"flowchart-(\w+)\.svg", href or "")
            xs, ys = [], []
            for shape in g.iter():
                coords = shape.get("points") or shape.get("d")
                if shape.tag in (f"{SVG_NS}polygon", f"{SVG_NS}path") and coords:
                    numbers = [float(v) for v in _POINTS.findall(coords)]
                    xs += numbers[0::2]
                    ys += numbers[1::2]
            if not target or not xs:
                continue
            text = " ".join(" ".join((t.text or "").split()) for t in g.iter(f"{SVG_NS}text")).strip()
            connectors.append(
                {
                    "figure": target.group(1),
                    "direction": "from" if (g.get("id") or "").startswith("from-") else "to",
                    "text": text,
                    "box": [
                        round(100 * (min(xs) + tx) / width, 2),
                        round(100 * (min(ys) + ty) / height, 2),
                        round(100 * (max(xs) - min(xs)) / width, 2),
                        round(100 * (max(ys) - min(ys)) / height, 2),
                    ],
                }
            )
        out.append(
            {
                "id": root.get("data-figure") or "1",
                "file": filename,
                "width": width,
                "height": height,
                "steps": sorted(set(steps)),
                "connectors": connectors,
            }
        )
    return out


def _translate(transform: str) -> tuple[float, float]:
    match = re.search(r"translate\(\s*(-?[\d.]+)[ ,]+(-?[\d.]+)\s*\)", transform)
    return (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)
