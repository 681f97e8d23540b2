"""`guideline new`: scaffold a guideline folder that passes `guideline check` as created."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    group.add_command(new)


@click.command()
@click.argument("guideline_id", metavar="GUIDELINE-ID")
@click.option("--dir", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True,
              help="The folder of guidelines to create it in.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="The effective date to write (default: today, or $GUIDELINE_TODAY); review_by is two years later.")
def new(guideline_id: str, content_dir: Path, today: str | None) -> None:
    """Create content/GUIDELINE-ID/ with every file, each field explained in comments.

    The new guideline passes `guideline check`; what you must still write is marked `TODO:`,
    which `guideline check --strict` refuses until it is replaced.
    """
    from generator.commands.options import EXIT_USAGE, today_from
    from generator.tools.scaffold import ScaffoldError, create

    try:
        folder = create(guideline_id, content_dir, today_from(today))
    except ScaffoldError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"Error: cannot create {content_dir / guideline_id}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    files = sorted(p.name for p in folder.iterdir())
    click.echo(f"created {folder}/ ({', '.join(files)})")
    click.echo(f"next: replace every TODO: placeholder, then run `guideline check --strict {folder}`")
