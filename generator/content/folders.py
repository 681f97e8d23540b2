"""Finding guidelines on disk."""

from __future__ import annotations

from pathlib import Path

# The file that marks a folder as a guideline (generator.content.loader reads it). Defined here so that
# finding guidelines does not import the loader, and with it pydantic and every model: a warm
# `guideline check` or a no-op build answers from the cache without them.
GUIDELINE_FILE = "guideline.yaml"
DEFAULT_CONTENT = Path("content")


class UsageError(Exception):
    """A problem with how the command was called (exit code 2), not with the content."""


def guideline_folders(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """Each path is a guideline folder, or a folder of guideline folders (like content/)."""
    if not paths:
        paths = (DEFAULT_CONTENT,)
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
        if p.is_file():
            p = p.parent
        if (p / GUIDELINE_FILE).is_file():
            found.append(p)
            continue
        children = sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith((".", "_")))
        if not children:
            raise UsageError(f"{p}: no guideline folders here (a guideline folder holds {GUIDELINE_FILE})")
        for c in children:  # content/x -> /etc would have every file there read (and hashed by the cache)
            if c.is_symlink() and not c.resolve().is_relative_to(p.resolve()):
                raise UsageError(f"{c}: a symbolic link to a folder outside {p}; not followed (move the guideline into {p})")
        found.extend(children)
    unique = list(dict.fromkeys(f.resolve() for f in found))
    return [Path(f) for f in unique]
