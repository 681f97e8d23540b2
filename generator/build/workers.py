"""How many worker processes a build starts: never more than its work, never more than memory allows.

`-j N` (or the CPU count) is an upper bound. The engine lowers it to

* the number of documents planned (a pool of 40 for 5 documents only costs 35 idle
  WeasyPrint processes), and
* the memory the machine has: the memory available now (Linux `MemAvailable`, or the cgroup's
  `memory.max` minus `memory.current` when a container sets a lower limit) divided by the measured
  peak of one worker (docs/build.md, "Memory": `PDF_WORKER_MIB` for a worker rendering a document at
  the page limit, `HTML_WORKER_MIB` when no PDF is built).

`worker_count` is a plain function of those numbers, so tests give it any `MemAvailable`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# Measured (docs/build.md, "Memory"): peak resident memory of one worker process, in MiB.
# A PDF worker imports WeasyPrint (55 MiB) and renders a protocol of at most the page limit `check`
# enforces (300 estimated pages; generator/check/rules/document_size.py): counted at 370 pages
# (the estimate runs up to 19% low) at the largest growth measured, 55 + 4.0 x 370, rounded up.
PDF_WORKER_MIB = 1536
# A worker that renders HTML, SVG and metadata only (--html-only): the whole --html-only build of a
# 334-page protocol peaks at 83 MiB in one process.
HTML_WORKER_MIB = 100
# A `guideline check` worker (forked from the check, so the imported code is shared) loads one folder:
# it grew by 60 MiB for a statements file at the 2 MiB limit; counted for a folder whose every
# content file is at the limit.
CHECK_WORKER_MIB = 256

MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class WorkerCount:
    count: int
    note: str | None  # one line for the user when the request was lowered, else None
    by_memory: bool = False  # lowered because memory would not hold more workers


def worker_count(requested: int, jobs: int, mem_available: int | None, per_worker: int) -> WorkerCount:
    """The number of workers for `jobs` documents: at most `requested`, at most `jobs`, and at most
    what `mem_available` bytes hold at `per_worker` bytes each (None: unknown, no memory cap); at least 1."""
    requested = max(1, int(requested))
    count = min(requested, max(1, jobs))
    reasons = []
    by_memory = False
    if count < requested:
        reasons.append(f"{jobs} document{'' if jobs == 1 else 's'} to build")
    if mem_available is not None and per_worker > 0:
        fits = max(1, mem_available // per_worker)
        if fits < count:
            count, by_memory = fits, True
            reasons.append(f"{_mib(mem_available)} MiB of memory available, {_mib(per_worker)} MiB per worker")
    if count == requested:
        return WorkerCount(count, None)
    noun = "worker process" if count == 1 else "worker processes"
    return WorkerCount(count, f"build: -j {requested} lowered to {count} {noun} ({'; '.join(reasons)})", by_memory)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def parse_meminfo(text: str) -> int | None:
    """`MemAvailable` of a /proc/meminfo text, in bytes (None when absent)."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "MemAvailable":
            parts = value.split()
            if parts and parts[0].isdigit():
                return int(parts[0]) * 1024 if parts[1:2] in (["kB"], []) else None
    return None


def _read(path: Path) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read(65536)
    except OSError:
        return None


def cgroup_headroom(root: Path = CGROUP) -> int | None:
    """cgroup v2: `memory.max` - `memory.current` of this process's cgroup, in bytes (None: no limit or unknown)."""
    own = _read(Path("/proc/self/cgroup")) or ""
    rel = next((line[3:].strip() for line in own.splitlines() if line.startswith("0::")), "/")
    folder = root / rel.lstrip("/")
    limit, current = _read(folder / "memory.max"), _read(folder / "memory.current")
    if limit is None or current is None or not limit.strip().isdigit() or not current.strip().isdigit():
        return None
    return max(0, int(limit) - int(current))


def mem_available() -> int | None:
    """Bytes of memory a build may still use: MemAvailable (or sysconf's available pages), lowered to
    the cgroup's headroom when a container limits it; None when the platform says nothing."""
    found = parse_meminfo(_read(MEMINFO) or "")
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            found = None
    headroom = cgroup_headroom()
    if headroom is not None:
        found = headroom if found is None else min(found, headroom)
    return found


def for_build(requested: int, work: int, pdf: bool, notify: Callable[[str], None] | None, explicit: bool) -> int:
    """The engine's one call: the worker count for `work` documents planned. The note goes
    to `notify` when an explicit `-j` is lowered, or any `-j` (the CPU count too) is lowered for memory."""
    per_worker = (PDF_WORKER_MIB if pdf else HTML_WORKER_MIB) * 2**20
    found = worker_count(requested, work, mem_available(), per_worker)
    if found.note and notify and (explicit or found.by_memory):
        notify(found.note)
    return found.count


def for_check(requested: int, folders: int) -> int:
    """The worker processes for checking `folders` folders the cache does not answer (no note: a
    check's worker count changes nothing it reports)."""
    return worker_count(requested, folders, mem_available(), CHECK_WORKER_MIB * 2**20).count


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
