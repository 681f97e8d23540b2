"""`guideline release`: a strictly checked, semantically versioned, tagged release of one guideline.

Release levels (docs/release.md):

* **major**: a recommendation or good-practice statement is removed, a recommendation's strength
  changes, a node of the algorithm is removed, or the population in scope changes: what a
  clinician was told to do no longer holds;
* **minor**: a recommendation or good-practice statement is added, or its text, grade, citations or
  patient text change; the algorithm gains or changes a node; a section is added;
* **patch**: anything else (wording of definitions, background and evidence, references' metadata,
  dates).

A version must be greater than every earlier release of the guideline, and its bump from the
previous release at least the level its changes require.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.models import SEMVER_PATTERN
from generator.errors import GuidelineError
from generator.history.changes import (
    AbsentAtRevision,
    ChangesError,
    Release,
    compare,
    load_at_revision,
    release_tags,
    repo_root,
    run_git,
    version_key,
)

LEVELS = ("patch", "minor", "major")
ADVICE_KINDS = ("recommendation", "good-practice")


class ReleaseError(GuidelineError):
    """A release that must not be made, with the reason in words."""


@dataclass
class ReleasePlan:
    folder: Path
    root: Path
    guideline_id: str
    version: str
    tag: str
    previous: Release | None
    required: str  # the level the changes require: patch, minor or major
    reasons: list[str] = field(default_factory=list)  # why that level
    changes: list[str] = field(default_factory=list)  # the changelog entry to write (empty: keep the authors')


def bump_level(old: str, new: str) -> str | None:
    """The level of the step from `old` to `new`, or None when `new` is not greater."""
    if version_key(new) <= version_key(old):
        return None
    (a, b, c), (x, y, z) = (tuple(int(p) for p in v.partition("-")[0].split(".")) for v in (old, new))
    if x != a:
        return "major"
    if y != b:
        return "minor"
    return "patch"


def required_level(diff: dict, old_kinds: dict[str, str]) -> tuple[str, list[str]]:
    """The release level a statement diff requires, and the reasons, most severe first."""
    major, minor = [], []
    st = diff["statements"]
    for s in st["removed"]:
        if s["kind"] in ADVICE_KINDS:
            major.append(f"{s['kind']} {s['id']!r} removed")
    for s in st["added"]:
        if s["kind"] in ADVICE_KINDS:
            minor.append(f"{s['kind']} {s['id']!r} added")
    for s in st["changed"]:
        advice = s["kind"] in ADVICE_KINDS or old_kinds.get(s["id"]) in ADVICE_KINDS
        for change in s["changes"]:
            if change["field"] == "grade" and change["old"] and change["new"] and change["old"].get("strength") != change["new"].get("strength"):
                major.append(f"strength of {s['id']!r} changed ({change['old']['strength']} -> {change['new']['strength']})")
            elif advice and change["field"] in ("text", "grade", "citations", "patient", "kind"):
                minor.append(f"{s['id']!r}: {change['field']} changed")
    algo = diff["algorithm"]
    if algo["removed"]:
        major.append(f"algorithm nodes removed: {', '.join(algo['removed'])}")
    if algo["added"] or algo["changed"]:
        minor.append(f"algorithm nodes added or changed: {', '.join(algo['added'] + algo['changed'])}")
    for m in diff["metadata"]:
        if m["field"] == "scope.population":
            major.append("the population in scope changed")
        elif m["field"] == "sections":
            minor.append("sections changed")
    if major:
        return "major", major + minor
    if minor:
        return "minor", minor
    return "patch", []


def changelog_lines(diff: dict) -> list[str]:
    """One plain line per change a reader of the protocol needs to know about."""
    def named(s: dict) -> str:
        return f"{s['title']} ({s['id']})" if s.get("title") else s["id"]

    st = diff["statements"]
    lines = [f"Added {s['kind']}: {named(s)}." for s in st["added"]]
    lines += [f"Removed {s['kind']}: {named(s)}." for s in st["removed"]]
    for s in st["changed"]:
        fields = ", ".join(dict.fromkeys(c["field"].replace("_", " ") for c in s["changes"]))
        lines.append(f"Changed {s['kind']} {named(s)}: {fields}.")
    algo = diff["algorithm"]
    if any(algo.values()):
        parts = [f"{k} {', '.join(v)}" for k, v in algo.items() if v]
        lines.append(f"Treatment algorithm: {'; '.join(parts)}.")
    refs = diff["references"]
    if refs["added"] or refs["removed"]:
        parts = [f"{k} {', '.join(v)}" for k, v in refs.items() if k != "changed" and v]
        lines.append(f"References: {'; '.join(parts)}.")
    return lines or ["Editorial changes only."]


def plan_release(folder: Path, version: str) -> ReleasePlan:
    """Decide whether `version` may be released from `folder`'s committed content, and what to write."""
    from generator.content.loader import load_guideline

    if not re.fullmatch(SEMVER_PATTERN, version):  # "1.2.0\n" is no version
        raise ReleaseError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.0)")
    folder = Path(folder).resolve()
    g = load_guideline(folder).guideline
    if g.meta is None:
        raise ReleaseError(f"{folder.name}: guideline.yaml does not load; run `guideline check`")
    try:
        root = repo_root(folder)
        status = run_git(root, "--literal-pathspecs", "status", "--porcelain", "--", str(folder))
        if status.stdout.strip():
            raise ReleaseError(f"{folder.relative_to(root)} has uncommitted changes: commit what was approved, then release")
        releases = release_tags(root, g.id)
    except ChangesError as exc:
        raise ReleaseError(str(exc)) from None
    tag = f"{g.id}/v{version}"
    if any(r.version == version for r in releases):
        raise ReleaseError(f"{tag} already exists: a released version is never changed; release a new version")
    newer = [r for r in releases if version_key(r.version) >= version_key(version)]
    if newer:
        raise ReleaseError(f"{version} is not greater than the latest release {releases[-1].version}")
    previous = releases[-1] if releases else None
    own_entry = any(c.version == version for c in g.meta.changelog)  # kept as the authors wrote it
    try:
        old = load_at_revision(folder, previous.tag) if previous is not None else None
    except AbsentAtRevision:  # a repository-wide release from before this guideline existed
        old = previous = None
    except ChangesError as exc:
        raise ReleaseError(str(exc)) from None
    if previous is None:
        return ReleasePlan(folder, root, g.id, version, tag, None, "patch", [], [] if own_entry else ["First release."])
    diff = compare(old, g, old_label=previous.tag)
    level, reasons = required_level(diff, {s.id: s.kind for s in old.statements})
    step = bump_level(previous.version, version)
    if step is None or LEVELS.index(step) < LEVELS.index(level):
        raise ReleaseError(
            f"{version} is a {step} step from {previous.version}, but the changes need at least a {level} release "
            f"({'; '.join(reasons[:3])}); release {next_version(previous.version, level)} or later"
        )
    return ReleasePlan(folder, root, g.id, version, tag, previous, level, reasons, [] if own_entry else changelog_lines(diff))


