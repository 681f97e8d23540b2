"""`guideline refs verify`: ask Crossref whether each cited DOI exists, has our title, and stands.

Never part of `check` or `build`; offline by default (cached answers only).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from generator.commands.options import format_option, shown


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses `nan` and `inf` (which every comparison lets through)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def register(group: click.Group) -> None:
    @group.group("refs")
    def refs() -> None:
        """Reference integrity beyond syntax (uses the network only with --online)."""

    @refs.command("verify")
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--online", is_flag=True, help="Ask Crossref (without it, only cached answers are reported).")
    @click.option("--api", default=None, metavar="URL", help="Crossref REST API base URL [default: https://api.crossref.org].")
    @click.option("--cache", "cache_dir", default=None, type=click.Path(file_okay=False), metavar="DIR",
                  help="Where answers are cached, one file per DOI [default: .cache/refs].")
    @click.option("--timeout", type=FiniteFloatRange(min=0.1, max=300), default=None, metavar="S",
                  help="Seconds to wait for each answer [default: 10].")
    @click.option("--refresh", is_flag=True, help="Ignore cached answers and ask again (with --online).")
    @click.option("--max-age", type=FiniteFloatRange(min=0, max=36500), default=None, metavar="DAYS",
                  help="Ask again about DOIs cached longer ago than this (at most 36500) [default: 30].")
    @click.option("--mailto", envvar="GUIDELINE_MAILTO", default=None, metavar="EMAIL",
                  help="Contact address sent to Crossref (its 'polite pool'); also $GUIDELINE_MAILTO.")
    @format_option("text", "json", "github")
    def verify(paths, online, api, cache_dir, timeout, refresh, max_age, mailto, fmt) -> None:
        """Confirm each reference's DOI exists at Crossref, that its registered title matches ours,
        and that Crossref records no retraction or expression of concern."""
        from generator.tools import refs_verify as rv
        from generator.commands.options import EXIT_ERRORS, EXIT_OK, folders_from
        from generator.diagnostics import format_diagnostics
        from generator.content.loader import load_guideline

        api = api or rv.DEFAULT_API
        problem = rv.check_api(api)
        if problem:
            raise click.UsageError(problem)
        folders = folders_from(paths)
        loaded = [load_guideline(folder) for folder in folders]
        guidelines = [result.guideline for result in loaded]
        cache = rv.Cache(Path(cache_dir) if cache_dir else rv.DEFAULT_CACHE,
                         rv.DEFAULT_MAX_AGE_DAYS if max_age is None else max_age)
        if not online:
            click.echo(
                f"offline: reporting cached Crossref answers only (from {shown(cache.folder)}); "
                f"run `guideline refs verify --online` to ask {shown(api)}",
                err=True,
            )
        report = rv.verify_guidelines(
            guidelines,
            online=online,
            cache=cache,
            api=api,
            timeout=rv.DEFAULT_TIMEOUT if timeout is None else timeout,
            refresh=refresh,
            mailto=mailto,
            load_diagnostics=[d for result in loaded for d in result.diagnostics],
        )
        output = format_diagnostics(report.diagnostics, fmt)
        if output:
            click.echo(output)
        parts = [f"{report.checked} reference{'s' if report.checked != 1 else ''} verified", f"{report.failed} failed"]
        if report.from_cache:
            parts.append(f"{report.from_cache} answered from the cache")
        if report.not_cached:
            parts.append(f"{report.not_cached} not verified" if report.unreachable else
                         f"{report.not_cached} not in the cache (not verified)")
        if report.skipped:
            parts.append(f"{report.skipped} with an invalid DOI skipped (see `guideline check`)")
        click.echo("refs verify: " + ", ".join(parts), err=fmt != "text")
        if report.unreachable:
            click.echo(f"refs verify: error: cannot reach {shown(api)} ({report.unreachable}); check the network "
                       "connection (or --api) and run again", err=fmt != "text")
            sys.exit(EXIT_ERRORS)
        if not online:  # offline: findings (cached) are shown, never failed on
            sys.exit(EXIT_OK)
        sys.exit(EXIT_ERRORS if any(d.is_error for d in report.diagnostics) else EXIT_OK)
