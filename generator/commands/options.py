"""What every command shares: exit codes and the turning of raw option values into stage inputs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from generator.content.folders import UsageError, guideline_folders

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2



def today_from(value: str | None) -> dt.date:
    """The `--today` option (or $GUIDELINE_TODAY), else today's date."""
    raw = value or os.environ.get("GUIDELINE_TODAY")
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a date like 2026-01-31", param_hint="--today") from None


def folders_from(paths) -> list[Path]:
    """The guideline folders named by PATH arguments (default: content/), or a usage error."""
    try:
        return guideline_folders([Path(p) for p in paths])
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
