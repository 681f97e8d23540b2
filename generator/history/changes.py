"""What changed between two versions of a guideline, statement by statement.

* `load_at_revision(folder, rev)` loads a guideline as it was at a git revision: each of its files
  is read with `git show <rev>:<path>` into a temporary folder and loaded by generator.content.loader.
* `compare(old, new)` lists statements added, removed and changed (text, citations, grading,
  patient text, ...), metadata changes (version, status, dates, ...), references and algorithm nodes.
* Released versions are git tags, `<guideline-id>/v<semver>` (one guideline) or `v<semver>`
  (the whole repository). `previous_release(folder, version)` finds the newest release tag older
  than `version`; `changes_since_previous_release(guideline)` is the release history the clinician
  protocol and the patient explainer show ("What changed in this version"). It runs git, so it is
  loaded once per guideline before the views (generator/render/documents.py: `view_inputs`) and
  handed to them; `what_changed_summary` and `advice_change_notices` only read what it returned.

Everything returned is JSON-serialisable data; nothing here prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.history.git_refs import RELEASE_TAG, find_git_dir, tag_refs
from generator.content.folders import LIBRARY_REFERENCES
from generator.content.guideline import Guideline
from generator.content.loader import KNOWN_FILES, load_guideline
from generator.content.models import Statement
from generator.errors import EXIT_USAGE, GuidelineError

RECOMMENDATION_KINDS = ("recommendation", "good-practice")
WORKING_TREE = "working tree"
_TAG = RELEASE_TAG
# Fields whose change alters what a reader is told to do; the others are editorial.
SUBSTANTIVE = ("kind", "text", "grade", "citations", "patient")


class ChangesError(GuidelineError):
    """A git problem a user can fix: not a repository, unknown revision, guideline absent there
    (a usage error: exit code 2)."""

    exit_code = EXIT_USAGE


# --------------------------------------------------------------------------- git


def run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise ChangesError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {' '.join(args)} timed out") from None


def repo_root(folder: Path) -> Path:
    """The work tree holding guideline folder `folder`.

    git is asked from the folder's parent: a `.git` inside a guideline folder (a copied or unpacked
    repository) is content, never the repository (see generator/history/git_refs.py).
    """
    folder = Path(folder).resolve()
    proc = run_git(folder.parent, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        why = detail[0].removeprefix("fatal: ") if detail else ""
        if why and "not a git repository" not in why:  # e.g. "detected dubious ownership in repository"
            raise ChangesError(f"{folder}: git refuses the repository: {why}")
        raise ChangesError(f"{folder}: not inside a git repository")
    # the path as git printed it (never quoted), less the newline git adds: a name may end in a space
    return Path(os.fsdecode(proc.stdout.removesuffix(b"\n"))).resolve()


def resolve_revision(root: Path, rev: str) -> str:
    """The commit id a revision names, or a ChangesError saying it is unknown."""
    if not rev or rev.startswith("-"):
        raise ChangesError(f"{rev!r} is not a git revision")
    proc = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise ChangesError(f"unknown git revision {rev!r}")
    return proc.stdout.decode().strip()


class AbsentAtRevision(ChangesError):
    """The guideline folder holds no guideline at that revision (the guideline was added since)."""


def load_at_revision(folder: Path, rev: str) -> Guideline:
    """The guideline in `folder` as it was at git revision `rev` (loaded from a temporary copy);
    `AbsentAtRevision` when it had no guideline.yaml there."""
    folder = Path(folder).resolve()
    root = repo_root(folder)
    commit = resolve_revision(root, rev)
    rel = folder.relative_to(root).as_posix()
    # -z: without it git C-quotes names outside ASCII or holding '"', a tab, a backslash ("content/\303\266")
    listing = run_git(root, "--literal-pathspecs", "ls-tree", "-z", "--name-only", commit, "--", f"{rel}/")
    names = (
        {os.fsdecode(entry).rsplit("/", 1)[-1] for entry in listing.stdout.split(b"\0") if entry}
        if listing.returncode == 0 else set()
    )
    present = [n for n in KNOWN_FILES if n in names]
    if "guideline.yaml" not in present:
        raise AbsentAtRevision(f"{rel}: no guideline at revision {rev!r} (it has no {rel}/guideline.yaml there)")
    tmp = Path(tempfile.mkdtemp(prefix="guideline-rev-"))
    try:
        target = tmp / folder.name
        target.mkdir()
        for name in present:
            shown = run_git(root, "show", f"{commit}:{rel}/{name}")
            if shown.returncode != 0:
                raise ChangesError(f"cannot read {rel}/{name} at revision {rev!r}: {shown.stderr.decode().strip()}")
            (target / name).write_bytes(shown.stdout)
        # the library bibliography beside the guideline folder, as it was at that revision
        library = Path(rel).parent.joinpath(LIBRARY_REFERENCES).as_posix()
        shown = run_git(root, "show", f"{commit}:{library}")
        if shown.returncode == 0:
            (tmp / LIBRARY_REFERENCES).write_bytes(shown.stdout)
        guideline = load_guideline(target).guideline
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if guideline.meta is None:
        raise ChangesError(f"{rel}: guideline.yaml at revision {rev!r} does not load; cannot compare with it")
    return guideline


# --------------------------------------------------------------------------- releases


def version_key(version: str) -> tuple:
    """Semantic-version order: 1.0.0-rc.1 < 1.0.0 < 1.0.1 < 1.10.0."""
    core, _, pre = version.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    pre_key: tuple = (1,) if not pre else (0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
    return (major, minor, patch, pre_key)


@dataclass(frozen=True)
class Release:
    tag: str
    version: str


def release_tags(root: Path, guideline_id: str) -> list[Release]:
    """Release tags for one guideline (`<id>/vX.Y.Z`, preferred) or the repository (`vX.Y.Z`), oldest first."""
    proc = run_git(root, "tag", "--list")
    if proc.returncode != 0:
        return []
    return releases_from_tags(proc.stdout.decode().split(), guideline_id)


def releases_from_tags(tags: list[str], guideline_id: str) -> list[Release]:
    own, shared = {}, {}
    for tag in tags:
        m = _TAG.match(tag)
        if not m:
            continue
        if m.group("gid") == guideline_id:
            own[m.group("version")] = Release(tag, m.group("version"))
        elif m.group("gid") is None:
            shared[m.group("version")] = Release(tag, m.group("version"))
    chosen = own or shared  # a guideline with its own tags ignores repository-wide ones
    return sorted(chosen.values(), key=lambda r: version_key(r.version))


def previous_release(folder: Path, guideline_id: str, version: str) -> Release | None:
    """The newest release tag whose version is lower than `version`, or None."""
    root = repo_root(folder)
    older = [r for r in release_tags(root, guideline_id) if version_key(r.version) < version_key(version)]
    return older[-1] if older else None


# --------------------------------------------------------------------------- comparing


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


def _grade(s: Statement) -> dict | None:
    return {"level": s.grade.level, "strength": s.grade.strength} if s.grade else None


def _citations(s: Statement) -> list[dict]:
    return [{k: v for k, v in (("key", c.key), ("locator", c.locator), ("quote", _norm(c.quote))) if v} for c in s.citations]


def _patient(s: Statement) -> dict | None:
    if s.patient is None:
        return None
    return {"section": s.patient.section, "text": _norm(s.patient.text), "also_based_on": list(s.patient.also_based_on)}


def _study(s: Statement) -> dict | None:
    return s.study.model_dump() if s.study else None


def _statement_summary(s: Statement) -> dict:
    return {
        "id": s.id,
        "kind": s.kind,
        "section": s.section,
        "title": s.title,
        "text": _norm(s.text),
        "grade": _grade(s),
        "citations": [c.key for c in s.citations],
        "patient_text": _norm(s.patient.text) if s.patient else None,
    }


def compare_statements(old: Statement, new: Statement) -> list[dict]:
    """The fields of one statement that differ, each {field, old, new} (citations also list added/removed keys)."""
    out: list[dict] = []

    def field(name: str, a: Any, b: Any, **extra) -> None:
        if a != b:
            out.append({"field": name, "old": a, "new": b, **extra})

    field("kind", old.kind, new.kind)
    field("section", old.section, new.section)
    field("title", old.title, new.title)
    field("text", _norm(old.text), _norm(new.text))
    if out and out[-1]["field"] == "text":
        out[-1]["word_diff"] = word_diff(out[-1]["old"], out[-1]["new"])
    field("grade", _grade(old), _grade(new))
    old_c, new_c = _citations(old), _citations(new)
    if old_c != new_c:
        old_keys, new_keys = [c["key"] for c in old_c], [c["key"] for c in new_c]
        out.append(
            {
                "field": "citations",
                "old": old_keys,
                "new": new_keys,
                "added": [k for k in new_keys if k not in old_keys],
                "removed": [k for k in old_keys if k not in new_keys],
            }
        )
    field("patient", _patient(old), _patient(new))
    field("study", _study(old), _study(new))
    field("last_reviewed", _iso(old.last_reviewed), _iso(new.last_reviewed))
    field("review_due", _iso(old.review_due), _iso(new.review_due))
    return out


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A compact word-level diff: `... kept words [-removed-]{+added+} kept words ...`."""
    import difflib

    a, b = old.split(), new.split()
    out: list[str] = []
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for i, (tag, a0, a1, b0, b1) in enumerate(ops):
        if tag == "equal":
            words = a[a0:a1]
            first, last = i == 0, i == len(ops) - 1
            if len(words) > (context if first or last else 2 * context):
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                words = head + ["..."] + tail
            out.extend(words)
            continue
        if a1 > a0:
            out.append("[-" + " ".join(a[a0:a1]) + "-]")
        if b1 > b0:
            out.append("{+" + " ".join(b[b0:b1]) + "+}")
    return " ".join(out)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _meta_fields(g: Guideline) -> dict[str, Any]:
    m = g.meta
    return {
        "title": m.title,
        "version": m.version,
        "status": m.status,
        "grading": m.grading,
        "dates.effective": _iso(m.dates.effective),
        "dates.review_by": _iso(m.dates.review_by),
        "dates.last_reviewed": _iso(m.dates.last_reviewed),
        "codes.icd10": list(m.codes.icd10),
        "codes.icd11": list(m.codes.icd11),
        "scope.population": _norm(m.scope.population),
        "scope.setting": _norm(m.scope.setting),
        "scope.out_of_scope": [_norm(x) for x in m.scope.out_of_scope],
        "scope.not_covered": [_norm(x) for x in m.scope.not_covered],
        "sections": [s.id for s in m.sections],
    }


