"""`guideline build`: check, then build every document of every guideline into <out>/<guideline-id>/."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from generator.commands.options import shown, strict_option, today_option


class _Progress:
    """A live status line on a terminal; elsewhere (CI logs) one plain line per document built or
    failed. Skipped documents are only counted: a no-op build prints just the summary line."""

    def __init__(self, live: bool):
        self.live = live
        self.counts = {"built": 0, "skipped": 0, "failed": 0}
        self.shown = False

    def __call__(self, outcome, finished: int, total: int) -> None:
        self.counts[outcome.status] += 1
        where = f"{outcome.guideline}/{outcome.filename}"
        if outcome.status == "failed":
            self.clear()
            message = outcome.message
            click.echo(message if message.count(": error[") else f"error: {where}: {shown(message)}")
        if self.live:
            c = self.counts
            line = f"[{finished}/{total}] built {c['built']}, skipped {c['skipped']}, failed {c['failed']}: {where}"
            click.echo("\r\x1b[K" + line[:120], nl=False)
            self.shown = True
        elif outcome.status == "built":
            click.echo(f"built   {where} ({outcome.seconds:.2f} s)")

    def note(self, line: str) -> None:
        self.clear()
        click.echo(line)

    def clear(self) -> None:
        if self.live and self.shown:
            click.echo("\r\x1b[K", nl=False)
            self.shown = False


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def _interruptible(command):
    """Ctrl-C: one line and exit 130. The workers ignore SIGINT and are stopped by the engine, so no
    traceback is printed; every file written so far is complete (atomic writes), the rest is redone."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("\nbuild: interrupted (the files written so far are complete; build again to finish)", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return run


def _write_reports(report_path, summary_path, report, guidelines, shard, work, total) -> None:
    """--report and --summary; a file that cannot be written is a one-line error, the build's outputs stay."""
    if not report_path and not summary_path:
        return
    from generator.build.summary import append_summary, report_record, write_report
    from generator.commands.options import EXIT_ERRORS
    from generator.diagnostics import one_line

    record = report_record(report, guidelines, shard, work, total)
    for path, write in ((report_path, write_report), (summary_path, append_summary)):
        if path:
            try:
                write(Path(path), record)
            except OSError as exc:
                click.echo(f"error: {one_line(path)}: cannot write the build report: {exc.strerror or exc}")
                sys.exit(EXIT_ERRORS)


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--out", "out", type=click.Path(file_okay=False), default="build", show_default=True,
                  help="Output folder; each guideline goes to OUT/<guideline-id>/.")
    @click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                  help="Worker processes rendering in parallel (default: the number of CPUs; lowered to the documents to render and to what available memory holds).")
    @click.option("--force", is_flag=True, help="Render every document, even those whose inputs did not change.")
    @click.option("--html-only", is_flag=True, help="Build the HTML and SVG documents only, no PDFs.")
    @click.option("--shard", metavar="K/N", help="Build only the guidelines of shard K of N (stable, by guideline id).")
    @click.option("--shard-by-work", is_flag=True,
                  help="Split the shards by each guideline's expected work in OUT instead (CI shards that each restore the same build).")
    @click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
                  help="Write a JSON report: the guidelines built, each document's status and why it was rendered.")
    @click.option("--summary", "summary_path", type=click.Path(dir_okay=False), default=None,
                  help="Append a Markdown summary of what was rebuilt and why (CI: \"$GITHUB_STEP_SUMMARY\").")
    @strict_option(help="Treat check warnings as errors.")
    @today_option()
    @_interruptible
    def build(paths, out: str, jobs: int | None, force: bool, html_only: bool, shard: str | None, shard_by_work: bool,
              report_path: str | None, summary_path: str | None, strict: bool, today) -> None:
        """Check, then build the documents whose inputs changed (incremental, atomic, parallel)."""
        from generator.build import engine as builder
        from generator.check.run import CheckContext
        from generator.build.check_cache import CheckCache
        from generator.commands.options import EXIT_ERRORS, EXIT_OK, folders_from
        from generator.diagnostics import format_diagnostics, summary_line

        started = time.perf_counter()
        try:
            shard_spec = builder.parse_shard(shard) if shard is not None else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from None
        folders = folders_from(paths)
        problem = builder.output_folder_problem(out, folders)
        if problem:
            raise click.BadParameter(problem, param_hint="--out")
        ctx = CheckContext(today=today, strict=strict)
        prepared = builder.prepare(folders, ctx, cache=CheckCache.default())
        text = format_diagnostics(prepared.diagnostics, "text")
        if text:
            click.echo(text)
        if not prepared.ok:
            click.echo(summary_line(prepared.diagnostics, len(folders)))
            click.echo("build: nothing written (fix the errors above first)")
            sys.exit(EXIT_ERRORS)
        work = builder.expected_work(prepared.sources, Path(out), html_only=html_only) if shard_spec and shard_by_work else None
        sources = builder.select_shard(prepared.sources, shard_spec, work)
        if shard_spec and not sources:
            _write_reports(report_path, summary_path, builder.BuildReport(), [], shard_spec, work, len(prepared.sources))
            click.echo(f"build: shard {shard_spec[0]}/{shard_spec[1]} holds none of the {len(prepared.sources)} guidelines")
            sys.exit(EXIT_OK)
        progress = _Progress(live=sys.stdout.isatty())
        try:  # a BuildError ends the command in the CLI (exit code 1)
            report = builder.build(sources, Path(out), jobs=jobs, force=force, html_only=html_only, progress=progress, notify=progress.note)
        except OSError as exc:
            click.echo(f"error: {shown(exc.filename or out)}: {shown(exc.strerror or exc)}")
            sys.exit(EXIT_ERRORS)
        progress.clear()
        for removed in report.removed:
            click.echo(f"removed {shown(removed)} (no document produces it any more)")
        report.seconds = time.perf_counter() - started
        _write_reports(report_path, summary_path, report, [src.id for src in sources], shard_spec, work, len(prepared.sources))
        noun = "guideline" if len(sources) == 1 else "guidelines"
        click.echo(f"build: {len(sources)} {noun} into {shown(out)}/: {report.summary()}")
        sys.exit(EXIT_OK if report.ok else EXIT_ERRORS)
