"""The `guideline` command: a thin layer that parses arguments and calls the stages."""

from __future__ import annotations

import datetime as dt
import sys

import click

from generator import __version__
from generator.diagnostics import format_diagnostics, summary_line
from generator.commands.options import EXIT_ERRORS, EXIT_OK, folders_from, format_option, strict_option, today_option
from generator.errors import GuidelineError


class GuidelineGroup(click.Group):
    """The command group that turns every `GuidelineError` a command raises into one line on stderr
    (`error: <message>`, control characters escaped) and its exit code: the one place where the
    program's own errors are caught (generator/errors.py)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GuidelineError as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            ctx.exit(exc.exit_code)
        except ModuleNotFoundError as exc:
            # A .venv made before requirements.lock gained a package (the Makefile's bootstrap
            # rebuilds it; running .venv/bin/guideline directly after a pull does not).
            missing = (exc.name or "").partition(".")[0]
            if not missing or missing == "generator":
                raise
            click.echo(f"error: the Python module {missing!r} is not installed in this environment; "
                       "its packages predate requirements.lock: run `make venv` (or any make target)", err=True)
            ctx.exit(EXIT_ERRORS)


@click.group(cls=GuidelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="guideline")
def main() -> None:
    """Check and publish clinical guidelines kept as YAML.

    Every command takes guideline folders (or folders of them); the default is content/.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("text", "json", "github", help="text: path:line:col lines; json: an array; github: Actions annotations.")
@strict_option()
@today_option()
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes checking folders the cache does not answer (default: the number of CPUs; lowered to those folders and to what available memory holds).")
def check(paths, fmt: str, strict: bool, today: dt.date, jobs: int | None) -> None:
    """Validate guidelines: schema, citations, DOIs, grading, algorithm, codes, dates, text safety."""
    from generator.check.run import CheckContext
    from generator.build.check_cache import CheckCache
    from generator.build.checked import load_and_check
    from generator.build.workers import available_cpus

    folders = folders_from(paths)
    ctx = CheckContext(today=today, strict=strict)
    # unchanged folders are answered from the cache; the others are loaded in parallel when there are several
    diagnostics = load_and_check(folders, ctx, CheckCache.default(), workers=jobs or available_cpus()).diagnostics
    n_guidelines = len(folders)
    output = format_diagnostics(diagnostics, fmt)
    if output:
        click.echo(output)
    summary = summary_line(diagnostics, n_guidelines)
    click.echo(summary, err=fmt != "text")
    sys.exit(EXIT_ERRORS if any(d.is_error for d in diagnostics) else EXIT_OK)


def _register_optional_commands() -> None:
    """Commands living in their own modules register themselves here (imported lazily by name)."""
    import importlib

    for module in ("generator.commands",):
        try:
            importlib.import_module(module).register(main)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_register_optional_commands()
