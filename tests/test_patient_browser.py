"""The patient page in a real browser: axe-core's WCAG 2.1 AA rules, no network, phone and zoom layouts.

Uses Debian's chromium (/usr/bin/chromium, installed by `make test`) through Python Playwright; no
browser is ever downloaded. axe-core comes bundled with axe-playwright-python.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.content.loader import load_guideline
from generator.render import patient

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "valid"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is not installed (`make test` installs it: scripts/bootstrap test)"),
]


def _guidelines() -> list[Path]:
    found = [FIXTURES / "patient-explainer", FIXTURES / "minimal"]
    content = ROOT / "content"
    if content.is_dir():
        for folder in sorted(content.iterdir()):
            if (folder / "guideline.yaml").is_file():
                found.append(folder)
    return found


GUIDELINES = _guidelines()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module", params=GUIDELINES, ids=[p.name for p in GUIDELINES])
def page_file(request, tmp_path_factory) -> Path:
    result = load_guideline(request.param)
    g = result.guideline
    if g.meta is None or g.meta.patient is None:
        pytest.skip(f"{request.param.name} has no patient settings")
    out = tmp_path_factory.mktemp("patient") / "patient-explainer.html"
    out.write_bytes(patient.render(patient.view(g), {}))
    return out


def _open(browser, path: Path, width: int, height: int = 900, scale: float = 1):
    """Open the page offline, recording every request the page makes."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale, offline=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return context, page, requests


def test_axe_wcag21_aa_has_no_violations(browser, page_file):
    from axe_playwright_python.sync_playwright import Axe

    for width in (390, 1280):
        context, page, requests = _open(browser, page_file, width)
        try:
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
            violations = results.response["violations"]
            assert not violations, f"at {width}px:\n" + results.generate_report()
            assert results.response["passes"] or results.response["violations"] == []
        finally:
            context.close()


def test_page_makes_no_request_but_itself(browser, page_file):
    context, page, requests = _open(browser, page_file, 390)
    try:
        page.emulate_media(media="print")  # the print stylesheet must not fetch anything either
        page.wait_for_timeout(100)
        assert requests == [page_file.as_uri()]
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 390, 640, 1280])
def test_text_reflows_without_sideways_scrolling(browser, page_file, width):
    """320 and 640 CSS px are a 1280px window at 400% and 200% zoom (WCAG 1.4.10 reflow, 1.4.4 resize)."""
    context, page, _ = _open(browser, page_file, width)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px"
        body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_px >= 16
        # comfortable line length: paragraphs no wider than about 80 characters
        chars = page.evaluate(
            "(() => { const p = document.querySelector('main p');"
            " const w = p.getBoundingClientRect().width; const f = parseFloat(getComputedStyle(p).fontSize);"
            " return w / (f * 0.5); })()"
        )
        assert chars <= 85
    finally:
        context.close()


def test_section_source_lines_lead_to_the_sources(browser, page_file):
    context, page, _ = _open(browser, page_file, 390)
    try:
        hrefs = page.eval_on_selector_all("main .section-sources a", "els => els.map(a => a.getAttribute('href'))")
        assert hrefs
        for href in set(hrefs):
            assert page.locator(href).count() == 1
            assert page.locator(f"#sources {href}").count() == 1
        assert page.eval_on_selector_all("main [data-statements] sup", "els => els.length") == 0  # no marks in the text
        names = page.eval_on_selector_all(".section-sources a", "els => els.map(e => e.innerText)")
        assert all(n.strip() for n in names)  # visible numbers
    finally:
        context.close()
