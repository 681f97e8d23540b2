"""`guideline export fhir`: a FHIR R5 document Bundle per guideline (see generator/export/fhir.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from generator.commands.options import EXIT_ERRORS, EXIT_OK, shown, today_option


@click.group("export")
def export_group() -> None:
    """Export guidelines to other formats (FHIR)."""


@export_group.command("fhir")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--out", "out", type=click.Path(file_okay=False), default="build", show_default=True,
              help="Output folder; each bundle goes to <out>/<guideline-id>/fhir-bundle.json.")
@today_option()
def export_fhir(paths, out: str, today: dt.date) -> None:
    """Write a FHIR R5 Bundle (Composition, PlanDefinitions, Citations) per guideline.

    The guideline must pass `guideline check` first: a guideline with errors is not exported.
    """
    from generator.build.checked import load_and_check
    from generator.check.run import CheckContext
    from generator.commands.options import folders_from
    from generator.diagnostics import format_diagnostics
    from generator.export.fhir import export_guideline

    folders = folders_from(paths)
    checked = load_and_check(folders, CheckContext(today=today))
    errors = [d for d in checked.diagnostics if d.is_error]
    if errors:
        click.echo(format_diagnostics(errors, "text"))
        click.echo(f"not exported: {len(errors)} error(s); fix them (see `guideline check`) and export again", err=True)
        sys.exit(EXIT_ERRORS)
    failed = False
    for g in checked.guidelines:
        try:
            path = export_guideline(g, Path(out))  # an ExportError ends the command (exit code 1)
        except ValueError as exc:  # the FHIR models rejected the bundle: a bug in the exporter, not the content
            click.echo(f"error: {g.id}: the generated bundle is not valid FHIR R5 (please report this):\n{exc}", err=True)
            failed = True
            continue
        except OSError as exc:
            click.echo(f"error: cannot write the bundle for {g.id}: {shown(exc)}", err=True)
            failed = True
            continue
        click.echo(f"wrote {shown(path)}")
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def register(group: click.Group) -> None:
    group.add_command(export_group)
