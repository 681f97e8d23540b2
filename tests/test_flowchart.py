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
    files = flowchart.render(flowchart.view(g), {})
    assert list(files) == ["flowchart.svg"]  # six steps fit one figure: no part-figures
    return files["flowchart.svg"]


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
    svg = flowchart.render(flowchart.view(g), {})[flowchart.FILE]
    root = parse(svg)  # still well-formed XML
    nodes = nodes_by_step(root)
    assert text_of(nodes[0]) == squash(hostile) + " D1"
    assert len(nodes) == 6  # no node injected through the label
    assert any(text_of(e) == '<i>Y</i> & "q"' for e in groups(root, "edge"))
    assert b"<b>" not in svg and b"<i>" not in svg and b"<script" not in svg
    assert b"Tip:" not in svg  # details are printed in the protocol's step list, not drawn


def test_rendering_is_deterministic(minimal_svg):
    g = load(MINIMAL)
    assert flowchart.render(flowchart.view(g), {})[flowchart.FILE] == minimal_svg


def test_missing_dot_command_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(flowchart, "dot_command", lambda: "/nonexistent/graphviz-pure")
    with pytest.raises(flowchart.FlowchartError, match="could not run graphviz-pure"):
        flowchart.render(flowchart.view(load(MINIMAL)), {})


@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_real_guideline_flowchart_shows_every_node(folder):
    g = load(folder)
    svg = flowchart.render(flowchart.view(g), {})[flowchart.FILE]
    root = parse(svg)
    drawn = " | ".join(text_of(n) for n in groups(root, "node"))
    for node in g.nodes:
        assert dashes(squash(node.label)) in drawn, node.id  # ranges and spaced hyphens print as en dashes
    loops = sum(1 for n in g.nodes for b in n.branches if b.loop)
    assert sum(1 for e in groups(root, "edge") if e.find(f"{SVG}path").get("stroke-dasharray")) == loops


# --------------------------------------------------------------------------- part-figures


def as_deps(files: dict[str, bytes]) -> dict[str, bytes]:
    """The flowchart's files as the build engine passes them to the protocol."""
    return {("flowchart" if name == flowchart.FILE else f"flowchart/{name}"): data for name, data in files.items()}


def chain_pathway(tmp_path, decisions: int):
    """A generated pathway (no guideline's own split): start, then `decisions` times an action and a
    decision whose 'No' ends the pathway, a last action that loops back to the first decision."""
    folder = copy_minimal(tmp_path, "chain")
    nodes = ["nodes:", "  - {id: start, kind: start, label: Progression on a targeted therapy, statements: [def-oligoprogression], next: a1}"]
    for i in range(1, decisions + 1):
        after = f"a{i + 1}" if i < decisions else "last"
        nodes += [
            f"  - {{id: a{i}, kind: action, label: 'Action number {i} of the generated pathway', statements: [rec-local-therapy], next: d{i}}}",
            f"  - id: d{i}\n    kind: decision\n    label: Is question number {i} answered with yes?\n    statements: [rec-continue-tki]\n"
            f"    branches:\n      - {{label: 'Yes', to: {after}}}\n      - {{label: 'No: stop here', to: e{i}}}",
            f"  - {{id: e{i}, kind: end, label: 'End number {i}: switch therapy', statements: [rec-continue-tki]}}",
        ]
    nodes += [
        "  - id: last\n    kind: decision\n    label: New progression?\n    statements: [rec-continue-tki]\n"
        "    branches:\n      - {label: Limited, to: d1, loop: true}\n      - {label: None, to: done}",
        "  - {id: done, kind: end, label: Continue and follow up, statements: [rec-continue-tki]}",
    ]
    (folder / "algorithm.yaml").write_text("title: Generated pathway\ndescription: A long generated chain.\n" + "\n".join(nodes) + "\n")
    return load(folder)


