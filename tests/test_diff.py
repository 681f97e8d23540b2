"""`guideline diff` and the "what changed" data, on a temporary git repository holding two versions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.history.changes import changes_since_previous_release, load_at_revision, version_key
from generator.content.loader import load_guideline

REMOVED_STATEMENT = """
  - id: bg-old
    kind: background
    section: definitions
    text: An older background statement that version 1.1.0 drops.
    citations: [weickhardt2012]
"""

ADDED_STATEMENT = """
  - id: rec-new
    kind: recommendation
    section: treatment
    text: Re-biopsy at progression when feasible.
    grade: {level: V, strength: B}
    citations: [yu2013]
    patient:
      section: treatment
      text: Your team may take a small sample of a growing spot.
"""


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false",
         "-c", "tag.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return proc.stdout


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, (path, old)
    path.write_text(text.replace(old, new, count))


@pytest.fixture
def repo(minimal: Path) -> Path:
    """tmp/ as a git repository: content/minimal at 1.0.0 (tagged minimal/v1.0.0), working tree at 1.1.0."""
    root = minimal.parent.parent
    meta, statements = minimal / "guideline.yaml", minimal / "statements.yaml"
    edit(meta, "version: 1.1.0\n", "version: 1.0.0\n")
    statements.write_text(statements.read_text().rstrip("\n") + "\n" + REMOVED_STATEMENT)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "version 1.0.0")
    git(root, "tag", "minimal/v1.0.0")
    # version 1.1.0 in the working tree
    edit(meta, "version: 1.0.0\n", "version: 1.1.0\n")
    text = statements.read_text().replace(REMOVED_STATEMENT, "")
    text = text.replace("while the\n      current TKI continues.", "while the\n      current TKI continues, after MDT review.")
    text = text.replace(
        "    text: Continue the same TKI after local therapy.\n    grade: {level: IV, strength: C}\n    citations: [yu2013]",
        "    text: Continue the same TKI after local therapy.\n    grade: {level: III, strength: B}\n    citations: [yu2013, weickhardt2012]",
    )
    statements.write_text(text.rstrip("\n") + "\n" + ADDED_STATEMENT)
    return root


def diff_json(cli, *args: str) -> list[dict]:
    result = cli("diff", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_diff_against_a_tag_lists_added_removed_and_changed(cli, repo, minimal):
    [d] = diff_json(cli, "minimal/v1.0.0", "content/minimal")
    assert d["from"] == {"revision": "minimal/v1.0.0", "version": "1.0.0"}
    assert d["to"] == {"revision": "working tree", "version": "1.1.0"}
    assert [s["id"] for s in d["statements"]["added"]] == ["rec-new"]
    assert [s["id"] for s in d["statements"]["removed"]] == ["bg-old"]
    changed = {s["id"]: {c["field"]: c for c in s["changes"]} for s in d["statements"]["changed"]}
    assert set(changed) == {"rec-local-therapy", "rec-continue-tki"}  # def-oligoprogression and ev-weickhardt did not change
    text = changed["rec-local-therapy"]["text"]
    assert text["old"].endswith("current TKI continues.") and text["new"].endswith("after MDT review.")
    assert set(changed["rec-continue-tki"]) == {"grade", "citations"}
    assert changed["rec-continue-tki"]["grade"]["old"] == {"level": "IV", "strength": "C"}
    assert changed["rec-continue-tki"]["grade"]["new"] == {"level": "III", "strength": "B"}
    assert changed["rec-continue-tki"]["citations"]["added"] == ["weickhardt2012"]
    assert changed["rec-continue-tki"]["citations"]["removed"] == []
    assert {"field": "version", "old": "1.0.0", "new": "1.1.0"} in d["metadata"]


def test_text_and_markdown_formats(cli, repo):
    text = cli("diff", "minimal/v1.0.0", "content/minimal")
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "minimal: 1.0.0 (minimal/v1.0.0) -> 1.1.0 (working tree)"
    assert "  added    rec-new (recommendation, section treatment)" in lines
    assert "  removed  bg-old (background, section definitions)" in lines
    assert "  changed  rec-continue-tki: grade (IV/C -> III/B), citations (+weickhardt2012)" in lines
    i = lines.index("  changed  rec-local-therapy: text")
    assert lines[i + 1] == "           ... be considered** while the current TKI [-continues.-] {+continues, after MDT review.+}"
    md = cli("diff", "minimal/v1.0.0", "content/minimal", "--format", "markdown")
    assert md.exit_code == 0
    assert "### Statements" in md.output
    assert "- **added** `rec-new` (recommendation): Re-biopsy at progression when feasible." in md.output


def test_diff_between_two_released_versions_and_since_release(cli, repo):
    git(repo, "add", "content")
    git(repo, "commit", "-q", "-m", "version 1.1.0")
    git(repo, "tag", "minimal/v1.1.0")
    [between] = diff_json(cli, "minimal/v1.0.0", "content/minimal")
    assert [s["id"] for s in between["statements"]["added"]] == ["rec-new"]
    # the working tree is at the 1.1.0 release: "since release" means since the one before it
    [since] = diff_json(cli, "--since-release", "content/minimal")
    assert since["from"]["revision"] == "minimal/v1.0.0"
    assert [s["id"] for s in since["statements"]["removed"]] == ["bg-old"]
    # nothing changed since the commit
    same = cli("diff", "HEAD", "content/minimal")
    assert same.exit_code == 0
    assert "  no changes" in same.output


def test_since_release_without_tags_says_first_version(cli, minimal):
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first")
    result = cli("diff", "--since-release", "content/minimal")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "minimal: 1.1.0 is the first version (no earlier release tag)"


def test_repository_wide_tags_are_releases_too(cli, repo):
    git(repo, "tag", "-d", "minimal/v1.0.0")
    git(repo, "tag", "v1.0.0", "HEAD")
    [d] = diff_json(cli, "--since-release", "content/minimal")
    assert d["from"] == {"revision": "v1.0.0", "version": "1.0.0"}


def test_whitespace_reflow_is_not_a_change(cli, repo, minimal):
    git(repo, "add", "content")
    git(repo, "commit", "-q", "-m", "1.1.0")
    edit(minimal / "statements.yaml", "Progression at a **limited number of sites** while the rest of the disease stays\n      controlled",
         "Progression at a **limited number of sites**\n      while the rest of the disease stays controlled")
    [d] = diff_json(cli, "HEAD", "content/minimal")
    assert d["statements"]["changed"] == []


def test_what_changed_data_for_the_documents(repo, minimal):
    info = changes_since_previous_release(load_guideline(minimal).guideline)
    assert info["status"] == "changed"
    assert info["previous"] == {"tag": "minimal/v1.0.0", "version": "1.0.0"}
    json.dumps(info)  # JSON-serialisable, as a document view must be
    notices = {n["statement"]: n["sentence"] for n in info["patient_notices"]}
    # rec-continue-tki changed its grade but has no patient text: no notice for it
    assert notices == {
        "rec-local-therapy": "This advice changed in version 1.1.0: the advice was updated.",
        "rec-new": "This advice is new in version 1.1.0.",
    }


def test_what_changed_without_release_or_git(minimal, tmp_path):
    assert changes_since_previous_release(load_guideline(minimal).guideline)["status"] == "unknown"
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first")
    info = changes_since_previous_release(load_guideline(minimal).guideline)
    assert info == {"status": "first-version", "version": "1.1.0"}


def test_load_at_revision_reads_the_old_files(repo, minimal):
    old = load_at_revision(minimal, "minimal/v1.0.0")
    assert old.meta.version == "1.0.0"
    assert "bg-old" in old.statements_by_id
    assert old.complete


def test_errors_exit_2_with_a_message(cli, minimal, repo):
    outside = repo.parent / (repo.name + "-nogit")
    shutil.copytree(minimal, outside / "minimal")
    result = cli("diff", "HEAD", str(outside / "minimal"))
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output
    result = cli("diff", "no-such-rev", "content/minimal")
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-rev'" in result.output
    assert "Traceback" not in result.output
    assert cli("diff").exit_code == 2  # neither a revision nor --since-release


def test_version_order():
    versions = ["1.10.0", "1.2.0", "1.0.0-rc.1", "1.0.0", "0.9.9", "1.0.0-rc.2"]
    assert sorted(versions, key=version_key) == ["0.9.9", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0", "1.2.0", "1.10.0"]


def test_protocol_summary_and_patient_sentences(repo, minimal):
    from generator.history.changes import advice_change_notices, what_changed_summary

    g = load_guideline(minimal).guideline
    history = changes_since_previous_release(g)
    summary = what_changed_summary(g, history, {"rec-continue-tki": 3})
    json.dumps(summary)
    assert summary["status"] == "changed"
    assert (summary["previous_version"], summary["version"]) == ("1.0.0", "1.1.0")
    assert [s["id"] for s in summary["added"]] == ["rec-new"]
    assert [s["id"] for s in summary["removed"]] == ["bg-old"]
    tki = next(s for s in summary["changed"] if s["id"] == "rec-continue-tki")
    assert tki["number"] == 3
    assert tki["what"] == ["grading Level IV, grade C → Level III, grade B", "references added weickhardt2012"]
    assert advice_change_notices(history)["rec-local-therapy"] == "This advice changed in version 1.1.0: the advice was updated."


def test_protocol_summary_first_version_and_outside_git(minimal):
    from generator.history.changes import advice_change_notices, what_changed_summary

    g = load_guideline(minimal).guideline
    assert what_changed_summary(g, changes_since_previous_release(g)) == {"status": "unknown", "version": "1.1.0"}
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first")
    history = changes_since_previous_release(g)
    assert what_changed_summary(g, history) == {"status": "first-version", "version": "1.1.0"}
    assert advice_change_notices(history) == {}


# --------------------------------------------------------------------------- in the documents


def protocol_html(folder: Path) -> str:
    from generator.render import protocol
    from generator.render.documents import view_inputs

    g = load_guideline(folder).guideline
    return protocol.render(protocol.view(g, view_inputs(g)), {}).decode("utf-8")


def patient_html(folder: Path) -> str:
    from generator.render import patient
    from generator.render.documents import view_inputs

    g = load_guideline(folder).guideline
    return patient.render(patient.view(g, view_inputs(g)), {}).decode("utf-8")


def test_protocol_says_what_changed_since_the_previous_release(repo, minimal):
    html = protocol_html(minimal)
    assert '<section id="what-changed" class="chapter">' in html
    assert "Version 1.1.0 compared with the previous release, version 1.0.0." in html
    section = html[html.index('id="what-changed"'):html.index('id="history"')]
    assert "Changed statements" in section and "New statements" in section and "Removed statements" in section
    assert "Continue the same TKI after local therapy: grading Level IV, grade C → Level III, grade B; references added weickhardt2012" in section
    assert "An older background statement that version 1.1.0 drops <span class=\"statement-kind\">(background)</span>" in section
    assert 'href="#stmt-rec-new"' in section
    assert "First version" not in section


def test_protocol_first_version_and_outside_git(minimal):
    assert 'id="what-changed"' not in protocol_html(minimal)  # not in git: nothing is claimed
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first")
    html = protocol_html(minimal)
    section = html[html.index('id="what-changed"'):html.index('id="history"')]
    assert "<p>First version.</p>" in section
    assert "<h3>" not in section and "compared with" not in section


def test_patient_page_says_plainly_when_advice_changed(repo, minimal):
    import re

    html = patient_html(minimal)
    paras = dict(re.findall(r'<div class="para" data-statements="([^"]+)">(.*?)</div>', html, re.S))
    assert "This advice changed in version 1.1.0: the advice was updated." in paras["rec-local-therapy"]
    assert "This advice is new in version 1.1.0." in paras["rec-new"]
    assert "advice-changed" not in paras["def-oligoprogression"]
    assert html.count('class="advice-changed"') == 2


def test_documents_need_no_git_process_without_a_release(minimal, monkeypatch):
    """Outside git, and in a repository without release tags, the answer comes from .git alone (a build spawns nothing)."""
    import generator.history.changes as changes

    root = minimal.parent.parent
    g = load_guideline(minimal).guideline

    def no_git(*args):
        raise AssertionError(f"git was run: {args}")

    monkeypatch.setattr(changes, "run_git", no_git)
    assert changes_since_previous_release(g)["status"] == "unknown"
    monkeypatch.undo()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "other-guideline/v0.1.0")  # another guideline's release does not count
    monkeypatch.setattr(changes, "run_git", no_git)
    assert changes_since_previous_release(g) == {"status": "first-version", "version": "1.1.0"}


def test_packed_tags_are_found(repo, minimal):
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "tags" / "minimal").exists()
    info = changes_since_previous_release(load_guideline(minimal).guideline)
    assert info["status"] == "changed" and info["previous"]["tag"] == "minimal/v1.0.0"


def test_tagging_a_release_makes_the_documents_stale(cli, repo):
    """The build caches views by content; a new release tag must still reach "What changed in this version"."""
    protocol = repo / "build" / "minimal" / "clinician-protocol.html"
    first = cli("build", "content", "--out", "build", "--html-only")
    assert first.exit_code == 0, first.output
    assert "compared with the previous release, version 1.0.0." in protocol.read_text()
    again = cli("build", "content", "--out", "build", "--html-only")
    assert "0 built" in again.output  # nothing changed: nothing rebuilt
    git(repo, "tag", "unrelated-tag")
    assert "0 built" in cli("build", "content", "--out", "build", "--html-only").output
    git(repo, "tag", "minimal/v1.0.5", "minimal/v1.0.0")
    tagged = cli("build", "content", "--out", "build", "--html-only")
    assert tagged.exit_code == 0, tagged.output
    assert "compared with the previous release, version 1.0.5." in protocol.read_text()


def test_views_run_no_git_and_the_old_release_is_loaded_once(repo, minimal, monkeypatch):
    """The release history is loaded once per guideline, before the views; the views only read it."""
    import generator.history.changes as changes
    from generator.build.engine import compute_views
    from generator.render.documents import DOCUMENTS

    g = load_guideline(minimal).guideline
    real_popen, real_load = subprocess.Popen, changes.load_at_revision
    calls = {"git": 0, "loads": 0, "git_in_views": 0}
    in_view = {"now": False}

    class CountingPopen(real_popen):
        def __init__(self, args, *rest, **kw):
            if args and Path(str(args[0])).name == "git":
                calls["git"] += 1
                calls["git_in_views"] += in_view["now"]
            super().__init__(args, *rest, **kw)

    def counting_load(*args, **kw):
        calls["loads"] += 1
        return real_load(*args, **kw)

    monkeypatch.setattr(subprocess, "Popen", CountingPopen)
    monkeypatch.setattr(changes, "load_at_revision", counting_load)
    specs = []
    for spec in DOCUMENTS:  # mark each view call, so git run inside one is told apart
        module = spec.load()
        real_view = module.view

        def marked(guideline, given, _view=real_view):
            in_view["now"] = True
            try:
                return _view(guideline, given)
            finally:
                in_view["now"] = False

        monkeypatch.setattr(module, "view", marked)
        specs.append(spec)
    views, errors = compute_views(g, specs)
    assert errors == {}
    assert views["clinician-protocol-html"]["what_changed"]["previous_version"] == "1.0.0"
    assert "This advice is new" in json.dumps(views["patient-explainer-html"])
    assert calls["loads"] == 1  # the old release, once for all documents
    assert calls["git"] > 0 and calls["git_in_views"] == 0


@pytest.mark.parametrize("name", ["second", "guía-ö", 'say-"hi"', "tab\there"])
def test_a_guideline_added_since_the_revision_has_every_statement_added(cli, repo, minimal, name):
    """A guideline that did not exist at the revision: everything in it is added (not exit 2 "no guideline")."""
    second = minimal.parent / name
    shutil.copytree(minimal, second)
    edit(second / "guideline.yaml", "id: minimal", "id: second")
    ids = [s.id for s in load_guideline(second).guideline.statements]
    [d] = diff_json(cli, "minimal/v1.0.0", str(second))
    assert d["new_guideline"] is True
    assert d["from"] == {"revision": "minimal/v1.0.0", "version": None}
    assert [s["id"] for s in d["statements"]["added"]] == ids
    assert d["statements"]["removed"] == d["statements"]["changed"] == [] and d["metadata"] == []
    assert d["references"]["added"] and d["algorithm"]["added"]
    text = cli("diff", "minimal/v1.0.0", str(second))
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "second: new since minimal/v1.0.0 -> 1.1.0 (working tree)"
    assert sum(line.startswith("  added    ") for line in lines) == len(ids)
    md = cli("diff", "minimal/v1.0.0", str(second), "--format", "markdown")
    assert "New since `minimal/v1.0.0`: version 1.1.0 (working tree), every statement added." in md.output
    assert md.output.count("- **added**") == len(ids)


def test_since_a_repository_release_older_than_the_guideline(cli, repo, minimal):
    """--since-release, where the previous release is a repository-wide tag from before the guideline
    existed: the diff lists everything added; the documents call it the guideline's first version."""
    git(repo, "tag", "-d", "minimal/v1.0.0")
    git(repo, "tag", "v1.0.0", "HEAD")
    second = minimal.parent / "second"
    shutil.copytree(minimal, second)
    edit(second / "guideline.yaml", "id: minimal", "id: second")
    [d] = diff_json(cli, "--since-release", "content/second")
    assert d["new_guideline"] and d["from"]["revision"] == "v1.0.0"
    assert len(d["statements"]["added"]) == len(load_guideline(second).guideline.statements)
    info = changes_since_previous_release(load_guideline(second).guideline)
    assert info == {"status": "first-version", "version": "1.1.0"}


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_line_break_inside_a_changed_value_cannot_forge_a_line(cli, repo, minimal, fmt):
    """A statement's text (a literal block) and the title may hold line breaks: in the diff each value
    stays on its line, so a changed text starting a line with `::error ...` forges no annotation."""
    edit(minimal / "statements.yaml", "    text: Continue the same TKI after local therapy.",
         '    text: "Continue the same TKI\\n::error title=forged::approved"')
    edit(minimal / "guideline.yaml", "title: Local treatment of oligoprogression on targeted therapy (test fixture)",
         'title: "Local treatment\\n::error title=forged::title"')
    result = cli("diff", "minimal/v1.0.0", str(minimal.parent), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert not any(line.lstrip(" -`*").startswith("::error") for line in result.output.splitlines()), result.output
    assert "::error title=forged::approved" in result.output
