"""`guideline diff`: statements added, removed and changed between a git revision (or release) and now."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.commands.options import EXIT_OK, escaped, format_option


@click.command("diff")
@click.argument("args", nargs=-1, metavar="[REVISION] [PATH ...]")
@click.option("--since-release", is_flag=True,
              help="Compare with the previous release tag (<guideline-id>/vX.Y.Z or vX.Y.Z) instead of a REVISION.")
@format_option("text", "json", "markdown")
def diff_command(args: tuple[str, ...], since_release: bool, fmt: str) -> None:
    """List statement-level changes between REVISION (any git revision: a tag, a commit, HEAD~3) and the
    working tree, for each guideline under PATH (default: content/).

    With --since-release, each guideline is compared with its previous release tag.
    """
    from generator.history.changes import ChangesError, compare_with_revision, previous_release
    from generator.commands.options import folders_from
    from generator.content.loader import load_guideline

    if since_release:
        rev, paths = None, args
    else:
        if not args:
            raise click.UsageError("give a git revision to compare with (e.g. HEAD~1, v1.0.0), or --since-release")
        rev, paths = args[0], args[1:]
    folders = folders_from(paths)
    results = []  # a ChangesError (unknown revision, not a repository) ends the command with exit code 2
    for folder in folders:
        current = load_guideline(folder).guideline
        if current.meta is None:
            raise ChangesError(f"{folder}: guideline.yaml does not load; run `guideline check {folder}`")
        if since_release:
            release = previous_release(folder, current.id, current.meta.version)
            if release is None:
                results.append({"guideline": current.id, "title": current.meta.title, "first_version": True,
                                "to": {"revision": "working tree", "version": current.meta.version}})
                continue
            old_rev = release.tag
        else:
            old_rev = rev
        results.append(compare_with_revision(folder, old_rev, current))  # added since old_rev: all added
    if fmt == "json":
        click.echo(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo("\n\n".join(format_markdown(escaped(r)) for r in results))
    else:
        click.echo("\n\n".join(format_text(escaped(r)) for r in results))
    sys.exit(EXIT_OK)


# --------------------------------------------------------------------------- formats


def _grade(g: dict | None) -> str:
    return f"{g['level']}/{g['strength']}" if g else "none"


def describe_field(change: dict) -> str:
    """One field change as a short phrase."""
    name = change["field"]
    if name == "citations":
        bits = [f"+{k}" for k in change["added"]] + [f"-{k}" for k in change["removed"]]
        return f"citations ({', '.join(bits) if bits else 'locators, quotes or order'})"
    if name == "grade":
        return f"grade ({_grade(change['old'])} -> {_grade(change['new'])})"
    if name in ("kind", "section", "last_reviewed", "review_due"):
        return f"{name} ({change['old']} -> {change['new']})"
    if name == "patient":
        return "patient text"
    return name


def _header(r: dict) -> str:
    if r.get("first_version"):
        return f"{r['guideline']}: {r['to']['version']} is the first version (no earlier release tag)"
    if r.get("new_guideline"):
        return f"{r['guideline']}: new since {r['from']['revision']} -> {r['to']['version']} ({r['to']['revision']})"
    return f"{r['guideline']}: {r['from']['version']} ({r['from']['revision']}) -> {r['to']['version']} ({r['to']['revision']})"


def format_text(r: dict) -> str:
    lines = [_header(r)]
    if r.get("first_version"):
        return lines[0]
    from generator.history.changes import is_empty

    if is_empty(r):
        lines.append("  no changes")
        return "\n".join(lines)
    for m in r["metadata"]:
        lines.append(f"  metadata {m['field']}: {m['old']} -> {m['new']}")
    st = r["statements"]
    for s in st["added"]:
        lines.append(f"  added    {s['id']} ({s['kind']}, section {s['section']})")
    for s in st["removed"]:
        lines.append(f"  removed  {s['id']} ({s['kind']}, section {s['section']})")
    for s in st["changed"]:
        lines.append(f"  changed  {s['id']}: {', '.join(describe_field(c) for c in s['changes'])}")
        for c in s["changes"]:
            if c["field"] == "text":
                lines.append(f"           {c['word_diff']}")
    refs = r["references"]
    for key in ("added", "removed"):
        if refs[key]:
            lines.append(f"  references {key}: {', '.join(refs[key])}")
    for c in refs["changed"]:
        lines.append(f"  reference changed {c['id']}: {', '.join(c['fields'])}")
    algo = r["algorithm"]
    for key in ("added", "removed", "changed"):
        if algo[key]:
            lines.append(f"  algorithm nodes {key}: {', '.join(algo[key])}")
    return "\n".join(lines)


def format_markdown(r: dict) -> str:
    out = [f"## {r['title']} ({r['guideline']})", ""]
    if r.get("first_version"):
        out.append(f"Version {r['to']['version']} is the first version: there is no earlier release tag.")
        return "\n".join(out)
    if r.get("new_guideline"):
        out.append(f"New since `{r['from']['revision']}`: version {r['to']['version']} ({r['to']['revision']}), "
                   "every statement added.")
    else:
        out.append(f"Version {r['from']['version']} (`{r['from']['revision']}`) to {r['to']['version']} ({r['to']['revision']}).")
    from generator.history.changes import is_empty

    if is_empty(r):
        out += ["", "No changes."]
        return "\n".join(out)
    if r["metadata"]:
        out += ["", "### Metadata", ""]
        out += [f"- `{m['field']}`: {m['old']} → {m['new']}" for m in r["metadata"]]
    st = r["statements"]
    if any(st.values()):
        out += ["", "### Statements", ""]
        out += [f"- **added** `{s['id']}` ({s['kind']}): {s['text']}" for s in st["added"]]
        out += [f"- **removed** `{s['id']}` ({s['kind']}): {s['text']}" for s in st["removed"]]
        for s in st["changed"]:
            out.append(f"- **changed** `{s['id']}`: {', '.join(describe_field(c) for c in s['changes'])}")
            out += [f"  - `{c['word_diff']}`" for c in s["changes"] if c["field"] == "text"]
    refs, algo = r["references"], r["algorithm"]
    if any(refs.values()):
        out += ["", "### References", ""]
        out += [f"- added `{k}`" for k in refs["added"]] + [f"- removed `{k}`" for k in refs["removed"]]
        out += [f"- changed `{c['id']}`: {', '.join(c['fields'])}" for c in refs["changed"]]
    if any(algo.values()):
        out += ["", "### Algorithm", ""]
        out += [f"- nodes {k}: {', '.join(f'`{n}`' for n in algo[k])}" for k in ("added", "removed", "changed") if algo[k]]
    return "\n".join(out)


def register(group: click.Group) -> None:
    group.add_command(diff_command)
