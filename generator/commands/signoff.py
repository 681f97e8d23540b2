"""`guideline signoff`: the fingerprint to approve, and which required roles have approved it."""

from __future__ import annotations

import json
import sys

import click

from generator.commands.options import EXIT_ERRORS, EXIT_OK, escaped, format_option, shown


@click.command("signoff")
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("text", "json")
def signoff_command(paths, fmt: str) -> None:
    """Print each guideline's content fingerprint (what an approval in signoff.yaml names) and, per
    required approver role, whether the current version is approved, approved with other content
    (stale) or not approved.

    Exit status: 0 when every guideline has every current approval, 1 otherwise, 2 usage errors.
    """
    from generator.commands.options import folders_from
    from generator.content.loader import load_guideline
    from generator.content.signoff import signoff_status
    from generator.tools.signoff_report import format_text

    reports, failed = [], []
    for folder in folders_from(paths):
        g = load_guideline(folder).guideline
        if g.meta is None:
            failed.append(folder)
            continue
        reports.append(signoff_status(g))
    if fmt == "json":
        click.echo(json.dumps(reports, indent=2, sort_keys=True))
    else:
        click.echo("\n\n".join(format_text(escaped(r)) for r in reports))
    for folder in failed:
        click.echo(f"error: guideline.yaml of {shown(folder)} does not load; run `guideline check`", err=True)
    sys.exit(EXIT_OK if reports and all(r["ready"] for r in reports) and not failed else EXIT_ERRORS)


def register(group: click.Group) -> None:
    group.add_command(signoff_command)