def _reference_fields(r) -> dict:
    return {"DOI": r.DOI.strip().lower(), "title": _norm(r.title), "caution": _norm(r.caution)}


def compare_with_revision(folder: Path, rev: str, current: Guideline) -> dict:
    """`compare` of the guideline in `folder` at `rev` with `current`; a guideline added since `rev`
    comes out with every statement, reference and algorithm node added ("new_guideline": true)."""
    try:
        old = load_at_revision(folder, rev)
    except AbsentAtRevision:
        old = None
    return compare(old, current, old_label=rev)


def compare(old: Guideline | None, new: Guideline, *, old_label: str = "", new_label: str = WORKING_TREE) -> dict:
    """Everything that changed from `old` to `new`, as JSON-serialisable data. `old` None: the
    guideline did not exist at `old_label` (everything in it is added; no metadata changes)."""
    if old is None:
        return _added_guideline(new, old_label, new_label)
    old_meta, new_meta = _meta_fields(old), _meta_fields(new)
    metadata = [
        {"field": k, "old": old_meta[k], "new": new_meta[k]} for k in new_meta if old_meta.get(k) != new_meta[k]
    ]
    old_s, new_s = old.statements_by_id, new.statements_by_id
    added = [_statement_summary(s) for s in new.statements if s.id not in old_s]
    removed = [_statement_summary(s) for s in old.statements if s.id not in new_s]
    changed = []
    for s in new.statements:
        if s.id in old_s:
            fields = compare_statements(old_s[s.id], s)
            if fields:
                entry = _statement_summary(s)
                entry["changes"] = fields
                entry["substantive"] = any(f["field"] in SUBSTANTIVE for f in fields)
                changed.append(entry)

    old_r, new_r = old.references_by_id, new.references_by_id
    references = {
        "added": [r.id for r in new.references if r.id not in old_r],
        "removed": [r.id for r in old.references if r.id not in new_r],
        "changed": [
            {"id": r.id, "fields": [k for k, v in _reference_fields(r).items() if _reference_fields(old_r[r.id])[k] != v]}
            for r in new.references
            if r.id in old_r and _reference_fields(old_r[r.id]) != _reference_fields(r)
        ],
    }
    old_n, new_n = old.nodes_by_id, new.nodes_by_id

    def node_shape(n) -> dict:
        return {"kind": n.kind, "label": _norm(n.label), "statements": list(n.statements), "edges": n.edges()}

    algorithm = {
        "added": [n.id for n in new.nodes if n.id not in old_n],
        "removed": [n.id for n in old.nodes if n.id not in new_n],
        "changed": [n.id for n in new.nodes if n.id in old_n and node_shape(old_n[n.id]) != node_shape(n)],
    }
    return {
        "guideline": new.id,
        "title": new.meta.title,
        "from": {"revision": old_label, "version": old.meta.version},
        "to": {"revision": new_label, "version": new.meta.version},
        "metadata": metadata,
        "statements": {"added": added, "removed": removed, "changed": changed},
        "references": references,
        "algorithm": algorithm,
        "changelog": [
            {"version": c.version, "date": c.date.isoformat(), "changes": list(c.changes)}
            for c in new.meta.changelog
            if version_key(c.version) > version_key(old.meta.version)
        ],
    }


