"""The `guideline` command: a thin layer that parses arguments and calls the stages."""

from __future__ import annotations

import sys

import click

from generator import __version__
from generator.diagnostics import format_diagnostics, summary_line
from generator.commands.options import EXIT_ERRORS, EXIT_OK, folders_from, today_from


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="guideline")
def main() -> None:
    """Check and publish clinical guidelines kept as YAML.

    Every command takes guideline folders (or folders of them); the default is content/.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: path:line:col lines; json: an array; github: Actions annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--today", metavar="YYYY-MM-DD", help="The date review deadlines are checked against (default: today, or $GUIDELINE_TODAY).")
def check(paths, fmt: str, strict: bool, today: str | None) -> None:
    """Validate guidelines: schema, citations, DOIs, grading, algorithm, codes, dates, text safety."""
    from generator.check.run import CheckContext
    from generator.build.check_cache import CheckCache
    from generator.build.checked import load_and_check

    folders = folders_from(paths)
    ctx = CheckContext(today=today_from(today), strict=strict)
    diagnostics = load_and_check(folders, ctx, CheckCache.default()).diagnostics  # unchanged folders: from the cache
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
