"""Finding guidelines on disk."""

from __future__ import annotations

from pathlib import Path

from generator.diagnostics import one_line
from generator.errors import EXIT_USAGE, GuidelineError

# The file that marks a folder as a guideline (generator.content.loader reads it). Defined here so that
# finding guidelines does not import the loader, and with it pydantic and every model: a warm
# `guideline check` or a no-op build answers from the cache without them.
GUIDELINE_FILE = "guideline.yaml"
# Every file the loader reads from a guideline folder (nothing else in it is read, and so nothing
# else is part of the check cache's key).
CONTENT_FILES = (GUIDELINE_FILE, "statements.yaml", "algorithm.yaml", "references.yaml", "references.json", "vignettes.yaml", "signoff.yaml")
DEFAULT_CONTENT = Path("content")
# The library bibliography: references cited by several guidelines are written once, in this file
# beside the guideline folders (content/references.yaml); each guideline cites its ids.
LIBRARY_REFERENCES = "references.yaml"


def library_folder(folder: Path) -> Path:
    """The folder that holds guideline folder `folder` (its library)."""
    folder = Path(folder)
    if folder.name in ("", ".", ".."):  # `guideline check .` inside a guideline folder
        return folder.resolve().parent
    return folder.parent


def library_references(folder: Path) -> Path:
    """Where the library bibliography of guideline folder `folder` is (whether or not it exists)."""
    return library_folder(folder) / LIBRARY_REFERENCES


class UsageError(GuidelineError):
    """A problem with how the command was called (exit code 2), not with the content."""

    exit_code = EXIT_USAGE


def guideline_folders(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """Each path is a guideline folder, or a folder of guideline folders (like content/)."""
    if not paths:
        paths = (DEFAULT_CONTENT,)
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        shown = one_line(str(p))  # a folder name may hold a line break or a terminal escape
        if not p.exists():
            raise UsageError(f"{shown}: no such file or directory")
        if p.is_file():
            p = p.parent
        elif not p.is_dir():  # a FIFO, /dev/null, a socket: never opened
            raise UsageError(f"{shown}: not a folder or a file")
        if (p / GUIDELINE_FILE).is_file():
            found.append(p)
            continue
        children = sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith((".", "_")))
        if not children:
            raise UsageError(f"{one_line(str(p))}: no guideline folders here (a guideline folder holds {GUIDELINE_FILE})")
        for c in children:  # content/x -> /etc would have every file there read (and hashed by the cache)
            if c.is_symlink() and not c.resolve().is_relative_to(p.resolve()):
                raise UsageError(
                    f"{one_line(str(c))}: a symbolic link to a folder outside {one_line(str(p))}; "
                    f"not followed (move the guideline into {one_line(str(p))})"
                )
        found.extend(children)
    unique = list(dict.fromkeys(f.resolve() for f in found))
    return [Path(f) for f in unique]
