"""`guideline publish`: released versions as current, earlier releases under their version number,
the working tree only as `unreleased/`, and the last good site kept when a publish fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.tools.publish_site import PublishError, ReleaseTag, publish, release_tags
from tests.conftest import ROOT
from tests.test_diff import edit, git

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_DATE": "2026-06-01T12:00:00Z", "GIT_COMMITTER_DATE": "2026-06-01T12:00:00Z",
}


class FakeBuilder:
    """Writes what a build writes (a document, datacite.json, the manifest) from the tagged content."""

    def __init__(self):
        self.calls: list[str] = []
        self.fail: set[str] = set()

    def __call__(self, root: Path, release: ReleaseTag, out: Path) -> None:
        self.calls.append(release.tag)
        if release.tag in self.fail:
            raise PublishError(f"{release.tag}: the release does not build")
        fake_build(out / release.guideline_id, release.version, f"protocol of {release.tag} at {release.commit[:7]}")


def fake_build(folder: Path, version: str, text: str, date: str = "2026-06-01") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clinician-protocol.html").write_text(text)
    (folder / "datacite.json").write_text(json.dumps({"titles": [{"title": "Minimal"}], "version": version, "dates": [{"date": date}]}))
    outputs = {"html": {"file": "clinician-protocol.html"}, "datacite-json": {"file": "datacite.json"}}
    (folder / "manifest.json").write_text(json.dumps({"outputs": outputs}))


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """The minimal fixture in tmp/repo/content/ (the site and the cache go beside tmp/repo, not in it)."""
    target = tmp_path / "repo" / "content" / "minimal"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid" / "minimal", target)
    return target


@pytest.fixture
def repo(minimal: Path, monkeypatch, cli) -> Path:
    """A repository with releases minimal/v1.0.0 and minimal/v1.1.0 (made by `guideline release`)."""
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    edit(minimal / "guideline.yaml", "version: 1.1.0", "version: 1.0.0")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first version")
    assert cli("release", str(minimal), "1.0.0").exit_code == 0
    edit(minimal / "guideline.yaml", "version: 1.0.0", "version: 1.1.0")
    edit(minimal / "statements.yaml", "may be considered", "may be offered")
    git(root, "commit", "-q", "-am", "reword the recommendation")
    done = cli("release", str(minimal), "1.1.0")
    assert done.exit_code == 0, done.output
    return root


def site_of(tmp_path: Path) -> Path:
    return tmp_path / "out" / "site"


def test_the_newest_release_is_current_and_every_release_keeps_its_folder(repo, tmp_path):
    builder = FakeBuilder()
    sites = publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=builder)
    site = site_of(tmp_path)
    assert [s.id for s in sites] == ["minimal"]
    assert sorted(builder.calls) == ["minimal/v1.0.0", "minimal/v1.1.0"]
    assert "minimal/v1.1.0" in (site / "minimal" / "clinician-protocol.html").read_text()
    assert "minimal/v1.0.0" in (site / "minimal" / "v1.0.0" / "clinician-protocol.html").read_text()
    assert "minimal/v1.1.0" in (site / "minimal" / "v1.1.0" / "clinician-protocol.html").read_text()
    versions = json.loads((site / "minimal" / "versions.json").read_text())
    assert versions["current"] == "1.1.0"
    assert [r["version"] for r in versions["releases"]] == ["1.1.0", "1.0.0"]
    assert versions["unreleased"] is None
    index = (site / "index.html").read_text()
    assert "Current version 1.1.0" in index and 'href="minimal/v1.0.0/"' in index
    assert "Unreleased" not in index


def test_the_working_tree_is_published_only_as_unreleased(repo, minimal, tmp_path):
    build = tmp_path / "build"
    fake_build(build / "minimal", "1.1.0", "the released content, built again")
    publish(repo / "content", site_of(tmp_path), current_build=build, cache=tmp_path / "cache", builder=FakeBuilder())
    assert not (site_of(tmp_path) / "minimal" / "unreleased").exists()  # same content as the release
    edit(minimal / "statements.yaml", "may be offered", "may be offered after MDT review")
    fake_build(build / "minimal", "1.1.0", "a change nobody released")
    publish(repo / "content", site_of(tmp_path), current_build=build, cache=tmp_path / "cache", builder=FakeBuilder())
    site = site_of(tmp_path)
    assert (site / "minimal" / "unreleased" / "clinician-protocol.html").read_text() == "a change nobody released"
    assert "minimal/v1.1.0" in (site / "minimal" / "clinician-protocol.html").read_text()  # still the release
    index = (site / "index.html").read_text()
    assert "Not released: not for clinical use" in index and 'href="minimal/unreleased/clinician-protocol.html"' in index


def test_a_guideline_without_a_release_has_no_current_version(minimal, tmp_path, monkeypatch):
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    root = minimal.parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "draft")
    build = tmp_path / "build"
    fake_build(build / "minimal", "1.1.0", "draft")
    publish(root / "content", site_of(tmp_path), current_build=build, cache=tmp_path / "cache", builder=FakeBuilder())
    site = site_of(tmp_path)
    assert not (site / "minimal" / "clinician-protocol.html").exists()
    assert (site / "minimal" / "unreleased" / "clinician-protocol.html").is_file()
    assert "No released version yet." in (site / "index.html").read_text()


def test_a_pre_release_is_published_under_its_version_but_never_as_current(repo, minimal, cli, tmp_path):
    edit(minimal / "guideline.yaml", "version: 1.1.0", "version: 1.2.0-rc.1")
    edit(minimal / "statements.yaml", "may be offered", "may be offered after MDT review")
    git(repo, "commit", "-q", "-am", "candidate")
    assert cli("release", str(minimal), "1.2.0-rc.1").exit_code == 0
    publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=FakeBuilder())
    site = site_of(tmp_path)
    assert "minimal/v1.1.0" in (site / "minimal" / "clinician-protocol.html").read_text()
    assert (site / "minimal" / "v1.2.0-rc.1" / "clinician-protocol.html").is_file()
    assert "Version 1.2.0-rc.1</a> (pre-release)" in (site / "index.html").read_text()


def test_release_builds_are_cached_by_commit_and_rebuilt_when_a_tag_moves(repo, tmp_path):
    builder = FakeBuilder()
    publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=builder)
    publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=builder)
    stamps = sorted((tmp_path / "cache" / "minimal").glob("*/commit"))
    assert len(stamps) == 2
    tags = {t.tag: t.commit for t in release_tags(repo)}
    assert (tmp_path / "cache" / "minimal" / "v1.0.0" / "commit").read_text().strip() == tags["minimal/v1.0.0"]
    # The engine's own incremental build decides what to re-render inside a cached release folder;
    # a moved tag (another commit) empties the folder first.
    (tmp_path / "cache" / "minimal" / "v1.0.0" / "minimal" / "stale.txt").write_text("left over")
    git(repo, "tag", "-f", "-a", "-m", "moved", "minimal/v1.0.0", "HEAD")
    publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=builder)
    assert not (tmp_path / "cache" / "minimal" / "v1.0.0" / "minimal" / "stale.txt").exists()


def test_a_release_that_fails_to_build_keeps_the_last_good_site(repo, tmp_path):
    publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=FakeBuilder())
    before = (site_of(tmp_path) / "index.html").read_text()
    broken = FakeBuilder()
    broken.fail.add("minimal/v1.0.0")
    with pytest.raises(PublishError, match="minimal/v1.0.0: the release does not build"):
        publish(repo / "content", site_of(tmp_path), cache=tmp_path / "cache", builder=broken)
    assert (site_of(tmp_path) / "index.html").read_text() == before
    assert [p.name for p in site_of(tmp_path).parent.iterdir()] == ["site"]  # no staging folder left


def test_the_cache_and_the_site_never_go_into_the_sources(repo, tmp_path):
    with pytest.raises(PublishError, match="outside the working tree"):
        publish(repo / "content", site_of(tmp_path), cache=repo / ".cache" / "releases", builder=FakeBuilder())
    with pytest.raises(PublishError, match="refusing to write the site over"):
        publish(repo / "content", repo / "content" / "site", cache=tmp_path / "cache", builder=FakeBuilder())


def test_outside_git_publish_is_a_one_line_error(minimal, tmp_path, cli):
    result = cli("publish", str(minimal.parent), "--out", str(tmp_path / "site"), "--cache", str(tmp_path / "c"))
    assert result.exit_code == 1
    assert result.output.strip().endswith("not inside a git repository (releases are git tags)")
    assert cli("publish", str(minimal.parent), "--out", str(minimal.parent)).exit_code == 2


@pytest.mark.slow
def test_the_real_builder_builds_each_tag_with_its_own_dates(repo, tmp_path):
    """`guideline publish` end to end: the releases built from their tags (HTML only, to keep it quick)."""
    done = subprocess.run(
        [sys.executable, "-m", "generator", "publish", "content", "--out", str(tmp_path / "site"),
         "--cache", str(tmp_path / "cache"), "--html-only"],
        cwd=repo, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "publish: 1 guideline(s) into" in done.stdout and "2 release(s)" in done.stdout
    site = tmp_path / "site" / "minimal"
    old = (site / "v1.0.0" / "clinician-protocol.html").read_text()
    new = (site / "clinician-protocol.html").read_text()
    assert "may be considered" in old and "may be offered" in new
    record = json.loads((site / "v1.0.0" / "datacite.json").read_text())
    assert record["version"] == "1.0.0"
    assert git(repo, "worktree", "list").count("\n") == 1  # the release work trees are removed


def test_the_index_lists_documents_for_readers_then_one_line_of_metadata():
    from generator.tools.publish_site import Version, GuidelineSite, render_index

    files = ["CITATION.cff", "clinician-protocol.html", "clinician-protocol.pdf", "datacite.json", "flowchart-1a.svg",
             "flowchart.svg", "patient-explainer.html", "patient-explainer.pdf", "zenodo.json"]
    site = GuidelineSite("g", current=Version("1.0.0", "v1.0.0", "G", "2026-06-01", files, "g/v1.0.0"))
    site.releases = [site.current]
    page = render_index([site])
    hrefs = [part.split('"')[0] for part in page.split('href="')[1:]]
    assert hrefs == ["g/clinician-protocol.pdf", "g/clinician-protocol.html", "g/patient-explainer.pdf",
                     "g/patient-explainer.html", "g/flowchart.svg", "g/CITATION.cff", "g/datacite.json", "g/zenodo.json",
                     "g/versions.json"]  # the part-figure is reached from the protocol and the flowchart
