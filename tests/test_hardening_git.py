"""Hostile and unusual git state around a guideline: what `check`, `build` and `diff` make of it.

A guideline folder is content: it can arrive by archive or copy holding its own `.git` (a file
with `gitdir: <anywhere>`, or a folder whose `packed-refs` links to /etc/passwd and whose
`refs/tags` links to /). Release tags are read only from the repository's own git directory,
never through a symbolic link, with bounded reads. Folder names that git C-quotes (`ö`, `"`, a
tab) must not make `diff` or "What changed in this version" fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.content.loader import load_guideline
from generator.history import git_refs
from generator.history.changes import changes_since_previous_release
from tests.casekit import VALID
from tests.test_hardening import RECORDER, _assert_contained


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false",
         "-c", "tag.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return proc.stdout


def _released_repo(root: Path, name: str = "minimal") -> Path:
    """root/ as a repository: content/<name> committed at 1.0.0 and tagged minimal/v1.0.0, working tree at 1.1.0."""
    folder = root / "content" / name
    shutil.copytree(VALID / "minimal", folder)
    meta = folder / "guideline.yaml"
    meta.write_text(meta.read_text().replace("version: 1.1.0\n", "version: 1.0.0\n"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "1.0.0")
    git(root, "tag", "minimal/v1.0.0")
    meta.write_text(meta.read_text().replace("version: 1.0.0\n", "version: 1.1.0\n"))
    return folder


def _hostile_dot_git(folder: Path) -> None:
    dot = folder / ".git"
    (dot / "refs").mkdir(parents=True)
    (dot / "packed-refs").symlink_to("/etc/passwd")
    (dot / "refs" / "tags").symlink_to("/", target_is_directory=True)
    (dot / "HEAD").write_text("ref: refs/heads/main\n")
    (dot / "config").write_text("[core]\n\tfsmonitor = touch pwned\n\tpager = touch pwned\n")


@pytest.mark.timeout(60)  # walking `refs/tags -> /` took minutes
def test_a_dot_git_folder_inside_a_guideline_folder_is_not_the_repository(tmp_path, cli):
    folder = _released_repo(tmp_path)
    _hostile_dot_git(folder)
    with RECORDER.recording() as rec:
        result = cli("check", "content")
    assert result.exit_code == 0, result.output
    _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache"])
    assert any(p.startswith(str((tmp_path / ".git").resolve())) for p, _ in rec.opened()), "did not read the real .git"
    assert git_refs.find_git_dir(folder) == (tmp_path.resolve(), tmp_path.resolve() / ".git")
    # "What changed in this version" compares with the real repository's release, not with the copy
    info = changes_since_previous_release(load_guideline(folder).guideline)
    assert info["status"] == "changed" and info["previous"]["tag"] == "minimal/v1.0.0", info
    assert not (folder / "pwned").exists() and not (tmp_path / "pwned").exists()
    result = cli("diff", "--since-release", "content/minimal")
    assert result.exit_code == 0, result.output
    assert "minimal: 1.0.0 (minimal/v1.0.0) -> 1.1.0" in result.output


@pytest.mark.timeout(60)
def test_a_dot_git_file_inside_a_guideline_folder_is_not_followed(tmp_path, cli):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "refs" / "tags").mkdir(parents=True)
    (elsewhere / "refs" / "tags" / "minimal").mkdir()
    (elsewhere / "refs" / "tags" / "minimal" / "v0.1.0").write_text("0" * 40 + "\n")
    project = tmp_path / "project"
    folder = project / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    for target in ("/etc", str(elsewhere)):
        (folder / ".git").write_text(f"gitdir: {target}\n")
        assert git_refs.find_git_dir(folder) is None  # not in git: the copy's pointer is ignored
        assert git_refs.release_fingerprint(folder) == ""
        with RECORDER.recording() as rec:
            result = Cli(project)("check", "content")
        assert result.exit_code == 0, result.output
        _assert_contained(rec, project, allowed_writes=[project / ".cache"])
        assert not any(p.startswith(str(elsewhere)) for p, _ in rec.opened())
        assert changes_since_previous_release(load_guideline(folder).guideline)["status"] == "unknown"


def Cli(cwd: Path):  # noqa: N802 - the conftest's runner, for a working directory other than tmp_path
    from tests.conftest import Cli as _Cli

    return _Cli(cwd)


def _git_dir(tmp_path: Path) -> Path:
    _released_repo(tmp_path)
    return tmp_path / ".git"


def test_release_tags_are_never_read_through_symbolic_links(tmp_path):
    git_dir = _git_dir(tmp_path)
    assert git_refs.tag_refs(git_dir) == {"minimal/v1.0.0": git(tmp_path, "rev-parse", "minimal/v1.0.0").strip()}
    fake = tmp_path / "fake-ref"
    fake.write_text("1" * 40 + "\n")
    (git_dir / "refs" / "tags" / "v9.0.0").symlink_to(fake)
    assert git_refs.tag_refs(git_dir) is None  # only git can say what this is; it is not read
    (git_dir / "refs" / "tags" / "v9.0.0").unlink()
    (git_dir / "packed-refs").unlink(missing_ok=True)
    (git_dir / "packed-refs").symlink_to("/etc/passwd")
    assert git_refs.tag_refs(git_dir) is None
    (git_dir / "packed-refs").unlink()
    shutil.move(git_dir / "refs" / "tags", tmp_path / "tags-elsewhere")
    (git_dir / "refs" / "tags").symlink_to(tmp_path / "tags-elsewhere", target_is_directory=True)
    assert git_refs.tag_refs(git_dir) is None
    (git_dir / "refs" / "tags").unlink()
    os.mkfifo(git_dir / "packed-refs")  # opening it for reading would block
    assert git_refs.tag_refs(git_dir) is None


def test_release_tag_reads_are_bounded(tmp_path, monkeypatch):
    git_dir = _git_dir(tmp_path)
    tags = git_dir / "refs" / "tags"
    deep = tags.joinpath(*["d"] * (git_refs.MAX_TAG_DEPTH + 1))
    deep.mkdir(parents=True)
    (deep / "v1.0.0").write_text("2" * 40 + "\n")
    assert git_refs.tag_refs(git_dir) is None  # deeper than any release tag
    shutil.rmtree(tags / "d")
    (tags / "v2.0.0").write_text("3" * 40 + "\n" + "x" * git_refs.MAX_LOOSE_REF_BYTES)
    assert git_refs.tag_refs(git_dir) is None  # a loose ref is one object id
    (tags / "v2.0.0").unlink()
    monkeypatch.setattr(git_refs, "MAX_REFS", 50)
    for i in range(60):
        (tags / f"t{i}").write_text("4" * 40 + "\n")
    assert git_refs.tag_refs(git_dir) is None
    for i in range(60):
        (tags / f"t{i}").unlink()
    monkeypatch.setattr(git_refs, "MAX_PACKED_REFS_BYTES", 1000)
    (git_dir / "packed-refs").write_text("# pack-refs with: peeled\n" + ("5" * 40 + " refs/tags/x\n") * 40)
    assert git_refs.tag_refs(git_dir) is None
    (git_dir / "packed-refs").write_text("5" * 40 + " refs/tags/v0.5.0\n")
    assert set(git_refs.tag_refs(git_dir)) == {"v0.5.0", "minimal/v1.0.0"}


@pytest.mark.parametrize("name", ["guía-ö", 'say-"hi"', "tab\there", "back\\slash", "star[*]"])
def test_diff_and_what_changed_for_folder_names_git_quotes(tmp_path, cli, name):
    folder = _released_repo(tmp_path, name)
    statements = folder / "statements.yaml"
    statements.write_text(statements.read_text().replace("Continue the same TKI after local therapy.", "Continue the TKI."))
    result = cli("diff", "--format", "json", "--since-release", str(folder))
    assert result.exit_code == 0, result.output
    [diff] = json.loads(result.stdout)
    assert diff["from"]["revision"] == "minimal/v1.0.0"
    assert [s["id"] for s in diff["statements"]["changed"]] == ["rec-continue-tki"]
    info = changes_since_previous_release(load_guideline(folder).guideline)
    assert info["status"] == "changed", info
    assert info["diff"]["statements"]["changed"][0]["id"] == "rec-continue-tki"


def test_a_revision_cannot_be_an_option_to_git(tmp_path, cli):
    """`guideline diff --output=/tmp/x` style injection: a revision starting with '-' is never passed to git."""
    _released_repo(tmp_path)
    for rev in ("--output=pwned", "-ofoo", "--exec=touch pwned"):
        result = cli("diff", "--", rev, "content/minimal")
        assert result.exit_code == 2, result.output
        assert "is not a git revision" in result.output
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "foo").exists()
