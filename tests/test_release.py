"""`guideline release`: semantic-version rules from the statement diff, a changelog entry, a tag."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.test_diff import edit, git

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture
def repo(minimal: Path, monkeypatch) -> Path:
    """tmp/ as a git repository holding content/minimal at 1.1.0, committed, never released."""
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "draft")
    return root


def release(cli, minimal, version, *extra):
    return cli("release", str(minimal), version, *extra)


def tags(root: Path) -> list[str]:
    return git(root, "tag", "--list").split()


def test_first_release_keeps_the_authors_changelog_and_tags(cli, repo, minimal):
    result = release(cli, minimal, "1.1.0")
    assert result.exit_code == 0, result.output
    assert "released minimal/v1.1.0" in result.output
    assert tags(repo) == ["minimal/v1.1.0"]
    meta = yaml.safe_load((minimal / "guideline.yaml").read_text(encoding="utf-8"))
    assert [c["version"] for c in meta["changelog"]] == ["1.1.0", "1.0.0"]  # the authors' entry, unchanged
    assert git(repo, "status", "--porcelain") == ""


def test_a_changed_recommendation_needs_a_minor_release(cli, repo, minimal):
    assert release(cli, minimal, "1.1.0").exit_code == 0
    edit(minimal / "statements.yaml", "may be considered", "may be offered")
    git(repo, "commit", "-q", "-am", "reword the recommendation")
    refused = release(cli, minimal, "1.1.1")
    assert refused.exit_code == 1
    assert "1.1.1 is a patch step from 1.1.0, but the changes need at least a minor release" in refused.output
    assert "release 1.2.0 or later" in refused.output and tags(repo) == ["minimal/v1.1.0"]
    done = release(cli, minimal, "1.2.0", "--today", "2026-07-01")
    assert done.exit_code == 0, done.output
    meta = yaml.safe_load((minimal / "guideline.yaml").read_text(encoding="utf-8"))
    assert meta["version"] == "1.2.0"
    entry = meta["changelog"][0]
    assert entry["version"] == "1.2.0" and str(entry["date"]) == "2026-07-01"
    assert any("rec-local-therapy" in line and "text" in line for line in entry["changes"]), entry
    assert "minimal/v1.2.0" in tags(repo)
    assert git(repo, "log", "-1", "--format=%s").strip() == "Release minimal 1.2.0"
    check = cli("check", "--strict", str(minimal))
    assert check.exit_code == 0, check.output


def test_a_changed_strength_needs_a_major_release(cli, repo, minimal):
    assert release(cli, minimal, "1.1.0").exit_code == 0
    edit(minimal / "statements.yaml", "grade: {level: IV, strength: C}", "grade: {level: IV, strength: B}")
    git(repo, "commit", "-q", "-am", "stronger recommendation")
    refused = release(cli, minimal, "1.2.0")
    assert refused.exit_code == 1 and "need at least a major release" in refused.output
    assert "strength of 'rec-local-therapy' changed (C -> B)" in refused.output
    assert release(cli, minimal, "2.0.0", "--dry-run").exit_code == 0


def test_editorial_change_is_a_patch(cli, repo, minimal):
    assert release(cli, minimal, "1.1.0").exit_code == 0
    edit(minimal / "statements.yaml", "controlled on the current systemic therapy.", "controlled on the systemic therapy in use.")
    git(repo, "commit", "-q", "-am", "typo")
    result = release(cli, minimal, "1.1.1", "--dry-run")
    assert result.exit_code == 0 and "need at least a patch release" in result.output and "dry run" in result.output
    assert tags(repo) == ["minimal/v1.1.0"] and git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("version, message", [
    ("1.0.0", "not greater than the latest release 1.1.0"),
    ("1.1.0", "already exists"),
    ("1.2", "not a semantic version"),
    ("1.2.0\n", "not a semantic version"),  # a whole version: no tag or changelog entry with a line break
])
def test_versions_that_are_refused(cli, repo, minimal, version, message):
    assert release(cli, minimal, "1.1.0").exit_code == 0
    result = release(cli, minimal, version)
    assert result.exit_code == 1 and message in result.output, result.output


def test_uncommitted_changes_are_refused(cli, repo, minimal):
    edit(minimal / "statements.yaml", "may be considered", "may be offered")
    result = release(cli, minimal, "1.1.0")
    assert result.exit_code == 1 and "uncommitted changes" in result.output and tags(repo) == []


def test_a_failing_strict_check_restores_the_file(cli, repo, minimal):
    edit(minimal / "guideline.yaml", "setting: Thoracic oncology multidisciplinary team.", "setting: 'TODO: the setting'")
    git(repo, "commit", "-q", "-am", "placeholder")
    before = (minimal / "guideline.yaml").read_bytes()
    result = release(cli, minimal, "1.2.0")
    assert result.exit_code == 1 and "not released" in result.output
    assert (minimal / "guideline.yaml").read_bytes() == before and tags(repo) == []


def test_a_guideline_newer_than_the_repositorys_last_release_is_released_as_its_first(cli, repo, minimal):
    """A repository-wide tag from before the guideline existed is no previous version of it."""
    git(repo, "tag", "v0.1.0")  # the repository's release, before content/second was added
    second = minimal.parent / "second"
    second.mkdir()
    for f in minimal.iterdir():
        (second / f.name).write_bytes(f.read_bytes())
    edit(second / "guideline.yaml", "id: minimal", "id: second")
    git(repo, "add", "content")
    git(repo, "commit", "-q", "-m", "a second guideline")
    result = release(cli, second, "1.1.0", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "release second/v1.1.0 (first release" in result.output


def test_the_changelog_preview_cannot_forge_an_annotation(cli, repo, minimal):
    """A statement title with a line break and `::error ...` is printed on its changelog line, escaped,
    before the strict check has read it."""
    assert release(cli, minimal, "1.1.0").exit_code == 0
    edit(minimal / "statements.yaml", "title: Local ablative therapy", 'title: "Local\\n::error title=forged::approved"')
    git(repo, "commit", "-q", "-am", "retitle")
    result = release(cli, minimal, "1.2.0", "--dry-run")
    assert "Local\\n::error title=forged::approved" in result.output, result.output
    assert not any(line.startswith("::error") for line in result.output.splitlines()), result.output
