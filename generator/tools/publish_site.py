"""The published site: released versions as current, every earlier release under its version number.

`guideline publish` (and `make site`, and the CI workflow's Pages deployment) writes

    site/index.html                 every guideline: its current release, earlier releases, a draft
    site/<id>/                      the newest release that is not a pre-release (its documents)
    site/<id>/vX.Y.Z/               every release, built from the content of its tag
    site/<id>/unreleased/           the working tree's build, only where it differs from the newest
                                    release (marked on the index as not released)
    site/<id>/versions.json         the same, machine-readable

A release is a tag `<id>/vX.Y.Z` (made by `guideline release`). Each release is built from a
detached work tree of its tag with this generator and its templates (`guideline build --strict`),
its dates pinned to the tag's commit (SOURCE_DATE_EPOCH, GUIDELINE_TODAY), so the approved content is
what is published, with the current rendering. The release builds are kept in a cache folder
(keyed by the tag's commit; the build engine skips what did not change) so that a site of many
releases is rebuilt in seconds. The site is written to a staging folder and swapped in at the end:
a failed publish leaves the last good site in place.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from generator.content.paths import PROJECT_ROOT
from generator.render.documents import DOCUMENTS
from generator.history.changes import run_git, version_key
from generator.history.git_refs import RELEASE_TAG
from generator.content.regular_file import read_regular
from generator.render.site_index import MANIFEST, MAX_MANIFEST_BYTES, STYLE, Document, regular_file
from generator.errors import GuidelineError

UNRELEASED = "unreleased"
VERSIONS = "versions.json"
STAMP = "commit"  # in a cached release build: the commit it was built from


class PublishError(GuidelineError):
    """A site that cannot be published, with the reason in words (the last good site is kept)."""


@dataclass(frozen=True)
class ReleaseTag:
    guideline_id: str
    version: str
    tag: str
    commit: str
    time: int  # the commit's time (seconds since the epoch)

    @property
    def prerelease(self) -> bool:
        return "-" in self.version

    @property
    def date(self) -> str:
        return dt.datetime.fromtimestamp(self.time, dt.timezone.utc).date().isoformat()


@dataclass
class Version:
    version: str
    folder: str  # relative to the guideline's site folder: "vX.Y.Z" or "unreleased"
    title: str
    date: str
    documents: list[str] = field(default_factory=list)
    tag: str | None = None


@dataclass
class GuidelineSite:
    id: str
    current: Version | None = None
    releases: list[Version] = field(default_factory=list)  # newest first
    unreleased: Version | None = None


# A builder builds the guideline `guideline_id` from the content of `commit` into `out`.
Builder = Callable[[Path, "ReleaseTag", Path], None]


def _git(root: Path, *args: str) -> str:
    proc = run_git(root, *args)
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise PublishError(f"git {' '.join(args)}: {detail[-1] if detail else 'failed'}")
    return proc.stdout.decode()


def repository(content: Path) -> Path:
    proc = run_git(Path(content).resolve(), "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise PublishError(f"{content}: not inside a git repository (releases are git tags)")
    return Path(proc.stdout.decode().strip()).resolve()


def release_tags(root: Path) -> list[ReleaseTag]:
    """Every `<id>/vX.Y.Z` tag with the commit it names, oldest version first per guideline."""
    lines = _git(root, "for-each-ref", "--format=%(refname:strip=2)%00%(*objectname)%00%(objectname)%00%(*committerdate:unix)%00%(committerdate:unix)", "refs/tags")
    tags = []
    for line in lines.splitlines():
        name, peeled, obj, peeled_time, time = line.split("\0")
        m = RELEASE_TAG.match(name)
        if not m or not m.group("gid"):
            continue
        tags.append(ReleaseTag(m.group("gid"), m.group("version"), name, peeled or obj, int(peeled_time or time or 0)))
    return sorted(tags, key=lambda t: (t.guideline_id, version_key(t.version)))


def build_release(root: Path, release: ReleaseTag, out: Path, *, pdf: bool = True) -> None:
    """Build one release: a detached work tree of its commit, `guideline build --strict` of its folder."""
    with tempfile.TemporaryDirectory(prefix="guideline-release-") as tmp:
        tree = Path(tmp) / "tree"
        _git(root, "worktree", "add", "--detach", "--quiet", str(tree), release.commit)
        try:
            folder = _folder_of(tree / "content", release.guideline_id)
            env = {
                **os.environ,
                "PYTHONPATH": str(PROJECT_ROOT),  # this generator and its templates
                "SOURCE_DATE_EPOCH": str(release.time),
                "GUIDELINE_TODAY": release.date,
                "GUIDELINE_NO_CACHE": "1",
            }
            args = [sys.executable, "-m", "generator", "build", str(folder), "--strict", "--out", str(out)]
            done = subprocess.run([*args, *([] if pdf else ["--html-only"])], cwd=tree, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-12:])
                raise PublishError(f"{release.tag}: the release does not build:\n{tail}")
        finally:
            run_git(root, "worktree", "remove", "--force", str(tree))


def _folder_of(content: Path, guideline_id: str) -> Path:
    folder = content / guideline_id
    if (folder / "guideline.yaml").is_file():
        return folder
    raise PublishError(f"content/{guideline_id}/guideline.yaml: not in the tagged commit")


def _built_files(folder: Path) -> list[str]:
    """The files a build wrote into folder (its manifest's outputs and their companions)."""
    raw = read_regular(folder / MANIFEST, MAX_MANIFEST_BYTES + 1)
    if raw is None or len(raw) > MAX_MANIFEST_BYTES:
        return []
    outputs = json.loads(raw.decode("utf-8")).get("outputs", {})
    names = set()
    for o in outputs.values():
        names.add(o.get("file"))
        names.update(o.get("files") or {})
    return sorted(n for n in names if isinstance(n, str) and "/" not in n and not n.startswith(".") and regular_file(folder / n))


def _describe(folder: Path, fallback_version: str, fallback_date: str) -> tuple[str, str, str]:
    """(title, version, date) from the build's own datacite.json (the version's DOI-ready metadata)."""
    raw = read_regular(folder / "datacite.json", MAX_MANIFEST_BYTES)
    try:
        record = json.loads(raw or b"{}")
        return record["titles"][0]["title"], record["version"], record["dates"][0]["date"]
    except (ValueError, KeyError, IndexError, TypeError):
        return folder.name, fallback_version, fallback_date


def _cached_build(root: Path, release: ReleaseTag, cache: Path, builder: Builder) -> Path:
    out = cache / release.guideline_id / f"v{release.version}"
    stamp = out / STAMP
    if (read_regular(stamp, 100) or b"").decode(errors="replace").strip() != release.commit:
        shutil.rmtree(out, ignore_errors=True)  # never built, or the tag was moved
    out.mkdir(parents=True, exist_ok=True)
    builder(root, release, out)
    built = out / release.guideline_id
    if not _built_files(built):
        raise PublishError(f"{release.tag}: the build wrote no documents")
    stamp.write_text(release.commit + "\n", encoding="utf-8")
    return built


def _copy(source: Path, target: Path) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    files = _built_files(source)
    for name in files:
        shutil.copyfile(source / name, target / name, follow_symlinks=False)
    return files


def _differs(root: Path, release: ReleaseTag | None, guideline_id: str) -> bool:
    """Whether the working tree's content of the guideline differs from the release's."""
    if release is None:
        return True
    proc = run_git(root, "diff", "--quiet", release.commit, "--", f"content/{guideline_id}/")
    return proc.returncode != 0


def _current_ids(content: Path) -> list[str]:
    return sorted(p.parent.name for p in Path(content).glob("*/guideline.yaml") if p.is_file() and not p.parent.is_symlink())


def publish(
    content: Path,
    out: Path,
    *,
    current_build: Path | None = None,
    cache: Path | None = None,
    builder: Builder | None = None,
    pdf: bool = True,
) -> list[GuidelineSite]:
    """Write the site into `out` (replacing it only when everything succeeded); see the module doc."""
    root = repository(content)
    out = Path(out).resolve()
    content_dir = Path(content).resolve()
    if out == root or out == content_dir or content_dir in out.parents or (
        root in out.parents and out.relative_to(root).parts[0] in ("content", "templates", "generator", ".git")
    ):
        raise PublishError(f"{out}: refusing to write the site over the repository's sources")
    if cache is None:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "guideline-as-code" / "releases"
    cache = Path(cache).resolve()
    if cache == root or root in cache.parents:
        raise PublishError(f"{cache}: the release cache must be outside the working tree (anything in it can be committed)")
    build = builder or (lambda r, t, o: build_release(r, t, o, pdf=pdf))
    tags = release_tags(root)
    ids = sorted({t.guideline_id for t in tags} | set(_current_ids(content)))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
    try:
        sites = []
        for gid in ids:
            site = GuidelineSite(gid)
            own = [t for t in tags if t.guideline_id == gid]
            builds: dict[str, Path] = {}
            for release in reversed(own):  # newest first
                built = builds[release.tag] = _cached_build(root, release, cache, build)
                title, version, date = _describe(built, release.version, release.date)
                files = _copy(built, staging / gid / f"v{release.version}")
                site.releases.append(Version(release.version, f"v{release.version}", title, date, files, release.tag))
            final = next((t for t in reversed(own) if not t.prerelease), None)
            if final is not None:
                current = next(v for v in site.releases if v.tag == final.tag)
                _copy(builds[final.tag], staging / gid)
                site.current = current
            newest = own[-1] if own else None
            draft = Path(current_build) / gid if current_build else None
            if draft is not None and _built_files(draft) and _differs(root, newest, gid):
                title, version, date = _describe(draft, "", "")
                files = _copy(draft, staging / gid / UNRELEASED)
                site.unreleased = Version(version, UNRELEASED, title, date, files)
            if site.releases or site.unreleased:
                _write_versions(staging / gid / VERSIONS, site)
                sites.append(site)
        (staging / "index.html").write_text(render_index(sites), encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sites


def _write_versions(path: Path, site: GuidelineSite) -> None:
    def entry(v: Version) -> dict:
        return {"version": v.version, "path": v.folder + "/", "date": v.date, "tag": v.tag, "title": v.title, "documents": v.documents}

    data = {
        "id": site.id,
        "current": site.current.version if site.current else None,
        "releases": [entry(v) for v in site.releases],
        "unreleased": entry(site.unreleased) if site.unreleased else None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _swap(staging: Path, out: Path) -> None:
    old = None
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir():
            raise PublishError(f"{out}: exists and is not a folder")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, old / "site")
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _listed(files: list[str]) -> tuple[list[str], list[str]]:
    """(documents, metadata files) among a build's files: the documents for readers in a stable order."""
    order = [d.filename for d in DOCUMENTS]
    metadata = [d.filename for d in DOCUMENTS if d.module.startswith("generator.render.metadata.")]
    main = [f for f in files if f not in metadata and not _companion(f, order)]
    families = list(dict.fromkeys(f.split(".")[0] for f in ("clinician-protocol.pdf", "patient-explainer.pdf", *order)))

    def key(name: str) -> tuple:  # the protocol, the explainer, the rest; the PDF before the web page
        family, ext = name.split(".")[0], Path(name).suffix
        return (families.index(family) if family in families else len(families), family, ext != ".pdf", name)

    return sorted(main, key=key), [f for f in metadata if f in files]


def _companion(name: str, documents: list[str]) -> bool:
    return any(name.startswith(Path(d).stem + "-") for d in documents)


def render_index(sites: list[GuidelineSite]) -> str:
    def links(base: str, v: Version) -> str:
        """The documents first (in the registry's order), then one line of metadata; companion files
        (a flowchart's part-figures) are reached from the documents that embed them."""
        main, metadata = _listed(v.documents)
        items = [f'<li><a href="{html.escape(base + n)}">{html.escape(Document(n, 0).label)}</a></li>' for n in main]
        meta = " · ".join(f'<a href="{html.escape(base + n)}">{html.escape(Document(n, 0).label)}</a>' for n in metadata)
        return "<ul>" + "".join(items) + "</ul>" + (f'<p class="size">Citation and DOI metadata: {meta}</p>' if meta else "")

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Guidelines</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Guidelines</h1>",
    ]
    if not sites:
        parts.append("<p>No guideline has been published yet.</p>")
    for s in sites:
        e = html.escape
        title = (s.current or (s.releases[0] if s.releases else s.unreleased)).title
        parts.append(f'<section id="{e(s.id)}"><h2>{e(title)}</h2><p class="id">{e(s.id)}</p>')
        if s.current:
            parts.append(f'<p class="status">Current version {e(s.current.version)}, released {e(s.current.date)}</p>')
            parts.append(links(f"{s.id}/", s.current))
        else:
            parts.append('<p class="status">No released version yet.</p>')
        earlier = [v for v in s.releases if v is not s.current]
        if earlier:
            parts.append("<h3>Other releases</h3><ul>")
            for v in earlier:
                kind = " (pre-release)" if "-" in v.version else ""
                parts.append(f'<li><a href="{e(s.id)}/{e(v.folder)}/">Version {e(v.version)}</a>{kind}, {e(v.date)}</li>')
            parts.append("</ul>")
        if s.unreleased:
            parts.append(
                f'<h3>Unreleased changes</h3><p class="status">Not released: not for clinical use. '
                f'Built from the main branch (version {e(s.unreleased.version)} in progress).</p>'
            )
            parts.append(links(f"{s.id}/{UNRELEASED}/", s.unreleased))
        parts.append(f'<p class="size"><a href="{e(s.id)}/{VERSIONS}">All versions (JSON)</a></p></section>')
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)

