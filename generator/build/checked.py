"""Load and check guideline folders: the one loop behind `check`, `build`, `serve`, `export` and `release`.

`load_and_check(folders, ctx, cache)` loads each folder, runs every rule over it and adds the
checks that look across folders (`duplicate-id`: two folders with one guideline id would build
into the same `build/<id>/`). With a `CheckCache`, a folder whose files have not changed is
answered from the cache without loading it (a warm check imports neither pydantic nor the
models); without one, every folder is loaded and its `Guideline` is kept for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from generator.build.check_cache import CheckCache
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
    key = cache.content_key(folder) if cache else ""
    today = ctx.today.isoformat()
    hit = cache.get_check(folder, key, today, ctx.strict) if cache else None
    if hit is not None:
        gid, found = hit
        return Checked(folder, gid, finalize(found, ctx.strict), key)
    from generator.content.loader import load_guideline

    result = load_guideline(folder)
    found = result.diagnostics + run_rules(result.guideline, ctx)
    if cache:
        cache.put_check(folder, key, today, ctx.strict, result.guideline.id, found)
    return Checked(folder, result.guideline.id, finalize(found, ctx.strict), key, result.guideline)


def load_and_check(folders: Iterable[Path], ctx: CheckContext, cache: CheckCache | None = None) -> CheckResult:
    """Load and check every folder, then the checks across folders; diagnostics finalized."""
    checked = [check_folder(Path(f), ctx, cache) for f in folders]
    first: dict[str, Path] = {}
    for c in checked:
        if c.id in first:
            c.diagnostics = finalize([*c.diagnostics, duplicate_guideline_id(c.folder, c.id, first[c.id])], ctx.strict)
        else:
            first[c.id] = c.folder
    every = [d for c in checked for d in c.diagnostics] + tracked_outputs([c.folder for c in checked])
    return CheckResult(checked, finalize(every, ctx.strict))


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
