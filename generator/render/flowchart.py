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

from generator.content.loader import Guideline
from generator.content.pathway import Pathway
from generator.content.paths import TEMPLATES
from generator.render.environment import environment
from generator.render.typography import dashes
from generator.render.numbering import number_key, statement_numbers

DOT_COMMAND = "graphviz-pure"
WRAP = {"start": 20, "end": 20, "action": 20, "decision": 24}  # characters per line of a label
TIMEOUT_S = 60


class FlowchartError(Exception):
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


def view(g: Guideline) -> dict:
    """What the drawing shows. Node details are not drawn (on A4 they would shrink every label below a
    legible size): the protocol's step-by-step list prints them in full."""
    algorithm = g.algorithm
    return {
        "title": algorithm.title if algorithm else "Treatment algorithm",
        "description": algorithm.description if algorithm else "",
        "steps": [
            {**{k: v for k, v in step.items() if k not in ("id", "detail", "edges")},
             "edges": [{k: v for k, v in e.items() if k not in ("to_label", "to_id")} for e in step["edges"]]}
            for step in pathway(g)
        ],
    }


# --------------------------------------------------------------------------- render


def html_label(text: str, width: int) -> str:
    """Text for a Graphviz HTML-like label: wrapped into lines, each escaped (& < > " ')."""
    return _escape_lines(_wrapped(text, width))


LABEL_PT, MARKER_PT, EDGE_PT = 12, 10, 11  # the font sizes of templates/flowchart/flowchart.dot
PAD_PT = (12, 7)  # room between a box's label and its edge (x, y), in points
LINE_GAP = 1.2  # line height as a multiple of the font size


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


def node_size(kind: str, lines: list[str], markers: list[str]) -> tuple[float, float]:
    """The least (width, height) in inches a node needs for its label with real font metrics.

    Graphviz sizes nodes with its own estimate of the text; giving it the measured size as the
    minimum keeps every label inside its shape. A diamond's inscribed rectangle is half its width
    and height, so a decision needs twice the label's box.
    """
    w = max([text_width(line, LABEL_PT) for line in lines] + [text_width(m, MARKER_PT, bold=True) for m in markers])
    h = LINE_GAP * (LABEL_PT * len(lines) + MARKER_PT * len(markers))
    w, h = w + 2 * PAD_PT[0], h + 2 * PAD_PT[1]
    if kind == "decision":
        w, h = 2 * w - PAD_PT[0], 2 * h - PAD_PT[1]
    return round(w / 72, 3), round(h / 72, 3)


def _escape_lines(lines: list[str]) -> str:
    # graphviz-pure expands escapes such as \N (the node name) even in HTML-like labels, before or after
    # entities are decoded; a doubled backslash is its literal backslash.
    return "<BR/>".join(xml_escape(line.replace("\\", "\\\\"), {'"': "&quot;", "'": "&#39;"}) for line in lines)


def dot_source(view: dict) -> str:
    nodes = []
    for step in view["steps"]:
        lines = _wrapped(step["label"], WRAP.get(step["kind"], 28))
        markers = _wrapped(", ".join(step["statements"]), 40) if step["statements"] else []
        width, height = node_size(step["kind"], lines, markers)
        nodes.append(
            {
                "name": f"n{step['step']}",
                "kind": step["kind"],
                "label": _escape_lines(lines),
                "markers": _escape_lines(markers) if markers else "",
                "width": width,
                "height": height,
            }
        )
    edges = []
    for step in view["steps"]:
        for edge in step["edges"]:
            edges.append(
                {
                    "tail": f"n{step['step']}",
                    "head": f"n{edge['to']}",
                    # no-break spaces either side keep the arrow off the label's first and last letters
                    "label": "&#160;&#160;" + html_label(edge["label"], 18).replace("<BR/>", "&#160;&#160;<BR/>&#160;&#160;") + "&#160;&#160;" if edge["label"] else "",
                    "loop": edge["loop"],
                }
            )
    return environment().get_template("flowchart/flowchart.dot").render(nodes=nodes, edges=edges)


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
            [dot_command(), "-Tsvg"], input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FlowchartError(f"could not run {DOT_COMMAND}: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise FlowchartError(f"{DOT_COMMAND} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")
_COMMENT = re.compile(rb"<!--.*?-->\n?", re.S)


def label_svg(svg: bytes, title: str, description: str) -> bytes:
    """Give the drawing an accessible name and description, and drop Graphviz's comments."""
    svg = _COMMENT.sub(b"", svg)
    # Graphviz sized the labels with Liberation Sans (Arial's metrics): let viewers without it use Arial.
    svg = svg.replace(b'font-family="Liberation Sans"', b'font-family="Liberation Sans, Arial, Helvetica, sans-serif"')
    match = _SVG_OPEN.search(svg)
    if not match:
        raise FlowchartError(f"{DOT_COMMAND} did not produce an SVG")
    tag = match.group()
    accessible = tag[:-1] + b' role="img" aria-labelledby="flowchart-title flowchart-desc">'
    head = (
        f'\n<title id="flowchart-title">{xml_escape(title)}</title>'
        f'\n<desc id="flowchart-desc">{xml_escape(description)}</desc>'
    ).encode("utf-8")
    return svg[: match.start()] + accessible + head + svg[match.end() :]


def render(view: dict, deps: dict[str, bytes] | None = None) -> bytes:
    svg = run_dot(dot_source(view))
    return label_svg(svg, view["title"], view["description"])
