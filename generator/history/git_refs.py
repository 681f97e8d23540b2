"""Reading a repository's release tags straight from .git, without running git (stdlib only).

Used where starting a process, or importing the loader, would cost too much: deciding that a
guideline is not in git or has no release yet (generator/history/changes.py), and fingerprinting
the release tags for the build's view cache (generator/build/check_cache.py), so that tagging a
release makes the documents' "What changed in this version" stale as it should.

Release tags are `<guideline-id>/v<semver>` or `v<semver>` (see docs/interoperability.md).

A guideline folder is content, and content arrives by pull request, archive or copy: a `.git`
file or folder inside it is never the repository. The search for the git directory starts at
the guideline folder's parent. Inside the git directory nothing is read through a symbolic link,
only regular files are opened, and every read is bounded (file sizes, number of refs, depth of
refs/tags): a hostile or broken git directory gives "unknown", which callers treat as "ask git".
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from generator.content.slug import SLUG_BODY

RELEASE_TAG = re.compile(
    rf"^(?:(?P<gid>{SLUG_BODY})/)?v(?P<version>(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?)\Z"
)

MAX_POINTER_BYTES = 4096  # a `.git` file ("gitdir: ..."), `commondir`
MAX_LOOSE_REF_BYTES = 256  # an object id, or "ref: refs/..."
MAX_PACKED_REFS_BYTES = 32 * 1024 * 1024  # ~400,000 refs
MAX_REFS = 100_000  # tags and packed lines taken together
MAX_TAG_DEPTH = 8  # refs/tags/<a>/<b>/...: release tags use one level


class Unreadable(Exception):
    """The git directory holds something only git can judge (or something hostile)."""


def read_small(path: Path, limit: int) -> str | None:
    """The text of a regular file of at most `limit` bytes, never through a symbolic link.

    None when the file does not exist; Unreadable when it is a link, not a regular file, too
    large, or cannot be read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:  # ELOOP: a symbolic link; EACCES; ENXIO: a socket
        raise Unreadable(f"{path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"{path}: not a regular file")
        if st.st_size > limit:
            raise Unreadable(f"{path}: over {limit} bytes")
        data = os.read(fd, limit + 1)
        if len(data) > limit:
            raise Unreadable(f"{path}: over {limit} bytes")
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


def path_kind(path: Path) -> str:
    """"dir", "file", "link", "other" or "" (absent), without following a symbolic link."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def find_work_tree_git(guideline_folder: Path) -> tuple[Path, Path] | None:
    """(work-tree root, the work tree's own git directory) for a guideline folder, or None outside git:
    `.git` itself, or for a linked work tree or submodule the folder its `.git` file names
    ("gitdir: <path>"; that folder holds the work tree's own index).

    The guideline folder's own `.git` (a copied or unpacked repository) is never considered: the
    search starts at its parent. A `.git` that is a symbolic link, or a `.git` file that does not
    point at a readable git directory, ends the search with None (not in git as far as we can
    tell without git; git is then not started either).
    """
    start = Path(guideline_folder).resolve().parent
    for parent in (start, *start.parents):
        dot = parent / ".git"
        kind = path_kind(dot)
        if not kind:
            continue
        if kind == "dir":
            return parent, dot
        if kind != "file":
            return None
        try:
            text = (read_small(dot, MAX_POINTER_BYTES) or "").strip()
        except Unreadable:
            return None
        if not text.startswith("gitdir:"):
            return None
        git_dir = Path(os.path.normpath(parent / text[len("gitdir:"):].strip()))
        return (parent, git_dir) if path_kind(git_dir) == "dir" else None
    return None


def find_git_dir(guideline_folder: Path) -> tuple[Path, Path] | None:
    """(work-tree root, git directory holding the refs) for a guideline folder, or None outside git:
    the work tree's own git directory (find_work_tree_git), or for a linked work tree the common
    one its `commondir` names."""
    found = find_work_tree_git(guideline_folder)
    if found is None:
        return None
    root, git_dir = found
    if git_dir == root / ".git":
        return found
    try:
        common = read_small(git_dir / "commondir", MAX_POINTER_BYTES)
    except Unreadable:
        return None
    if common is None:
        return found
    git_dir = Path(os.path.normpath(git_dir / common.strip()))
    return (root, git_dir) if path_kind(git_dir) == "dir" else None


def _loose_tags(tags: Path) -> dict[str, str]:
    """refs/tags/** without following links, at most MAX_TAG_DEPTH deep and MAX_REFS entries."""
    refs: dict[str, str] = {}
    pending = [(tags, "")]
    seen = 0
    while pending:
        folder, prefix = pending.pop()
        if prefix.count("/") >= MAX_TAG_DEPTH:
            raise Unreadable(f"{folder}: refs nested deeper than {MAX_TAG_DEPTH}")
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_REFS:
                        raise Unreadable(f"{tags}: over {MAX_REFS} entries")
                    name = prefix + entry.name
                    if entry.is_symlink():
                        raise Unreadable(f"{entry.path}: a symbolic link")
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((Path(entry.path), name + "/"))
                    elif entry.is_file(follow_symlinks=False):
                        text = read_small(Path(entry.path), MAX_LOOSE_REF_BYTES)
                        if text is not None:
                            refs[name] = text.strip()
                    else:
                        raise Unreadable(f"{entry.path}: not a regular file")
        except OSError as exc:
            raise Unreadable(f"{folder}: {exc.strerror}") from None
    return refs


def tag_refs(git_dir: Path) -> dict[str, str] | None:
    """Tag name -> the object it points at, from refs/tags and packed-refs.

    None when only git can tell: the reftable format, a symbolic link, a file that is not regular
    or too large, too many refs, refs nested too deep, unreadable files.
    """
    git_dir = Path(git_dir)
    if path_kind(git_dir / "reftable"):
        return None
    refs: dict[str, str] = {}
    try:
        packed = read_small(git_dir / "packed-refs", MAX_PACKED_REFS_BYTES)
        for n, line in enumerate((packed or "").splitlines()):
            if n >= MAX_REFS:
                raise Unreadable("packed-refs: too many lines")
            if line.startswith(("#", "^")) or " " not in line:
                continue
            sha, ref = line.split(" ", 1)
            if ref.startswith("refs/tags/"):
                refs[ref[len("refs/tags/"):]] = sha
        for where in (git_dir / "refs", git_dir / "refs" / "tags"):
            kind = path_kind(where)
            if kind not in ("", "dir"):
                raise Unreadable(f"{where}: not a folder")
        if path_kind(git_dir / "refs" / "tags") == "dir":
            refs.update(_loose_tags(git_dir / "refs" / "tags"))  # a loose ref overrides a packed one
    except Unreadable:
        return None
    if len(refs) > MAX_REFS:
        return None
    return refs


def release_fingerprint(guideline_folder: Path) -> str:
    """A short digest of the release tags visible from a guideline folder ("" outside git).

    Changes when a release tag is added, removed or moved; unrelated tags do not count.
    """
    found = find_git_dir(guideline_folder)
    if found is None:
        return ""
    refs = tag_refs(found[1])
    if refs is None:
        return "unreadable"
    releases = sorted((name, sha) for name, sha in refs.items() if RELEASE_TAG.match(name))
    return hashlib.sha256(repr(releases).encode("utf-8")).hexdigest()[:16]