def check_part_figures(g, files: dict[str, bytes]) -> list[dict]:
    """Every step is drawn (a non-end step in exactly one part), every figure fits its page with its
    smallest text at 9 pt or more, and every edge between parts has a connector at both ends."""
    view = flowchart.view(g)
    figs = flowchart.figures(as_deps(files))
    assert [f["file"] for f in figs] == sorted(n for n in files if n != flowchart.FILE)
    assert [f["id"] for f in figs] == flowchart.part_ids(figs)
    by_step = {s["step"]: s for s in view["steps"]}
    home: dict[int, list[str]] = {}
    for fig in figs:
        for n in fig["steps"]:
            home.setdefault(n, []).append(fig["id"])
        scale = flowchart.printed_scale(fig["width"], fig["height"], view["page_size"])
        assert scale >= flowchart.MIN_SCALE, (fig["id"], fig["width"], fig["height"])
        root = parse(files[fig["file"]])
        assert root[0].tag == f"{SVG}title" and f"Figure {fig['id']}" in root[0].text
        assert root[1].tag == f"{SVG}desc" and root[1].text.startswith("Steps ")
        assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) * scale >= flowchart.MIN_PRINTED_PT
    assert sorted(home) == sorted(by_step)  # every step is drawn ...
    assert all(len(home[n]) == 1 for n in by_step if by_step[n]["kind"] != "end")  # ... once, but end steps
    ids = {f["id"]: f for f in figs}
    for s in view["steps"]:
        if s["kind"] == "end":
            continue
        (here,) = home[s["step"]]
        for e in s["edges"]:
            if here in home[e["to"]]:
                continue
            (there,) = home[e["to"]]
            out = [c for c in ids[here]["connectors"] if c["direction"] == "to" and c["figure"] == there]
            assert any(squash(dashes(by_step[e["to"]]["label"])) in c["text"] for c in out), (s["step"], e)
            assert any(c["direction"] == "from" and c["figure"] == here for c in ids[there]["connectors"]), (s["step"], e)
    return figs


@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_a_pathway_too_large_for_a_page_is_split_into_linked_part_figures(folder):
    g = load(folder)
    files = flowchart.render(flowchart.view(g), {})
    figs = check_part_figures(g, files)
    assert len(figs) > 1
    whole = parse(files[flowchart.FILE])  # the whole pathway in one drawing stays the main file
    assert len(groups(whole, "node")) == len(g.nodes) and not any("connector" in (x.get("class") or "") for x in whole.iter())


@pytest.mark.parametrize("page_size", ["A4", "letter", "A5"])
def test_the_split_is_computed_from_the_graph_for_any_pathway_and_page(tmp_path, page_size):
    g = chain_pathway(tmp_path, 9)
    g.meta.output.page_size = page_size
    files = flowchart.render(flowchart.view(g), {})
    figs = check_part_figures(g, files)
    assert len(figs) >= (3 if page_size == "A5" else 2)
    assert flowchart.render(flowchart.view(g), {}) == files  # deterministic
    # the last decision's loop back to the first decision is a dashed connector both ways
    last = figs[-1]
    assert any(c["text"].startswith("Returns to Figure 1a: Is question number 1") for c in last["connectors"])
    assert any(c["text"] == f"From Figure {last['id']}" for c in figs[0]["connectors"])


def test_a4_and_letter_get_the_same_figures_a5_smaller_ones():
    assert flowchart.layout_box("A4") == flowchart.layout_box("letter")
    a4_w, a4_h = flowchart.layout_box("A4")
    a5_w, a5_h = flowchart.layout_box("A5")
    assert a5_w < a4_w and a5_h < a4_h
    assert a4_w <= (210 - 30) / 25.4 * 72 and a4_h <= (279.4 - 40) / 25.4 * 72  # inside both pages' content boxes
    for size in ("A4", "letter"):  # what fits the shared box prints at 90% or more on either page
        w, h = flowchart.layout_box(size)
        assert flowchart.printed_scale(w / flowchart.MIN_SCALE, h / flowchart.MIN_SCALE, size) >= flowchart.MIN_SCALE


def test_dominators_of_a_diamond_and_a_loop():
    steps = [
        {"step": 1, "kind": "start", "edges": [{"to": 2, "loop": False}]},
        {"step": 2, "kind": "decision", "edges": [{"to": 3, "loop": False}, {"to": 4, "loop": False}]},
        {"step": 3, "kind": "action", "edges": [{"to": 5, "loop": False}]},
        {"step": 4, "kind": "action", "edges": [{"to": 5, "loop": False}]},
        {"step": 5, "kind": "decision", "edges": [{"to": 2, "loop": True}, {"to": 6, "loop": False}]},
        {"step": 6, "kind": "end", "edges": []},
        {"step": 7, "kind": "action", "edges": []},  # never reached
    ]
    dom = flowchart.dominators(steps)
    assert dom[5] == {1, 2, 5} and dom[3] == {1, 2, 3} and dom[6] == {1, 2, 5, 6} and dom[7] == {7}
