"""Helpers shared by the build-engine tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from generator.build import engine as builder
from generator.check.run import CheckContext
from generator.build.check_cache import CheckCache
from tests.build_fakes import DOCUMENTS as FAKES

FIXTURES = Path(__file__).parent / "fixtures"
CTX = CheckContext(today=dt.date(2026, 6, 1))


def make_library(root: Path, n: int, prefix: str = "g") -> list[Path]:
    """n copies of the minimal fixture with distinct ids (and a distinct title, so outputs differ)."""
    folders = []
    for i in range(n):
        gid = f"{prefix}-{i:02d}"
        target = root / gid
        shutil.copytree(FIXTURES / "valid" / "minimal", target)
        meta = target / "guideline.yaml"
        text = meta.read_text().replace("id: minimal", f"id: {gid}", 1)
        text = text.replace("title: Local treatment", f"title: ({gid}) Local treatment", 1)
        meta.write_text(text)
        folders.append(target)
    return folders


def run_build(folders, out: Path, *, documents=FAKES, cache: Path | None = None, **kwargs) -> builder.BuildReport:
    prepared = builder.prepare(folders, CTX, documents, CheckCache(cache))
    assert prepared.ok, [d.format_text() for d in prepared.diagnostics]
    return builder.build(prepared.sources, out, documents=documents, **kwargs)


def statuses(report: builder.BuildReport, guideline: str | None = None) -> dict[str, str]:
    return {o.document: o.status for o in report.outcomes if guideline in (None, o.guideline)}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stat_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))
