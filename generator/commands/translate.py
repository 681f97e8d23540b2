"""`guideline translate update <lang>` and `guideline translate status`: the patient explainer's translation files."""

from __future__ import annotations

import json
import sys

import click

from generator.commands.options import EXIT_ERRORS, EXIT_OK, escaped, format_option, shown
from generator.content.folders import UsageError


@click.group("translate")
def translate_group() -> None:
    """Translations of the patient explainer: gettext PO files in <guideline>/translations/<lang>.po."""


def _load(paths):
    from generator.commands.options import folders_from
    from generator.content.loader import load_guideline

    loaded, failed = [], []
    for folder in folders_from(paths):
        g = load_guideline(folder).guideline
        if g.meta is None or not g.complete:
            failed.append(folder)
        else:
            loaded.append(g)
    return loaded, failed


@translate_group.command("update")
@click.argument("language")
@click.argument("paths", nargs=-1, type=click.Path())
def update_command(language: str, paths) -> None:
    """Create or merge translations/LANGUAGE.po of each guideline with a patient explainer.

    A field whose source text changed is marked fuzzy (its old translation kept, the old source
    recorded as the previous msgid); a field that is gone is kept as obsolete. Exit 0, 1 when a
    guideline does not load (run `guideline check`), 2 for an invalid language tag.
    """
    from generator.content.po import LANGUAGE_TAG
    from generator.tools.translate import update

    if not LANGUAGE_TAG.match(language):
        raise UsageError(f"{language!r} is not a language tag such as es or pt-BR")
    guidelines, failed = _load(paths)
    for g in guidelines:
        if g.meta.patient is None:
            click.echo(f"{g.id}: no patient explainer (no patient: block), nothing to translate")
            continue
        if language == g.meta.language:
            click.echo(f"error: {g.id} is written in {language}; translate it into another language", err=True)
            failed.append(g.folder)
            continue
        r = update(g, language)
        verb = "created" if r.created else "updated"
        click.echo(
            f"{shown(r.path)}: {verb}; {r.added} new, {r.changed} changed (marked fuzzy), {r.unchanged} unchanged, {r.obsolete} obsolete"
        )
    for folder in failed:
        if not any(str(folder) == str(g.folder) for g in guidelines):
            click.echo(f"error: {shown(folder)} does not load; run `guideline check`", err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


@translate_group.command("status")
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("text", "json")
def status_command(paths, fmt: str) -> None:
    """Per guideline and language: fields translated, fuzzy and missing, the translation's status and reviewer.

    Exit 0 when every language of every guideline is complete and current, 1 otherwise.
    """
    from generator.check.readability_gates import gate_for
    from generator.content.translations import status_report

    guidelines, failed = _load(paths)
    reports = []
    for g in guidelines:
        report = status_report(g)
        for lang in report["languages"]:
            lang["readability"] = gate_for(lang["language"], g.meta.patient).describe() if g.meta.patient else None
        reports.append(report)
    if fmt == "json":
        click.echo(json.dumps(reports, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        blocks = []
        for r in escaped(reports):  # the reviewer is read from the PO header
            lines = [f"{r['guideline']} (source language {r['source_language']}, {r['entries']} fields)"]
            if not r["languages"]:
                lines.append("  no translations (guideline translate update <lang> creates one)")
            for lang in r["languages"]:
                reviewed = f"reviewed by {lang['reviewer']}" if lang["status"] == "reviewed" else "draft, not reviewed"
                lines.append(
                    f"  {lang['language']}: {lang['translated']} translated, {lang['fuzzy']} fuzzy, {lang['missing']} missing"
                    f" of {lang['total']}; {reviewed}; {'complete' if lang['complete'] else 'incomplete'}"
                )
                if lang["readability"]:
                    lines.append(f"      readability gate: {lang['readability']}")
                for key in ("fuzzy", "missing"):
                    listed = lang[f"{key}_entries"][:5]
                    if listed:
                        more = len(lang[f"{key}_entries"]) - len(listed)
                        lines.append(f"      {key}: {', '.join(listed)}{f' and {more} more' if more else ''}")
            blocks.append("\n".join(lines))
        click.echo("\n\n".join(blocks))
    for folder in failed:
        click.echo(f"error: {shown(folder)} does not load; run `guideline check`", err=True)
    complete = all(lang["complete"] for r in reports for lang in r["languages"])
    sys.exit(EXIT_OK if complete and not failed else EXIT_ERRORS)


def register(group: click.Group) -> None:
    group.add_command(translate_group)
