"""`guideline schema`: write the JSON Schema files editors use to complete and validate content."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.commands.options import shown


def register(group: click.Group) -> None:
    group.add_command(schema)


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True,
              help="Folder to write <file>.schema.json into.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if any schema file is missing or out of date.")
def schema(out: Path, check_only: bool) -> None:
    """Write JSON Schema files for guideline.yaml, statements.yaml, references and algorithm.yaml.

    Content files point at them on their first line, e.g.
    `# yaml-language-server: $schema=../../schemas/statements.schema.json`.
    """
    from generator.tools.schema import stale_schemas, write_schemas

    if check_only:
        stale = stale_schemas(out)
        for path in stale:
            click.echo(f"{shown(path)}: error[stale-schema]: out of date with the content model; "
                       f"run `guideline schema --out {shown(out)}`")
        if not stale:
            click.echo(f"{shown(out)}: schemas up to date")
        sys.exit(1 if stale else 0)
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"{shown(out)}: not a folder")
    for path, changed in write_schemas(out):
        click.echo(f"{'wrote' if changed else 'unchanged'} {shown(path)}")
