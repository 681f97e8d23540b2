"""The treatment flowchart: every node and branch drawn, markers tie nodes to statements, safe and deterministic."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from generator.render.typography import dashes

from generator.render import flowchart
from tests.render_kit import MINIMAL, REAL, copy_minimal, load, squash

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def text_of(group: ET.Element) -> str:
    return squash(" ".join(t.text or "" for t in group.iter(f"{SVG}text")))


def nodes_by_step(root: ET.Element) -> list[ET.Element]:
    """Node groups in pathway-step order (each group's <title> is n<step>)."""
    found = {int(g.find(f"{SVG}title").text[1:]): g for g in groups(root, "node")}
    return [found[k] for k in sorted(found)]


@pytest.fixture(scope="module")
def minimal_svg() -> bytes:
    g = load(MINIMAL)
    return flowchart.render(flowchart.view(g), {})


def test_standalone_svg_has_title_and_description(minimal_svg):
    root = parse(minimal_svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text == "Oligoprogression pathway (fixture)"
    assert desc.tag == f"{SVG}desc" and desc.text.startswith("From progression on a TKI")


def test_every_node_is_drawn_with_its_label_and_statement_markers(minimal_svg):
    root = parse(minimal_svg)
    drawn = [text_of(g) for g in nodes_by_step(root)]
    expected = [
        "Progression on TKI D1",
        "Limited progression, all sites treatable? D1",
        "Local ablative therapy, continue TKI R1, R2",
        "New progression? R2",
        "Switch systemic therapy R2",
        "Continue TKI and follow-up R2",
    ]
    assert drawn == expected


def test_shapes_follow_the_node_kind(minimal_svg):
    root = parse(minimal_svg)
    nodes = nodes_by_step(root)
    kinds = [s["kind"] for s in flowchart.view(load(MINIMAL))["steps"]]
    for node, kind in zip(nodes, kinds, strict=True):
        polygon = next(node.iter(f"{SVG}polygon"), None)
        path = next(node.iter(f"{SVG}path"), None)
        if kind == "decision":  # a diamond: 4 corners (+ the closing point), corners left/right/top/bottom
            points = [tuple(map(float, p.split(","))) for p in polygon.get("points").split()]
            assert len(points) == 5
            xs = sorted({round(x) for x, _ in points})
            assert len(xs) == 3  # left, centre (top and bottom), right
        elif kind in ("start", "end"):  # rounded boxes are drawn as paths with curves
            assert path is not None and "C" in path.get("d"), kind
        else:  # a plain box: a 4-corner polygon
            assert path is None and len(polygon.get("points").split()) == 5


def test_branches_are_labelled_and_declared_loops_dashed(minimal_svg):
    root = parse(minimal_svg)
    edges = groups(root, "edge")
    assert len(edges) == 7
    labels = sorted(text_of(e) for e in edges if text_of(e))
    assert labels == ["Limited", "No", "None", "Widespread", "Yes"]
    dashed = [text_of(e) for e in edges if e.find(f"{SVG}path").get("stroke-dasharray")]
    assert dashed == ["Limited"]  # the one declared loop (follow-up -> oligo)


def test_view_is_json_and_holds_only_the_algorithm():
    g = load(MINIMAL)
    v = flowchart.view(g)
    json.dumps(v)
    assert [s["label"] for s in v["steps"]] == [
        "Progression on TKI",
        "Limited progression, all sites treatable?",
        "Local ablative therapy, continue TKI",
        "New progression?",
        "Switch systemic therapy",
        "Continue TKI and follow-up",
    ]
    assert "text" not in json.dumps(v)  # no statement text, only statement numbers


def test_hostile_labels_are_escaped_for_dot_and_svg(tmp_path):
    folder = copy_minimal(tmp_path)
    path = folder / "algorithm.yaml"
    hostile = r'Say "yes" & <b>bold</b> \N {x} ]; n9 [label=evil'
    text = path.read_text().replace("label: Progression on TKI", "label: " + json.dumps(hostile))
    text = text.replace('{label: "Yes", to: local}', '{label: "<i>Y</i> & \\"q\\"", to: local}')
    detail = r'Tip: "a" \G & <script>x</script> \N'
    text = text.replace("    label: Switch systemic therapy", "    label: Switch systemic therapy\n    detail: " + json.dumps(detail))
    path.write_text(text)
    g = load(folder)
    svg = flowchart.render(flowchart.view(g), {})
    root = parse(svg)  # still well-formed XML
    nodes = nodes_by_step(root)
    assert text_of(nodes[0]) == squash(hostile) + " D1"
    assert len(nodes) == 6  # no node injected through the label
    assert any(text_of(e) == '<i>Y</i> & "q"' for e in groups(root, "edge"))
    assert b"<b>" not in svg and b"<i>" not in svg and b"<script" not in svg
    assert b"Tip:" not in svg  # details are printed in the protocol's step list, not drawn


def test_rendering_is_deterministic(minimal_svg):
    g = load(MINIMAL)
    assert flowchart.render(flowchart.view(g), {}) == minimal_svg


def test_missing_dot_command_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(flowchart, "dot_command", lambda: "/nonexistent/graphviz-pure")
    with pytest.raises(flowchart.FlowchartError, match="could not run graphviz-pure"):
        flowchart.render(flowchart.view(load(MINIMAL)), {})


@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_real_guideline_flowchart_shows_every_node(folder):
    g = load(folder)
    svg = flowchart.render(flowchart.view(g), {})
    root = parse(svg)
    drawn = " | ".join(text_of(n) for n in groups(root, "node"))
    for node in g.nodes:
        assert dashes(squash(node.label)) in drawn, node.id  # ranges and spaced hyphens print as en dashes
    loops = sum(1 for n in g.nodes for b in n.branches if b.loop)
    assert sum(1 for e in groups(root, "edge") if e.find(f"{SVG}path").get("stroke-dasharray")) == loops