def _added_guideline(new: Guideline, old_label: str, new_label: str) -> dict:
    return {
        "guideline": new.id,
        "title": new.meta.title,
        "new_guideline": True,
        "from": {"revision": old_label, "version": None},
        "to": {"revision": new_label, "version": new.meta.version},
        "metadata": [],
        "statements": {"added": [_statement_summary(s) for s in new.statements], "removed": [], "changed": []},
        "references": {"added": [r.id for r in new.references], "removed": [], "changed": []},
        "algorithm": {"added": [n.id for n in new.nodes], "removed": [], "changed": []},
        "changelog": [
            {"version": c.version, "date": c.date.isoformat(), "changes": list(c.changes)} for c in new.meta.changelog
        ],
    }


def is_empty(diff: dict) -> bool:
    st, refs, algo = diff["statements"], diff["references"], diff["algorithm"]
    return not (diff["metadata"] or any(st.values()) or any(refs.values()) or any(algo.values()))


# --------------------------------------------------------------------------- for the documents


def patient_notices(diff: dict, new: Guideline) -> list[dict]:
    """Plain sentences for the patient explainer: one per statement with patient text whose advice changed.

    A notice is given only when a recommendation (or good-practice statement) that has patient text
    is new, or changed its wording or its grading; other edits do not concern the patient page.
    """
    version = diff["to"]["version"]
    by_id = new.statements_by_id
    notices = []
    for entry in diff["statements"]["added"]:
        s = by_id.get(entry["id"])
        if s and s.kind in RECOMMENDATION_KINDS and s.patient:
            notices.append(_notice(s, version, diff, f"This advice is new in version {version}."))
    for entry in diff["statements"]["changed"]:
        s = by_id.get(entry["id"])
        if not (s and s.kind in RECOMMENDATION_KINDS and s.patient):
            continue
        fields = {f["field"] for f in entry["changes"]}
        if "grade" in fields and "text" in fields:
            why = "the advice was updated, and so was how strongly it is recommended"
        elif "grade" in fields:
            why = "how strongly this is recommended has changed"
        elif "text" in fields or "kind" in fields:
            why = "the advice was updated"
        else:
            continue
        notices.append(_notice(s, version, diff, f"This advice changed in version {version}: {why}."))
    return notices


