"""Write files so that a reader only ever sees the old bytes or the new bytes, never a mix.

Each write goes to a temporary file in the same directory (same file system, so the rename is
atomic), is flushed and fsynced, then renamed over the target with os.replace; the directory
is fsynced afterwards so the rename itself survives a crash. A killed build can leave a
temporary file behind; its name carries the writer's pid so `sweep_temp_files` can remove
those of dead writers without touching a concurrent build's files.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[0-9a-f]{8}$")


def temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some file systems refuse to open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_bytes(target: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Replace `target` with `data` atomically (creating parent folders as needed)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if sync_dir:
        _fsync_dir(target.parent)


def write_text(target: Path, text: str, **kwargs) -> None:
    write_bytes(target, text.encode("utf-8"), **kwargs)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def is_temp_file(path: Path) -> bool:
    return _TEMP_RE.match(Path(path).name) is not None


def sweep_temp_files(directory: Path) -> list[Path]:
    """Delete temporary files left in `directory` by writers that no longer run; returns them."""
    removed: list[Path] = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None or _alive(int(m.group("pid"))):
            continue
        try:
            entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed
