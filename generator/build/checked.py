"""Load and check guideline folders: the one loop behind `check`, `build`, `serve`, `export` and `release`.

`load_and_check(folders, ctx, cache)` loads each folder, runs every rule over it and adds the
checks that look across folders (`duplicate-id`: two folders with one guideline id would build
into the same `build/<id>/`). With a `CheckCache`, a folder whose files have not changed is
answered from the cache without loading it (a warm check imports neither pydantic nor the
models); without one, every folder is loaded and its `Guideline` is kept for the caller.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from generator.build.check_cache import CheckCache
from generator.build.workers import for_check
from generator.check.run import CheckContext, duplicate_guideline_id, finalize, run_rules
from generator.diagnostics import Diagnostic

if TYPE_CHECKING:  # the loader (pydantic and every model) is imported only on a cache miss
    from generator.content.loader import Guideline


@dataclass
class Checked:
    """One guideline folder, loaded (or answered from the cache) and checked."""

    folder: Path
    id: str
    diagnostics: list[Diagnostic]  # this folder's own, finalized (under --strict, warnings are errors)
    key: str = ""  # the folder's content key in the cache ("" without a cache)
    guideline: "Guideline | None" = None  # None when the answer came from the cache

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    def load(self) -> "Guideline":
        """The loaded guideline (loaded now when the check was answered from the cache)."""
        if self.guideline is None:
            from generator.content.loader import load_guideline

            with collector_paused():
                self.guideline = load_guideline(self.folder).guideline
        return self.guideline


@dataclass
class CheckResult:
    folders: list[Checked]
    diagnostics: list[Diagnostic]  # every folder's and the cross-folder ones, finalized and sorted

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def guidelines(self) -> list["Guideline"]:
        return [c.load() for c in self.folders]


def check_folder(folder: Path, ctx: CheckContext, cache: CheckCache | None = None) -> Checked:
    """Load and check one folder, reusing (and storing) the cached result when a cache is given."""
    folder = Path(folder)
    cache = cache if cache is not None and cache.enabled else None
    hit, key = _from_cache(folder, ctx, cache)
    if hit is not None:
        return hit
    guideline, found = _load_and_run_rules(folder, ctx)
    return _store(folder, ctx, cache, key, guideline.id, found, guideline)


def _from_cache(folder: Path, ctx: CheckContext, cache: CheckCache | None, memo: dict | None = None) -> tuple[Checked | None, str]:
    """The cached answer for `folder` (None on a miss), and its content key ("" without a cache);
    `memo` is shared by the folders of one run (CheckCache.content_key)."""
    key = cache.content_key(folder, memo) if cache else ""
    hit = cache.get_check(folder, key, ctx.today.isoformat(), ctx.strict) if cache else None
    if hit is None:
        return None, key
    gid, found = hit
    return Checked(folder, gid, finalize(found, ctx.strict), key), key


def _load_and_run_rules(folder: Path, ctx: CheckContext) -> tuple["Guideline", list[Diagnostic]]:
    from generator.content.loader import load_guideline

    with collector_paused():
        result = load_guideline(folder)
        return result.guideline, result.diagnostics + run_rules(result.guideline, ctx)


def _checked_in_worker(folder: Path, ctx: CheckContext) -> tuple[str, list[Diagnostic]]:
    """A worker process's job: the guideline id and the unfinalized diagnostics (the loaded
    guideline stays in the worker: sending it back would cost about what loading it again does)."""
    guideline, found = _load_and_run_rules(folder, ctx)
    return guideline.id, found


def _store(folder: Path, ctx: CheckContext, cache: CheckCache | None, key: str, gid: str, found: list[Diagnostic],
           guideline: "Guideline | None" = None) -> Checked:
    if cache:
        cache.put_check(folder, key, ctx.today.isoformat(), ctx.strict, gid, found)
    return Checked(folder, gid, finalize(found, ctx.strict), key, guideline)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a folder is loaded and checked, on again after.

    Loading builds hundreds of thousands of small objects (YAML nodes, values, models) and none of
    them forms a reference cycle, so a collection finds nothing to free; yet the collector walks
    every live object each time enough have been made, and over a large library it took more time
    than the parse itself. Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_and_check(folders: Iterable[Path], ctx: CheckContext, cache: CheckCache | None = None, *, workers: int = 1) -> CheckResult:
    """Load and check every folder, then the checks across folders; diagnostics finalized.

    With `workers` > 1, the folders the cache does not answer (when there are two or more) are loaded
    and checked in up to that many worker processes (fewer when memory would not hold them: see
    generator/build/workers.py), each folder in one; their `Checked.guideline`
    is then None and `Checked.load()` loads it again when a caller needs it (`guideline check`
    does not). The diagnostics are the same as in one process."""
    folders = [Path(f) for f in folders]
    cache = cache if cache is not None and cache.enabled else None
    memo: dict = {}
    answered = [_from_cache(f, ctx, cache, memo) for f in folders]
    misses = [i for i, (hit, _) in enumerate(answered) if hit is None]
    checked: list[Checked | None] = [hit for hit, _ in answered]
    n = for_check(workers, len(misses)) if workers > 1 and len(misses) > 1 else 1
    if n > 1:
        for i, (gid, found) in _in_worker_processes([folders[i] for i in misses], ctx, n):
            index = misses[i]
            checked[index] = _store(folders[index], ctx, cache, answered[index][1], gid, found)
    for index in misses:
        if checked[index] is None:  # one process, or what a worker process could not finish
            guideline, found = _load_and_run_rules(folders[index], ctx)
            checked[index] = _store(folders[index], ctx, cache, answered[index][1], guideline.id, found, guideline)
    done = [c for c in checked if c is not None]
    first: dict[str, Path] = {}
    for c in done:
        if c.id in first:
            c.diagnostics = finalize([*c.diagnostics, duplicate_guideline_id(c.folder, c.id, first[c.id])], ctx.strict)
        else:
            first[c.id] = c.folder
    every = [d for c in done for d in c.diagnostics] + tracked_outputs([c.folder for c in done])
    return CheckResult(done, finalize(every, ctx.strict))


def _in_worker_processes(folders: list[Path], ctx: CheckContext, n: int) -> Iterator[tuple[int, tuple[str, list[Diagnostic]]]]:
    """(index, result) of each folder a pool of `n` forked worker processes checked. Forked, so that
    each starts with the loader and the rules this process has imported; where fork is unavailable,
    or a worker dies (killed for memory), the folders it did not finish are left to the caller."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - a platform without fork
        return
    import generator.check.rules  # noqa: F401 - imported once here, inherited by every worker
    import generator.content.loader  # noqa: F401

    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_check_worker, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_checked_in_worker, folder, ctx): i for i, folder in enumerate(folders)}
            for future, i in futures.items():
                try:
                    yield i, future.result()
                except BrokenProcessPool:
                    return
    except (BrokenProcessPool, OSError):  # could not start a worker: one process does the rest
        return


def _init_check_worker(parent: int) -> None:
    import signal

    from generator.render.process import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the check process handles Ctrl-C


# The tool's own caches and outputs, relative to the repository root: never to be committed.
GENERATED_FOLDERS = (".cache", "build")


def tracked_outputs(folders: list[Path]) -> list[Diagnostic]:
    """An error for each of `.cache/` and `build/` that the repository holding the guidelines tracks:
    a committed cache entry or manifest must not be able to pass for what the generator wrote."""
    from generator.diagnostics import Location, display_path
    from generator.history.git_index import tracked_under

    out: list[Diagnostic] = []
    seen: set[Path] = set()
    for folder in folders:
        found = tracked_under(folder, GENERATED_FOLDERS)
        if found is None or found[0] in seen:
            continue
        root, tracked = found
        seen.add(root)
        for top, paths in sorted(tracked.items()):
            n = len(paths)
            out.append(
                Diagnostic.error(
                    Location(display_path(root / paths[0]), 1, 1),
                    "tracked-output",
                    f"{top}/ is tracked by git ({n} file{'s' if n != 1 else ''}); the generator's caches and outputs are "
                    f"never committed (git rm -r --cached {top} and list {top}/ in .gitignore)",
                )
            )
    return out