def _notice(s: Statement, version: str, diff: dict, sentence: str) -> dict:
    return {
        "statement": s.id,
        "patient_section": s.patient.section,
        "version": version,
        "previous_version": diff["from"]["version"],
        "sentence": sentence,
    }


def changes_since_previous_release(guideline: Guideline) -> dict:
    """What changed since the previous release tag, for the documents' "What changed in this version".

    Returns one of
      {"status": "first-version", "version": V}                     no earlier release tag exists
      {"status": "changed", "version": V, "previous": {...}, "diff": {...}, "patient_notices": [...]}
      {"status": "unknown", "version": V, "reason": "..."}          not in git, or git unavailable
    Never raises for git problems: a document can always be built. Runs git (and loads the previous
    release): call it once per guideline, before the views, never from a view.
    """
    if guideline.meta is None:
        return {"status": "unknown", "version": "", "reason": "guideline.yaml did not load"}
    version = guideline.meta.version
    found = find_git_dir(guideline.folder)
    if found is None:
        return {"status": "unknown", "version": version, "reason": "not inside a git repository"}
    refs = tag_refs(found[1])
    names = sorted(refs) if refs is not None else None
    if names is not None and not any(
        version_key(r.version) < version_key(version) for r in releases_from_tags(names, guideline.id)
    ):
        return {"status": "first-version", "version": version}
    try:
        release = previous_release(guideline.folder, guideline.id, version)
        if release is None:
            return {"status": "first-version", "version": version}
        try:
            old = load_at_revision(guideline.folder, release.tag)
        except AbsentAtRevision:
            # the guideline did not exist at that (repository-wide) release: this is its first version
            return {"status": "first-version", "version": version}
    except (ChangesError, OSError, ValueError) as exc:
        return {"status": "unknown", "version": version, "reason": str(exc)}
    diff = compare(old, guideline, old_label=release.tag)
    return {
        "status": "changed",
        "version": version,
        "previous": {"tag": release.tag, "version": release.version},
        "diff": diff,
        "patient_notices": patient_notices(diff, guideline),
    }


