"""`guideline serve`: preview the documents on 127.0.0.1, rebuilt and reloaded on every change."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from generator.commands.options import shown, today_option


def register(group: click.Group) -> None:
    group.add_command(serve)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect to the default; anything else exposes drafts to the network.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
              help="Build folder to write to and serve.")
@click.option("--pdf", "with_pdf", is_flag=True, help="Also rebuild the PDFs on every change (slower; HTML and SVG only by default).")
@today_option()
def serve(paths, port: int, host: str, out: Path, with_pdf: bool, today: dt.date) -> None:
    """Build, serve and watch: edit a file, and the page in the browser reloads with the change.

    Only documents whose inputs changed are rebuilt. When the content is broken, the page shows
    the check diagnostics (the last good documents stay); the server keeps running. Stop it
    with Ctrl-C.
    """
    from generator.build.engine import output_folder_problem
    from generator.build.serve import Preview, Runner
    from generator.content.folders import UsageError

    folders = [Path(p) for p in paths] or [Path("content")]
    for p in folders:
        if not p.exists():
            raise click.UsageError(f"{shown(p)}: no such file or directory")
    problem = output_folder_problem(str(out), folders)  # as for build: never ., a link or a guideline folder
    if problem:
        raise click.BadParameter(problem, param_hint="--out")

    def log(message: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {message}", err=True)

    preview = Preview(folders, out, html_only=not with_pdf, today=today, log=log)
    try:
        runner = Runner(preview, host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {shown(host)}: other machines can read these documents", err=True)
    runner.start()
    click.echo(f"Serving {shown(out)}/ at {runner.url} (watching {', '.join(shown(p) for p in folders)}; Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        runner.stop()
