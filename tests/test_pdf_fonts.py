"""The PDFs depend on the repository, not on the machine: fonts from templates/fonts/, and the same
bytes from two clean builds whether font subsets are made by HarfBuzz or by fontTools.

The builds run in fresh interpreters (tests/pdf_child.py), each configuration twice, the second time
with the clock a day ahead, so anything that stamps the wall-clock time into a PDF shows up.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.misc.timeTools import epoch_diff
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from generator.content.paths import TEMPLATES
from generator.render.pdf import DEFAULT_EPOCH, FONTS_STYLESHEET, ProjectFetcher, RefusedURL

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "valid" / "minimal"
FONTS = TEMPLATES / "fonts"
FAMILIES = {"Liberation Sans", "DejaVu Sans"}
PDFS = ("clinician-protocol.pdf", "patient-explainer.pdf")
A_DAY = 86400


def declared_fonts() -> list[Path]:
    css = (TEMPLATES / FONTS_STYLESHEET).read_text(encoding="utf-8")
    return [FONTS / name for name in re.findall(r'url\("([^"]+)"\)', css)]


def embedded_fonts(pdf: bytes) -> list[TTFont]:
    """Every font program embedded in the PDF (WeasyPrint embeds TrueType subsets as FontFile2)."""
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append(TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data())))
    return fonts


# --------------------------------------------------------------------------- the fonts in the repository


def test_every_declared_font_is_in_the_repository_with_its_licence():
    files = declared_fonts()
    assert len(files) == 6
    for path in files:
        assert path.is_file(), f"{path.name} is declared in {FONTS_STYLESHEET} but missing"
        family = TTFont(path)["name"].getDebugName(1)
        assert family in FAMILIES
        licence = FONTS / f"LICENSE-{family.split()[0]}.txt"
        assert licence.is_file() and path.name.split("-")[0].removesuffix(".ttf") in licence.read_text(encoding="utf-8")


def test_the_fonts_cover_every_character_the_documents_use():
    """Liberation Sans, then DejaVu Sans, have a glyph for every character of the content and the
    templates (and the symbols authors type: en dash, ≥, ≤, arrows), so no glyph comes from the machine."""
    cmaps = [TTFont(path).getBestCmap() for path in declared_fonts() if path.name.endswith(("Regular.ttf", "Sans.ttf"))]
    used = set("–—≥≤±×→←↑↓…“”‘’•°µ⚠")
    for folder in (ROOT / "content", TEMPLATES, ROOT / "tests" / "fixtures" / "valid"):
        for path in folder.rglob("*"):
            if path.suffix in (".yaml", ".html", ".css", ".dot", ".j2"):
                used |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 127}
    missing = sorted(c for c in used if not any(ord(c) in cmap for cmap in cmaps))
    assert not missing, f"no repository font has a glyph for {missing}"


def test_the_fetcher_serves_the_repository_fonts_and_not_the_machines():
    fetcher = ProjectFetcher()
    for path in declared_fonts():
        response = fetcher.fetch(path.resolve().as_uri())
        assert response.read() == path.read_bytes()
    assert len(fetcher.fetched) == len(declared_fonts())
    system_font = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")
    with pytest.raises(RefusedURL) as refused:  # the machine's own copy is never read
        fetcher.fetch(system_font.as_uri())
    assert refused.value.reason.startswith("only files under")


# --------------------------------------------------------------------------- clean builds in other processes


def clean_build(tmp_path: Path, name: str, *flags: str, env: dict | None = None) -> dict[str, bytes]:
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(MINIMAL, content / "minimal")
    out = tmp_path / name
    environ = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}  # the default epoch applies
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "tests.pdf_child", str(content), str(out), *flags],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {pdf: (out / "minimal" / pdf).read_bytes() for pdf in PDFS}


def subset_stamps(pdfs: dict[str, bytes]) -> set[int]:
    """The 'head' modified timestamps of every embedded font subset (seconds since 1904)."""
    return {font["head"].modified for pdf in pdfs.values() for font in embedded_fonts(pdf)}


def harfbuzz_subset_available() -> bool:
    import weasyprint.pdf.fonts

    return weasyprint.pdf.fonts.harfbuzz_subset is not None


@pytest.mark.slow
def test_two_clean_builds_with_harfbuzz_subset_are_byte_identical(tmp_path):
    if not harfbuzz_subset_available():
        pytest.skip("libharfbuzz-subset0 is not installed (`make test` installs it: tools/bootstrap test)")
    first = clean_build(tmp_path, "a")
    later = clean_build(tmp_path, "b", "--clock-offset", str(A_DAY))
    assert later == first
    # HarfBuzz keeps the font's own timestamp: the subsets carry Liberation's and DejaVu's dates.
    originals = {TTFont(path)["head"].modified for path in declared_fonts()}
    assert subset_stamps(first) <= originals


@pytest.mark.slow
def test_two_clean_builds_without_harfbuzz_subset_are_byte_identical(tmp_path):
    first = clean_build(tmp_path, "a", "--no-harfbuzz-subset")
    later = clean_build(tmp_path, "b", "--no-harfbuzz-subset", "--clock-offset", str(A_DAY))
    assert later == first
    # fontTools made these subsets (it restamps 'head'), and stamped SOURCE_DATE_EPOCH, not the clock.
    assert subset_stamps(first) == {DEFAULT_EPOCH - epoch_diff}


@pytest.mark.slow
def test_a_machine_without_any_system_font_builds_the_same_pdfs(tmp_path):
    """fontconfig told to know no font folder at all: every glyph still comes from templates/fonts/,
    and the PDFs are the bytes an ordinary machine builds."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    ordinary = clean_build(tmp_path, "a")
    bare = clean_build(tmp_path, "b", env={"FONTCONFIG_FILE": str(config)})
    assert bare == ordinary
    families = {font["name"].getDebugName(1) for pdf in bare.values() for font in embedded_fonts(pdf)}
    assert "Liberation Sans" in families and families <= FAMILIES
