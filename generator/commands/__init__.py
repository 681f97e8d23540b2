"""CLI commands beyond `check`, one module each, discovered at start-up.

Each module here defines `register(group: click.Group) -> None` and keeps its heavy imports
(WeasyPrint, FHIR models, ...) inside the command function, so `guideline check` starts fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def register(group: click.Group) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        hook = getattr(module, "register", None)
        if hook is not None:
            hook(group)