def _phrase(change: dict, describe=None) -> str:
    """One changed field in words, for the protocol's "What changed in this version".

    `describe(level, strength)` words a grade the way the document does ("Level IV, grade C").
    """
    name = change["field"]
    if name == "citations":
        bits = [f"added {', '.join(change['added'])}" if change["added"] else "",
                f"removed {', '.join(change['removed'])}" if change["removed"] else ""]
        bits = [b for b in bits if b]
        return "references " + ("; ".join(bits) if bits else "(locators or order)")
    if name == "grade":
        old, new = change["old"], change["new"]
        def fmt(g: dict | None) -> str:
            if not g:
                return "ungraded"
            return describe(g["level"], g["strength"]) if describe else f"{g['level']}, {g['strength']}"

        return f"grading {fmt(old)} → {fmt(new)}"
    return {
        "text": "wording",
        "patient": "patient text",
        "kind": f"kind {change['old']} → {change['new']}",
        "section": f"moved from section {change['old']} to {change['new']}",
        "title": "title",
        "study": "evidence-table entry",
        "last_reviewed": "review date",
        "review_due": "next review date",
    }.get(name, name)


def what_changed_summary(guideline: Guideline, history: dict, numbers: dict[str, Any] | None = None) -> dict:
    """A compact, JSON-serialisable "What changed in this version" for the clinician protocol's view.

    `history` is what `changes_since_previous_release(guideline)` returned; `numbers` maps statement ids to the numbers the document prints (optional). Shapes:
      {"status": "first-version", "version": V}
      {"status": "unknown", "version": V}                    (not in git: the section is left out)
      {"status": "changed", "version": V, "previous_version": P, "previous_tag": T,
       "added": [...], "removed": [...], "changed": [...], "metadata": [...], "references": {...},
       "algorithm_changed": bool, "empty": bool}
    Statements are {"id", "number", "title", "kind", "what"}; "what" is a short phrase list.
    """
    info = history
    if info["status"] != "changed":
        return {"status": info["status"], "version": info["version"]}
    diff = info["diff"]
    numbers = numbers or {}

    from generator.content.grading import SYSTEMS

    system = SYSTEMS.get(guideline.meta.grading)
    describe = system.describe if system else None

    def item(s: dict, what: list[str]) -> dict:
        title = s["title"] or (s["text"][:77] + "..." if len(s["text"]) > 80 else s["text"].rstrip("."))
        return {"id": s["id"], "number": numbers.get(s["id"]), "title": title, "kind": s["kind"], "what": what}

    st = diff["statements"]
    meta_fields = {"version", "dates.effective", "dates.review_by", "dates.last_reviewed"}  # shown elsewhere
    return {
        "status": "changed",
        "version": info["version"],
        "previous_version": info["previous"]["version"],
        "previous_tag": info["previous"]["tag"],
        "added": [item(s, []) for s in st["added"]],
        "removed": [item(s, []) for s in st["removed"]],
        "changed": [item(s, [_phrase(c, describe) for c in s["changes"]]) for s in st["changed"]],
        "metadata": [
            {"field": m["field"], "old": m["old"], "new": m["new"]} for m in diff["metadata"] if m["field"] not in meta_fields
        ],
        "references": diff["references"],
        "algorithm_changed": any(diff["algorithm"].values()),
        "empty": not (any(st.values()) or any(diff["references"].values()) or any(diff["algorithm"].values())),
    }


def advice_change_notices(history: dict) -> dict[str, str]:
    """Statement id -> the patient explainer's plain sentence, for advice that changed since the last
    release (`history`: what `changes_since_previous_release` returned)."""
    return {n["statement"]: n["sentence"] for n in history.get("patient_notices", [])}
