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
    bare, cold, warm = [], [], []
    for rep in range(3):
        start = time.perf_counter()
        for p in files:
            yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        bare.append(time.perf_counter() - start)
        cache = CheckCache(b.work / f"check-cache-{rep}")
        log(f"check of 5,000 statements, cold (repetition {rep + 1})")
        start = time.perf_counter()
        diags = load_and_check(folders, ctx, cache).diagnostics
        cold.append(time.perf_counter() - start)
        errors = [d for d in diags if d.is_error]
        if errors:
            raise SystemExit("bench: the synthetic library does not pass the check:\n" + "\n".join(d.format_text() for d in errors[:10]))
        start = time.perf_counter()
        load_and_check(folders, ctx, cache)
        warm.append(time.perf_counter() - start)
    note = f"{len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB, in-process"
    rows.append(ratio_row("check, 5,000-statement library vs bare CSafeLoader parse: cold", min(cold), min(bare), "<= 1.3", lambda r: r <= 1.3, note))
    rows.append(ratio_row("  ... warm (unchanged files, check cache)", min(warm), min(bare), "<= 0.2", lambda r: r <= 0.2))


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
    if shutil.which("pandoc") is None:
        rows.append(Row("Pandoc + citeproc + WeasyPrint vs ours", "-", "-", None, "<= 0.8", None, "skipped: pandoc is not installed"))
        return
    rows.append(Row("Pandoc + citeproc + WeasyPrint vs ours", "-", "-", None, "<= 0.8", None, "not implemented: pandoc present but no pipeline written"))


def memory(b: Bench, rows: list[Row]) -> None:
    from pypdf import PdfReader

    from tests.bench.synthetic import make_guideline

    folder = make_guideline(b.work / "sixty" / "syn-sixty", "syn-sixty", 520, sentences=3)
    out = b.work / "sixty-out"
    log("peak memory of a 60-page protocol (-j 1, one process)")
    seconds, proc = b.run(sys.executable, "-m", "tests.bench.peak_rss", "build", str(folder), "--out", str(out), "-j", "1")
    peak = float(re.search(r"PEAK_RSS_MIB ([\d.]+)", proc.stderr).group(1))
    pages = len(PdfReader(out / "syn-sixty" / "clinician-protocol.pdf").pages)
    rows.append(Row(f"peak memory, a {pages}-page generated protocol", f"{peak:.0f} MiB", "-", None, "<= 250 MB", peak * 1.048576 <= 250,
                    f"whole build in one process, {seconds:.1f} s"))


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
        for step in (real_guideline, check_library, parallel, pandoc, memory):
            step(b, rows)
        os.chdir(ROOT)
    print(table(rows))
    print(f"\n(bench ran in {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; ratios < 1 are faster than the baseline)")


if __name__ == "__main__":
    main()
