"""Reading a file the content's author does not control the type of: a regular file, bounded.

Outputs, manifests, cache entries and git's index sit in folders anyone can commit to, so any of
them may be a symbolic link (to a secret, to /dev/zero), a FIFO (a read that never returns) or
huge. `read_regular` opens without following a link and without blocking, and reads at most
`limit` bytes of a regular file; everything else is None.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of a regular file, never through a symbolic link, never blocking on a FIFO.
    A caller that must refuse a larger file asks for `limit + 1` and compares."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
