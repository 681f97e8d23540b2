"""`guideline publish`: the published site (released versions as current, earlier ones by version)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.commands.options import shown


@click.command("publish")
@click.argument("content", type=click.Path(file_okay=False), default="content")
@click.option("--out", type=click.Path(file_okay=False), default="site", show_default=True, help="The site folder (replaced as a whole when the publish succeeds).")
@click.option("--build", "current_build", type=click.Path(file_okay=False), default=None,
              help="A build of the working tree (e.g. build/): published under <id>/unreleased/ where it differs from the newest release.")
@click.option("--cache", type=click.Path(file_okay=False), default=None,
              help="Where release builds are kept between runs (default: $XDG_CACHE_HOME/guideline-as-code/releases; never inside the working tree).")
@click.option("--html-only", is_flag=True, help="Build releases without their PDFs (a quick preview of the site).")
def publish_command(content: str, out: str, current_build: str | None, cache: str | None, html_only: bool) -> None:
    """Write the published site for the guidelines under CONTENT: each guideline's newest release
    (tag <id>/vX.Y.Z, not a pre-release) as its current documents, every release under
    <id>/vX.Y.Z/, the unreleased working tree under <id>/unreleased/, an index page and versions.json.

    Each release is built from its tag with `guideline build --strict`. Exit status: 0 published,
    1 a release does not build or git fails (the previous site is kept), 2 usage errors.
    """
    from generator.tools.publish_site import publish

    target, source = Path(out).resolve(), Path(content).resolve()
    if target == source or source in target.parents or target in source.parents:
        raise click.UsageError(f"--out {out!r} would replace or sit inside the content folder {content!r}")
    sites = publish(  # a PublishError ends the command in the CLI (exit code 1)
        Path(content),
        Path(out),
        current_build=Path(current_build) if current_build else None,
        cache=Path(cache) if cache else None,
        pdf=not html_only,
    )
    releases = sum(len(s.releases) for s in sites)
    drafts = sum(1 for s in sites if s.unreleased)
    click.echo(f"publish: {len(sites)} guideline(s) into {shown(out)}/: {releases} release(s), {drafts} unreleased")


def register(group: click.Group) -> None:
    group.add_command(publish_command)
