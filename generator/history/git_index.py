"""Which paths git tracks under a few top-level folders, read from the index without running git.

`guideline check` refuses a repository that tracks the tool's own caches or outputs (`.cache/`,
`build/`): a committed cache entry or manifest must never be able to decide what is published
(see docs/hardening.md). Reading the index file directly keeps the check free of processes and
fast (one bounded read). Formats 2, 3 and 4 (path prefix compression) are understood; anything
else, a split index or a hostile file gives None ("cannot tell"), never an exception.

The index is found from the guideline folder as the release tags are (`git_refs.find_git_dir`):
the search starts at the guideline folder's parent, a `.git` inside a guideline folder is never
used, nothing is read through a symbolic link.
"""

from __future__ import annotations

import struct
from pathlib import Path

from generator.content.regular_file import read_regular
from generator.history.git_refs import find_work_tree_git

MAX_INDEX_BYTES = 256 * 1024 * 1024  # ~2 million entries
_HEADER = struct.Struct(">4sII")
_FIXED = 62  # ctime, mtime, dev, ino, mode, uid, gid, size (40 bytes), object id (20), flags (2)


def find_index(guideline_folder: Path) -> tuple[Path, Path] | None:
    """(work-tree root, index file) of the repository holding a guideline folder, or None: the index
    of the work tree's own git directory (a linked work tree has its own)."""
    found = find_work_tree_git(guideline_folder)
    return None if found is None else (found[0], found[1] / "index")


def _read_index(path: Path) -> bytes | None:
    data = read_regular(path, MAX_INDEX_BYTES + 1)
    return None if data is None or len(data) > MAX_INDEX_BYTES else data


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset encoding (index v4 prefix lengths)."""
    byte = data[pos]
    pos += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos


def tracked_paths(index: Path) -> list[str] | None:
    """Every path in the index (as git stores them: '/'-separated, relative to the work tree)."""
    data = _read_index(index)
    if data is None or len(data) < _HEADER.size:
        return None
    try:
        signature, version, count = _HEADER.unpack_from(data)
        if signature != b"DIRC" or version not in (2, 3, 4):
            return None
        pos, paths, previous = _HEADER.size, [], b""
        for _ in range(count):
            start = pos
            (flags,) = struct.unpack_from(">H", data, pos + _FIXED - 2)
            pos += _FIXED
            if version >= 3 and flags & 0x4000:  # extended flags
                pos += 2
            if version == 4:
                strip, pos = _varint(data, pos)
                end = data.index(b"\0", pos)
                if strip > len(previous):
                    return None
                name = previous[: len(previous) - strip] + data[pos:end]
                pos = end + 1
            else:
                end = data.index(b"\0", pos)
                name = data[pos:end]
                pos = start + ((end - start + 8) // 8) * 8  # NUL-padded to a multiple of 8
            if pos > len(data):
                return None
            paths.append(name.decode("utf-8", "surrogateescape"))
            previous = name
        return paths
    except (struct.error, ValueError, IndexError):
        return None


def tracked_under(guideline_folder: Path, tops: tuple[str, ...]) -> tuple[Path, dict[str, list[str]]] | None:
    """(work-tree root, {top: the tracked paths below it}) for the repository of a guideline folder."""
    found = find_index(guideline_folder)
    if found is None:
        return None
    root, index = found
    paths = tracked_paths(index)
    if paths is None:
        return None
    out: dict[str, list[str]] = {}
    for p in paths:
        top = p.split("/", 1)[0]
        if top in tops:
            out.setdefault(top, []).append(p)
    return root, out
