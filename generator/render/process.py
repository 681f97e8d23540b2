"""Child processes that die with their parent (Linux), so a build killed with `kill -9` leaves nothing running.

`die_with_parent(parent)` asks the kernel to send SIGKILL to the calling process when its parent
dies (prctl PR_SET_PDEATHSIG). The build engine's workers call it when they start; the flowchart
passes `child_dies_with_parent()` as `preexec_fn` to the graphviz process, so neither a worker
nor its graphviz outlives a killed build. Elsewhere (not Linux) it does nothing.
"""

from __future__ import annotations

import functools
import os
import signal
from typing import Callable

_PR_SET_PDEATHSIG = 1


@functools.lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # noqa: BLE001 - not Linux
        return None


def die_with_parent(parent: int | None = None, prctl: Callable[..., int] | None = None) -> None:
    """SIGKILL this process when its parent dies; exit at once if the parent is already gone."""
    prctl = prctl or _prctl()
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if parent is not None and os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def child_dies_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for subprocess: the child gets SIGKILL when the process starting it dies.

    Everything it needs is looked up here, before the fork (no import in the child)."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    return functools.partial(die_with_parent, parent, prctl)
