"""What every command shares: exit codes, the options several commands take (defined once, as
decorators), and the turning of raw option values into stage inputs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from generator.content.folders import guideline_folders
from generator.diagnostics import one_line
from generator.errors import EXIT_ERRORS, EXIT_OK, EXIT_USAGE  # noqa: F401 - the commands import them from here

TODAY_HELP = "The date review deadlines are checked against (default: today, or $GUIDELINE_TODAY)."
FORMAT_HELP = {
    "text": "text: readable lines",
    "json": "json: one JSON document",
    "markdown": "markdown: for a pull request or an issue",
    "github": "github: GitHub Actions annotations",
}


def today_from(value: str | None) -> dt.date:
    """The `--today` option (or $GUIDELINE_TODAY), else today's date."""
    raw = value or os.environ.get("GUIDELINE_TODAY")
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a date like 2026-01-31", param_hint="--today") from None


def today_option(help: str = TODAY_HELP):
    """`--today YYYY-MM-DD`: the command receives `today` as a `datetime.date` (default: today, or
    $GUIDELINE_TODAY); a malformed date is a usage error."""
    return click.option("--today", "today", metavar="YYYY-MM-DD", help=help,
                        callback=lambda ctx, param, value: today_from(value))


def strict_option(help: str = "Treat warnings as errors."):
    """`--strict`: the command receives `strict` (bool)."""
    return click.option("--strict", "strict", is_flag=True, help=help)


def format_option(*choices: str, help: str | None = None):
    """`--format` with the given choices, the first being the default: the command receives `fmt`."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True,
                        help=help or "; ".join(FORMAT_HELP[c] for c in choices) + ".")


def shown(name) -> str:
    """A file or folder name as printed: control characters escaped, so a name holding a line break
    and `::error ...` (or a terminal escape) stays inside its line (generator/diagnostics.one_line)."""
    return one_line(str(name))


def escaped(value):
    """A report (dicts, lists, texts) with every text's control characters escaped, line breaks
    included, before it is formatted as lines: a title or a name from the content cannot clear the
    terminal or start a line of its own (`::error ...` would be a GitHub annotation). JSON output
    needs none of this: json.dumps escapes them."""
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, dict):
        return {k: escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escaped(v) for v in value]
    return value


def folders_from(paths) -> list[Path]:
    """The guideline folders named by PATH arguments (default: content/); a `UsageError` (exit code 2)
    otherwise."""
    return guideline_folders([Path(p) for p in paths])
