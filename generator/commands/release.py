"""`guideline release`: check strictly, choose the release level, write the changelog entry, tag."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from generator.commands.options import EXIT_ERRORS, EXIT_OK, shown, today_option


@click.command("release")
@click.argument("folder", type=click.Path(file_okay=False))
@click.argument("version")
@click.option("--dry-run", is_flag=True, help="Say what would be written and tagged; change nothing.")
@today_option(help="The release date and the date checks run against (default: today, or $GUIDELINE_TODAY).")
def release_command(folder: str, version: str, dry_run: bool, today: dt.date) -> None:
    """Release the guideline in FOLDER as VERSION: refuse a version lower than the latest release or a
    smaller step than its changes need (docs/release.md), write the changelog entry from the
    statement diff (unless the authors wrote one), check strictly, commit guideline.yaml and create
    the tag <guideline-id>/vVERSION.

    Exit status: 0 released, 1 refused (the reason, or the diagnostics), 2 usage errors.
    """
    from generator.build.checked import load_and_check
    from generator.check.run import CheckContext
    from generator.diagnostics import format_diagnostics
    from generator.tools.release import ReleaseError, commit_and_tag, plan_release, write_release

    day = today
    path = Path(folder)
    if not (path / "guideline.yaml").is_file():
        raise click.UsageError(f"{shown(folder)} is not a guideline folder (it has no guideline.yaml)")
    plan = plan_release(path, version)  # a ReleaseError says why not (exit code 1)
    since = f"since {plan.previous.tag}" if plan.previous else "first release"
    click.echo(f"release {plan.tag} ({since}; the changes need at least a {plan.required} release)")
    for reason in plan.reasons:
        click.echo(f"  - {shown(reason)}")
    if plan.changes:
        click.echo("changelog entry:")
        for line in plan.changes:
            click.echo(f"  - {shown(line)}")
    if dry_run:
        click.echo("dry run: nothing written")
        sys.exit(EXIT_OK)
    meta = plan.folder / "guideline.yaml"
    before = meta.read_text(encoding="utf-8")
    meta.write_text(write_release(plan, day), encoding="utf-8")
    checked = load_and_check([plan.folder], CheckContext(today=day, strict=True))
    problems = [d for d in checked.diagnostics if d.is_error]
    guidelines = checked.guidelines
    if problems:
        meta.write_text(before, encoding="utf-8")
        click.echo(format_diagnostics(problems, "text"))
        click.echo(f"error: {plan.tag} not released: `guideline check --strict` fails (guideline.yaml restored)", err=True)
        sys.exit(EXIT_ERRORS)
    try:
        commit_and_tag(plan, guidelines[0].meta.title if guidelines and guidelines[0].meta else plan.guideline_id)
    except ReleaseError as exc:
        meta.write_text(before, encoding="utf-8")
        raise ReleaseError(f"{exc} (guideline.yaml restored)") from None
    click.echo(f"released {plan.tag}")


def register(group: click.Group) -> None:
    group.add_command(release_command)
