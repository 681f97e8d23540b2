"""`guideline review-report`: review dates of guidelines and statements, soonest first."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from generator.commands.options import EXIT_ERRORS, EXIT_OK, escaped, format_option, today_option


@click.command("review-report")
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("text", "json", "markdown")
@click.option("--within", "within", type=click.IntRange(min=0), default=90, show_default=True, metavar="DAYS",
              help="Flag items due within this many days.")
@today_option(help="The date to report against (default: today, or $GUIDELINE_TODAY).")
def review_report(paths, fmt: str, within: int, today: dt.date) -> None:
    """List each guideline's review_by and every statement's last_reviewed / review_due, sorted by due
    date, flagging overdue items and items due within --within days.

    Exit status: 0 (the report is printed even when items are overdue; `guideline check` is the gate),
    1 when a guideline cannot be loaded, 2 for usage errors.
    """
    from generator.commands.options import folders_from
    from generator.diagnostics import one_line
    from generator.content.loader import load_guideline
    from generator.tools.review_report import build_report, format_markdown, format_text

    day = today
    folders = folders_from(paths)
    guidelines, failed = [], []
    for folder in folders:
        g = load_guideline(folder).guideline
        if g.meta is None:
            failed.append(str(folder))
        guidelines.append(g)
    report = build_report(guidelines, day, within)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    elif fmt == "markdown":
        click.echo(format_markdown(escaped(report)), nl=False)
    else:
        click.echo(format_text(escaped(report)))
    for folder in failed:
        shown = one_line(folder)  # a folder name may hold a line break (a forged `::error` line) or an escape
        click.echo(f"error: {shown}: guideline.yaml does not load; run `guideline check {shown}`", err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def register(group: click.Group) -> None:
    group.add_command(review_report)
