"""`guideline new`: scaffold a guideline folder that passes `guideline check` as created."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from generator.commands.options import shown, today_option


def register(group: click.Group) -> None:
    group.add_command(new)


@click.command()
@click.argument("guideline_id", metavar="GUIDELINE-ID")
@click.option("--dir", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True,
              help="The folder of guidelines to create it in.")
@today_option(help="The effective date to write (default: today, or $GUIDELINE_TODAY); review_by is two years later.")
def new(guideline_id: str, content_dir: Path, today: dt.date) -> None:
    """Create content/GUIDELINE-ID/ with every file, each field explained in comments.

    The new guideline passes `guideline check`; what you must still write is marked `TODO:`,
    which `guideline check --strict` refuses until it is replaced.
    """
    from generator.tools.scaffold import ScaffoldError, create

    try:
        folder = create(guideline_id, content_dir, today)  # a ScaffoldError: exit code 2
    except OSError as exc:
        raise ScaffoldError(f"cannot create {content_dir / guideline_id}: {exc.strerror or exc}")  # escaped by the CLI from None
    files = sorted(p.name for p in folder.iterdir())
    click.echo(f"created {shown(folder)}/ ({', '.join(shown(f) for f in files)})")
    click.echo(f"next: replace every TODO: placeholder, then run `guideline check --strict {shown(folder)}`")
