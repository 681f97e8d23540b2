"""The clinician HTML's "walk the pathway" panel in a real browser (Debian's chromium, Playwright).

A clinician enters each vignette of every computable guideline (the fixtures and the real one),
answering each question as the panel asks it; the panel must end where the vignette expects, by
the route the FHIR bundle takes when fhirpathpy evaluates its conditions (so the decision tables the
page carries and fhirpathpy agree), highlight that route in the static step list and list the
statements it rests on. The page runs under its own Content-Security-Policy, offline, and the
panel is absent without JavaScript and in print.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from generator.content.loader import load_guideline
from generator.content.pathway import Pathway
from generator.render.numbering import statement_numbers
from tests.render_kit import render_all
from tests.test_fhir_pathway import COMPUTABLE, FIXTURES, bundle_of, run_bundle

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is not installed (`make test` installs it: scripts/bootstrap test)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


def _write(folder: Path, out: Path) -> Path:
    """The protocol HTML with its flowchart files beside it, as a build writes them."""
    rendered = render_all(load_guideline(folder).guideline, pdf=False)
    out.mkdir(parents=True, exist_ok=True)
    (out / "clinician-protocol.html").write_bytes(rendered.html)
    for name, data in rendered.files.items():
        (out / name).write_bytes(data)
    return out / "clinician-protocol.html"


@pytest.fixture(scope="module", params=COMPUTABLE, ids=[p.name for p in COMPUTABLE])
def protocol(request, tmp_path_factory):
    return request.param, _write(request.param, tmp_path_factory.mktemp(request.param.name))


def _open(browser, path: Path, width: int = 1280, **options):
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True, **options)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return context, page, problems, requests


def _answer(page, name: str, value) -> None:
    field = page.locator(f'#walk [name="{name}"]')
    if field.first.get_attribute("type") == "radio":
        code = ("true" if value else "false") if isinstance(value, bool) else str(value)
        page.locator(f'#walk input[name="{name}"][value="{code}"]').check()
    else:
        field.fill(str(value))


def _enter(page, features: dict) -> tuple[dict, list[str]]:
    """Answer what the panel asks, in the order it asks, until it stops asking; what it shows then."""
    result = page.locator("#walk-result")
    asked = []
    for _ in range(len(features) + 1):
        needs = result.get_attribute("data-needs")
        if not needs:
            break
        assert needs in features, f"the panel asks {needs!r}, which the vignette does not answer"
        assert page.locator(f'#walk [data-feature="{needs}"]').is_visible()
        asked.append(needs)
        _answer(page, needs, features[needs])
    shown = page.evaluate("""() => {
      const r = document.getElementById("walk-result");
      return {stop: r.dataset.stop, end: r.dataset.end, route: r.dataset.route.split(" "),
              status: r.querySelector(".walk-status").innerText,
              statements: [...r.querySelectorAll(".walk-statements a")].map(a => a.textContent),
              anchors: [...r.querySelectorAll(".walk-statements a")].every(a => document.getElementById(a.hash.slice(1))),
              highlighted: [...document.querySelectorAll("ol.pathway > li.walk-on")].map(li => li.id),
              here: [...document.querySelectorAll("ol.pathway > li.walk-here")].map(li => li.id)};
    }""")
    return shown, asked


def test_each_vignette_entered_in_the_panel_ends_where_fhirpathpy_ends_it(browser, protocol):
    folder, path = protocol
    from playwright.sync_api import expect

    bundle, g = bundle_of(folder)
    graph = Pathway.of(g)
    numbers = statement_numbers(g)
    context, page, problems, _ = _open(browser, path)
    try:
        assert page.locator("#walk").is_visible()
        for v in g.vignettes:
            page.locator("#walk button[type=reset]").click()
            expect(page.locator("#walk-result")).to_have_attribute("data-needs", re.compile(".+"))  # asks from the start again
            shown, asked = _enter(page, v.features)
            expected = run_bundle(bundle, v.features)  # fhirpathpy, from the FHIR bundle alone
            assert shown["end"] == v.end == expected[-1], v.id
            assert shown["route"] == expected, v.id
            assert shown["stop"] == ("loop" if graph.walk(v.features).stopped == "loop" else "end"), v.id
            end = graph.by_id[v.end]
            assert f"Step {end.number}" in shown["status"] and end.node.label.split()[0] in shown["status"], v.id
            assert shown["here"] == [f"step-{end.number}"], v.id
            assert sorted(shown["highlighted"]) == sorted({f"step-{graph.by_id[n].number}" for n in expected}), v.id
            rests = {numbers[s] for n in expected for s in graph.by_id[n].node.statements}
            assert set(shown["statements"]) == rests and shown["anchors"], v.id
            assert set(asked) <= set(v.features), v.id
    finally:
        context.close()
    assert not problems, problems  # no CSP violation, no script error


def test_the_panel_asks_again_for_an_answer_outside_the_features_range(browser, tmp_path):
    path = _write(FIXTURES / "pathway", tmp_path)
    context, page, problems, _ = _open(browser, path, 390)
    try:
        _answer(page, "progressingLesions", 2)
        _answer(page, "allTreatable", True)
        _answer(page, "ecog", 7)  # the fixture's ECOG goes from 0 to 4
        result = page.locator("#walk-result")
        assert result.get_attribute("data-needs") == "ecog"
        assert "Check this answer" in result.inner_text()
        assert page.locator('#walk [data-feature="ecog"] .walk-invalid').is_visible()
        _answer(page, "ecog", 3)
        assert result.get_attribute("data-end") == "switch"
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.parametrize("width", [390, 1280])
def test_the_panel_fits_the_screen_and_makes_no_request(browser, protocol, width):
    folder, path = protocol
    g = load_guideline(folder).guideline
    context, page, problems, requests = _open(browser, path, width)
    try:
        _enter(page, g.vignettes[0].features)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px"
        box = page.locator("#walk").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")  # the flowchart loads under the CSP
    finally:
        context.close()
    assert not problems, problems
    assert all(r.startswith("file://") for r in requests), requests


def test_without_javascript_or_in_print_the_step_list_is_the_pathway(browser, protocol):
    _, path = protocol
    context, page, _, _ = _open(browser, path, java_script_enabled=False)
    try:
        assert not page.locator("#walk").is_visible()
        assert page.locator("ol.pathway > li").count() > 3 and page.locator("ol.pathway").is_visible()
    finally:
        context.close()
    context, page, _, _ = _open(browser, path)
    try:
        page.emulate_media(media="print")
        assert not page.locator("#walk").is_visible()
        assert page.locator("ol.pathway").is_visible()
    finally:
        context.close()


def test_a_protocol_whose_algorithm_cannot_run_has_no_panel_and_no_script(tmp_path):
    html = render_all(load_guideline(FIXTURES / "minimal").guideline, pdf=False).html.decode()
    assert 'id="walk"' not in html and "<script" not in html
    assert "script-src 'none'" in html.replace("&#39;", "'")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_panel_has_no_wcag21_aa_violation(browser, protocol, width):
    from axe_playwright_python.sync_playwright import Axe

    folder, path = protocol
    g = load_guideline(folder).guideline
    context, page, _, _ = _open(browser, path, width, bypass_csp=True)  # axe is injected as a script
    try:
        _enter(page, g.vignettes[0].features)
        results = Axe().run(page, context={"include": [["#walk"]]},
                            options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        assert not results.response["violations"], results.generate_report()
    finally:
        context.close()
