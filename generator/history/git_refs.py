"""Reading a repository's release tags straight from .git, without running git (stdlib only).

Used where starting a process, or importing the loader, would cost too much: deciding that a
guideline is not in git or has no release yet (generator/history/changes.py), and fingerprinting the
release tags for the build's view cache (generator/build/check_cache.py), so that tagging a release
makes the documents' "What changed in this version" stale as it should.

Release tags are `<guideline-id>/v<semver>` or `v<semver>` (see docs/interoperability.md).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

RELEASE_TAG = re.compile(
    r"^(?:(?P<gid>[a-z0-9][a-z0-9-]*)/)?v(?P<version>(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?)$"
)


def find_git_dir(folder: Path) -> tuple[Path, Path] | None:
    """(work-tree root, git directory holding the refs) for `folder`, or None when it is not in git."""
    folder = Path(folder).resolve()
    for parent in (folder, *folder.parents):
        dot = parent / ".git"
        if dot.is_dir():
            return parent, dot
        if dot.is_file():  # a linked work tree or a submodule: "gitdir: <path>"
            try:
                text = dot.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                return None
            if not text.startswith("gitdir:"):
                return None
            git_dir = (parent / text[len("gitdir:"):].strip()).resolve()
            common = git_dir / "commondir"
            if common.is_file():
                try:
                    git_dir = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
                except OSError:
                    return None
            return parent, git_dir
    return None


def tag_refs(git_dir: Path) -> dict[str, str] | None:
    """Tag name -> the object it points at, from refs/tags and packed-refs.

    None when only git can tell (the reftable format, unreadable files).
    """
    if (git_dir / "reftable").exists():
        return None
    refs: dict[str, str] = {}
    try:
        packed = git_dir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(("#", "^")) or " " not in line:
                    continue
                sha, ref = line.split(" ", 1)
                if ref.startswith("refs/tags/"):
                    refs[ref[len("refs/tags/"):]] = sha
        tags = git_dir / "refs" / "tags"
        if tags.is_dir():
            for p in tags.rglob("*"):
                if p.is_file():  # a loose ref overrides a packed one
                    refs[p.relative_to(tags).as_posix()] = p.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return refs


def release_fingerprint(folder: Path) -> str:
    """A short digest of the release tags visible from `folder` ("" outside git).

    Changes when a release tag is added, removed or moved; unrelated tags do not count.
    """
    found = find_git_dir(folder)
    if found is None:
        return ""
    refs = tag_refs(found[1])
    if refs is None:
        return "unreadable"
    releases = sorted((name, sha) for name, sha in refs.items() if RELEASE_TAG.match(name))
    return hashlib.sha256(repr(releases).encode("utf-8")).hexdigest()[:16]