def next_version(version: str, level: str) -> str:
    major, minor, patch = (int(p) for p in version.partition("-")[0].split("."))
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[level]


def write_release(plan: ReleasePlan, today: dt.date) -> str:
    """Set the version and prepend the changelog entry in guideline.yaml; returns the new text."""
    path = plan.folder / "guideline.yaml"
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(?m)^version:[ \t]*\S.*$", f"version: {plan.version}", text, count=1)
    if n != 1:
        raise ReleaseError(f"{path.name}: no top-level `version:` line to update")
    if not plan.changes:
        return new  # the authors wrote this version's entry themselves
    m = re.search(r"(?m)^changelog:[ \t]*(\[\])?[ \t]*$", new)
    if m is None:
        return new.rstrip("\n") + "\nchangelog:\n" + _entry(plan, today, "  ")
    following = re.search(r"(?m)^([ \t]*)- ", new[m.end():])
    indent = following.group(1) if (following and not m.group(1)) else "  "
    return new[: m.start()] + "changelog:\n" + _entry(plan, today, indent) + new[m.end() + 1 :]


def _entry(plan: ReleasePlan, today: dt.date, indent: str) -> str:
    """The YAML of one changelog entry; each change is a JSON string (a valid YAML double-quoted scalar)."""
    lines = [f"- version: {plan.version}", f"  date: {today.isoformat()}", "  changes:"]
    lines += [f"    - {json.dumps(c, ensure_ascii=False)}" for c in plan.changes]
    return "".join(f"{indent}{line}\n" for line in lines)


def commit_and_tag(plan: ReleasePlan, title: str) -> None:
    rel = (plan.folder / "guideline.yaml").relative_to(plan.root).as_posix()
    for args in (
        ("add", "--", rel),
        ("commit", "--quiet", "--allow-empty", "-m", f"Release {plan.guideline_id} {plan.version}", "--", rel),
        ("tag", "-a", plan.tag, "-m", f"{title} {plan.version}"),
    ):
        try:
            proc = run_git(plan.root, *args)
        except ChangesError as exc:
            raise ReleaseError(str(exc)) from None
        if proc.returncode != 0:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()
            raise ReleaseError(f"git {args[0]} failed: {detail[-1] if detail else proc.returncode}")
