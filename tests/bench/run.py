"""`make bench`: one table of ratios, each between two things measured in this run.

Every figure compares two measurements taken here, one after the other, so the noise of a shared
machine mostly cancels; the absolute times are printed beside each ratio. Timings are the best of
a few repetitions. Nothing here is a test: no figure fails the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUIDELINE = [sys.executable, "-m", "generator"]
EPOCH = "1767225600"


@dataclass
class Row:
    figure: str
    ours: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool | None
    note: str = ""


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, work: Path):
        self.work = work
        self.env = {
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "GUIDELINE_CACHE_DIR": str(work / "cache"),
            "GUIDELINE_TODAY": "2026-06-01",
            "PYTHONPATH": str(ROOT),
        }

    def run(self, *args: str, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
        start = time.perf_counter()
        proc = subprocess.run(list(args), cwd=self.work, env={**self.env, **(env or {})}, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"bench: {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return seconds, proc

    def build(self, content: Path, out: Path, *extra: str, clean: bool = False) -> float:
        if clean:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(self.work / "cache", ignore_errors=True)
        return self.run(*GUIDELINE, "build", str(content), "--out", str(out), *extra)[0]


def ratio_row(figure, ours, base, goal_text, goal_ok, note="") -> Row:
    r = ours / base if base else None
    return Row(figure, f"{ours:.2f} s", f"{base:.2f} s", r, goal_text, goal_ok(r) if r is not None else None, note)


# --------------------------------------------------------------------------- the figures


def real_guideline(b: Bench, rows: list[Row]) -> None:
    content = b.work / "content"
    shutil.copytree(ROOT / "content", content)
    out = b.work / "real"
    fulls, bares = [], []
    for _ in range(3):
        log("full build of the real guideline (clean output, clean cache)")
        fulls.append(b.build(content, out, clean=True))
        html = sorted(str(p) for p in out.glob("*/*.html"))
        log("bare WeasyPrint on the same HTML")
        bares.append(b.run(sys.executable, "-m", "tests.bench.bare_weasyprint", *html)[0])
    full, bare = min(fulls), min(bares)
    rows.append(ratio_row("full build of the real guideline vs bare WeasyPrint on its final HTML", full, bare, "<= 1.15", lambda r: r <= 1.15,
                          f"{len(html)} HTML files, PDFs rendered in {os.cpu_count()} workers vs one process"))
    log("full build with -j 1")
    serial = min(b.build(content, out, "-j", "1", clean=True) for _ in range(2))
    rows.append(ratio_row("  the same, with -j 1 (informative)", serial, bare, "", lambda r: None))

    log("no-op rebuilds")
    noops, inside = [], []
    for _ in range(3):
        seconds, proc = b.run(*GUIDELINE, "build", str(content), "--out", str(out))
        noops.append(seconds)
        inside.append(float(re.search(r" in ([\d.]+) s$", proc.stdout.splitlines()[-1]).group(1)))
    noop = min(noops)
    start = time.perf_counter()
    b.run(*GUIDELINE, "--version")
    startup = time.perf_counter() - start
    rows.append(ratio_row("no-op rebuild vs full build", noop, full, "<= 0.05", lambda r: r <= 0.05,
                          f"`guideline --version` alone takes {startup:.2f} s"))
    rows.append(ratio_row("  ... time inside the build command (informative)", min(inside), full, "", lambda r: None))

    statements = next(content.glob("*/statements.yaml"))
    original = statements.read_text()
    lines = original.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("text:") and "patient:" in "".join(lines[max(0, i - 3):i]))
    target += 1 if lines[target].strip() in ("text: >-", "text: >", "text: |", "text: |-") else 0
    edited = lines[:]
    edited[target] = edited[target].replace(".", ", too.", 1) if "." in edited[target] else edited[target].rstrip("\n") + " too\n"
    times = []
    for text in ("".join(edited), original):
        statements.write_text(text)
        log("rebuild after editing one patient-text sentence")
        seconds, proc = b.run(*GUIDELINE, "build", str(content), "--out", str(out))
        built = re.search(r"(\d+) built", proc.stdout.splitlines()[-1]).group(1)
        times.append(seconds)
    rows.append(ratio_row("rebuild after editing one patient-text sentence vs full build", min(times), full, "<= 0.5", lambda r: r <= 0.5,
                          f"{built} documents rebuilt"))


def check_library(b: Bench, rows: list[Row]) -> None:
    import datetime as dt

    import yaml

    from generator.check.run import CheckContext
    from generator.build.check_cache import CheckCache
    from generator.build.checked import load_and_check
    from tests.bench.synthetic import make_library

    lib = b.work / "library"
    folders = make_library(lib, 10, 500)
    files = sorted(p for f in folders for p in f.iterdir() if p.suffix == ".yaml")
    ctx = CheckContext(today=dt.date(2026, 6, 1))
    os.chdir(b.work)
    from generator.build.workers import available_cpus

    cpus = available_cpus()
    bare, cold, one, warm = [], [], [], []
    for rep in range(3):
        start = time.perf_counter()
        for p in files:
            yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        bare.append(time.perf_counter() - start)
        log(f"check of 5,000 statements, cold (repetition {rep + 1})")
        for workers, times in ((cpus, cold), (1, one)):
            cache = CheckCache(b.work / f"check-cache-{rep}-{workers}")
            start = time.perf_counter()
            diags = load_and_check(folders, ctx, cache, workers=workers).diagnostics
            times.append(time.perf_counter() - start)
        errors = [d for d in diags if d.is_error]
        if errors:
            raise SystemExit("bench: the synthetic library does not pass the check:\n" + "\n".join(d.format_text() for d in errors[:10]))
        start = time.perf_counter()
        load_and_check(folders, ctx, cache, workers=cpus)
        warm.append(time.perf_counter() - start)
    note = (f"{len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB, in-process as `guideline check` does it: "
            f"the folders in {cpus} worker process{'es' if cpus != 1 else ''} (one per CPU)")
    rows.append(ratio_row("check, 5,000-statement library vs bare CSafeLoader parse: cold", min(cold), min(bare), "<= 1.5", lambda r: r <= 1.5, note))
    rows.append(ratio_row("  ... cold, in one process (informative)", min(one), min(bare), "", lambda r: None,
                          "the same work on one CPU: the bare parse is one process too"))
    rows.append(ratio_row("  ... warm (unchanged files, check cache)", min(warm), min(bare), "<= 0.02", lambda r: r <= 0.02))


def parallel(b: Bench, rows: list[Row]) -> None:
    from tests.bench.synthetic import make_library

    lib = b.work / "twenty"
    make_library(lib, 20, 8)
    out = b.work / "twenty-out"
    b.run(*GUIDELINE, "check", str(lib))  # the check cache is warm for both: this figure is about rendering
    log("20 guidelines, -j 1")
    one = b.run(*GUIDELINE, "build", str(lib), "--out", str(out / "j1"), "-j", "1")[0]
    log("20 guidelines, -j 2")
    two = b.run(*GUIDELINE, "build", str(lib), "--out", str(out / "j2"), "-j", "2")[0]
    speedup = one / two
    rows.append(Row("20 generated guidelines, -j 2 vs -j 1 (speed-up)", f"{two:.2f} s", f"{one:.2f} s", speedup, ">= 1.7",
                    speedup >= 1.7, f"{os.cpu_count()} CPUs on this machine"))


def pandoc(b: Bench, rows: list[Row]) -> None:
    """The pipeline without this project (tests/bench/pandoc_pipeline.py) on the real guideline."""
    if shutil.which("pandoc") is None:
        rows.append(Row("our full build vs Pandoc + citeproc + WeasyPrint (the protocol alone)", "-", "-", None, "", None,
                        "skipped: pandoc is not installed (make bench installs Debian's pandoc)"))
        return
    folder = next(p.parent for p in sorted((b.work / "content").glob("*/guideline.yaml")))
    out = b.work / "real"
    theirs, ours = [], []
    for rep in range(3):
        log(f"Pandoc + citeproc + WeasyPrint on the real guideline (repetition {rep + 1})")
        theirs.append(b.run(sys.executable, "-m", "tests.bench.pandoc_pipeline", str(folder), str(b.work / f"pandoc-{rep}"))[0])
        log("our full build of the same guideline")
        ours.append(b.build(b.work / "content", out, clean=True))
    version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    rows.append(ratio_row("our full build (every document, checked) vs Pandoc + citeproc + WeasyPrint (the protocol alone)",
                          min(ours), min(theirs), "informative", lambda r: None,
                          f"{version}; theirs has no check, explainer, flowchart or sign-off"))


def library(b: Bench, rows: list[Row], guidelines: int = 200) -> None:
    """A generated library of `guidelines` small guidelines: full build, no-op, one guideline edited."""
    from tests.bench.synthetic import make_library

    guidelines = int(os.environ.get("BENCH_LIBRARY", guidelines))
    lib = b.work / "library"
    folders = make_library(lib, guidelines, 8)
    out = b.work / "library-out"
    log(f"full build of {guidelines} generated guidelines (clean)")
    full = b.build(lib, out, clean=True)
    log(f"no-op rebuild of {guidelines} guidelines")
    noop = min(b.build(lib, out) for _ in range(2))
    statements = folders[guidelines // 2] / "statements.yaml"
    original = statements.read_text()
    edits = []
    for rep in range(2):
        statements.write_text(original.replace("Synthetic statement b (benchmark", f"Synthetic statement b (edit {rep}, benchmark", 1))
        log("rebuild after editing one statement of one guideline")
        edits.append(b.build(lib, out))
    statements.write_text(original)
    rows.append(Row(f"{guidelines}-guideline library: full build", f"{full:.1f} s", "-", None, "", None,
                    f"{full / guidelines:.2f} s per guideline on {os.cpu_count()} CPUs"))
    rows.append(ratio_row("  ... no-op rebuild vs full build", noop, full, "<= 0.05", lambda r: r <= 0.05))
    rows.append(ratio_row("  ... one guideline edited vs full build", min(edits), full, "<= 0.05", lambda r: r <= 0.05,
                          "the edited guideline's documents re-rendered, the others skipped"))


def memory(b: Bench, rows: list[Row]) -> None:
    """Peak resident memory of one protocol build against its page count: the growth curve."""
    from pypdf import PdfReader

    from tests.bench.synthetic import make_guideline

    points = []
    # Statement counts chosen with the check's page estimate (check/rules/document_size.py); each
    # cites one of n/8 generated references, as a long protocol cites many works (with the fixture's
    # two, every evidence row would list every recommendation and pages would grow as n squared).
    for target, statements in ((20, 120), (60, 470), (200, 1950)):
        gid = f"syn-pages-{target}"
        folder = make_guideline(b.work / "pages" / gid, gid, statements, sentences=3, references=max(2, statements // 8))
        out = b.work / "pages-out"
        log(f"peak memory of a ~{target}-page protocol (-j 1, one process)")
        seconds, proc = b.run(sys.executable, "-m", "tests.bench.peak_rss", "build", str(folder), "--out", str(out), "-j", "1")
        peak = float(re.search(r"PEAK_RSS_MIB ([\d.]+)", proc.stderr).group(1))
        pages = len(PdfReader(out / gid / "clinician-protocol.pdf").pages)
        points.append((pages, peak, seconds))
    for pages, peak, seconds in points:
        small = pages < 100
        rows.append(Row(f"peak memory, a {pages}-page generated protocol", f"{peak:.0f} MiB", "-", None,
                        "<= 250 MB" if small else "", (peak * 1.048576 <= 250) if small else None,
                        f"whole build in one process, {seconds:.1f} s"))
    (p1, m1, _), (p2, m2, _), (p3, m3, _) = points
    low, high = (m2 - m1) / (p2 - p1), (m3 - m2) / (p3 - p2)
    rows.append(Row("  ... memory per added page, 60-200 pages vs 20-60 pages", f"{high:.2f} MiB/page", f"{low:.2f} MiB/page",
                    high / low if low > 0 else None, "<= 1 (sub-linear)", high <= low if low > 0 else None))
    picture = ROOT / "docs" / "images" / "bench-memory.svg"
    picture.write_text(memory_svg(points), encoding="utf-8")
    log(f"wrote {picture.relative_to(ROOT)}")


def memory_svg(points: list[tuple[int, float, float]]) -> str:
    """A small line chart (peak MiB against pages) in hand-written SVG: no plotting library needed."""
    w, h, left, bottom, top, right = 480, 260, 56, 36, 16, 60
    max_x = max(p for p, _, _ in points) * 1.05
    max_y = max(m for _, m, _ in points) * 1.15
    x = lambda v: left + v / max_x * (w - left - right)  # noqa: E731
    y = lambda v: h - bottom - v / max_y * (h - top - bottom)  # noqa: E731
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(p):.1f},{y(m):.1f}" for i, (p, m, _) in enumerate(points))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
           'aria-labelledby="t d" font-family="DejaVu Sans, sans-serif" font-size="11">',
           '<title id="t">Peak memory of one protocol build by page count</title>',
           '<desc id="d">' + "; ".join(f"{p} pages: {m:.0f} MiB" for p, m, _ in points) + " (measured by make bench)</desc>",
           f'<rect width="{w}" height="{h}" fill="#fff"/>']
    for i in range(5):
        t = max_y / 4 * i
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{w - right}" y2="{y(t):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.0f}</text>')
    out += [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#333"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#333"/>',
            f'<path d="{path}" fill="none" stroke="#1f5f8b" stroke-width="2"/>']
    for p, m, _ in points:
        out.append(f'<circle cx="{x(p):.1f}" cy="{y(m):.1f}" r="3.5" fill="#1f5f8b"/>')
        out.append(f'<text x="{x(p):.1f}" y="{h - bottom + 14}" text-anchor="middle">{p}</text>')
        out.append(f'<text x="{x(p) + 6:.1f}" y="{y(m) - 6:.1f}">{m:.0f} MiB</text>')
    mid = (top + h - bottom) / 2
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">pages of the protocol PDF</text>')
    out.append(f'<text x="14" y="{mid}" transform="rotate(-90 14 {mid})" text-anchor="middle">peak resident MiB</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- table


def table(rows: list[Row]) -> str:
    head = ["figure", "ours", "baseline", "ratio", "goal", "met"]
    body = []
    for r in rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.3f}"
        met = {True: "yes", False: "NO", None: ""}[r.met]
        body.append([r.figure, r.ours, r.baseline, ratio, r.goal, met + (f" ({r.note})" if r.note else "")])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    fmt = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, body)])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="guideline-bench-") as tmp:
        b = Bench(Path(tmp))
        rows: list[Row] = []
        for step in (real_guideline, check_library, parallel, pandoc, library, memory):
            step(b, rows)
        os.chdir(ROOT)
    print(table(rows))
    print(f"\n(bench ran in {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; ratios < 1 are faster than the baseline)")


if __name__ == "__main__":
    main()
