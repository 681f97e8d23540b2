"""Nothing in the working tree but content decides what check reports or build publishes.

A pull request can commit anything, `git add -f` included: a `.cache/guideline/` whose entries say
"no problems", a cached view holding text that is in no content file, a `build/<id>/` with a forged
document and a manifest carrying its sha256, `.cache` or `build` as symbolic links. The cache keys
are reproducible by anyone with the same runner image and repository name, so each forgery below is
made the way an attacker would: with the generator itself, on their own machine (their own per-user
key), for exactly the victim's paths. The victim (CI, a reviewer) then runs check or build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.render.documents import DOCUMENTS
from tests.casekit import VALID
from tests.render_kit import pdf_text
from tests.test_hardening import RECORDER, _assert_contained

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-06-01"
FORGED = "Forged advice that is in no content file"


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(VALID / "minimal", project / "content" / "minimal")
    return project


def _remove_citation(folder: Path) -> None:
    path = folder / "statements.yaml"
    text = path.read_text()
    old = "    citations: [yu2013]\n\n  - id: ev-weickhardt"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "    citations: []\n\n  - id: ev-weickhardt"))


class Attacker:
    """Runs the generator's own cache and manifest code in the victim's paths, with the attacker's key."""

    def __init__(self, project: Path, home: Path, monkeypatch):
        self.project, self.home, self.monkeypatch = project, home, monkeypatch

    def __enter__(self):
        self.monkeypatch.setenv("XDG_CACHE_HOME", str(self.home))
        self.monkeypatch.chdir(self.project)
        return self

    def __exit__(self, *exc):
        self.monkeypatch.undo()


def _cli(cli, project: Path, home: Path, *args: str):
    cli.cwd = project
    return cli(*args, env={"XDG_CACHE_HOME": str(home), "SOURCE_DATE_EPOCH": "1767225600"})


def test_a_forged_cached_check_result_is_not_believed(tmp_path, cli, monkeypatch):
    """(a) citation removed, cached result set to "no diagnostics": check must still fail."""
    import datetime as dt

    from generator.build.check_cache import CheckCache

    project = _project(tmp_path)
    folder = project / "content" / "minimal"
    _remove_citation(folder)
    with Attacker(project, tmp_path / "attacker", monkeypatch):
        cache = CheckCache(project.resolve() / ".cache" / "guideline")
        where = folder.resolve()  # as `guideline check content` names it
        key = cache.content_key(where)
        cache.put_check(where, key, dt.date.fromisoformat(TODAY).isoformat(), False, "minimal", [])
        assert cache.get_check(where, key, TODAY, False) == ("minimal", [])  # valid for the attacker
    assert list((project / ".cache" / "guideline" / "check").glob("*.json"))
    result = _cli(cli, project, tmp_path / "victim", "check", "content")
    assert result.exit_code == 1, result.output
    assert "error[missing-citation]" in result.output
    result = _cli(cli, project, tmp_path / "victim", "build", "content", "--html-only", "-j", "1")
    assert result.exit_code == 1 and "nothing written" in result.output


def test_a_forged_cached_view_is_not_published(tmp_path, cli, monkeypatch):
    """(b) valid YAML, a cached view edited: the build publishes only what the content says."""
    from generator.build import engine
    from generator.build.check_cache import CheckCache
    from generator.check.run import CheckContext
    import datetime as dt

    project = _project(tmp_path)
    rel = (project / "content" / "minimal").resolve()  # as `guideline build content` names it
    with Attacker(project, tmp_path / "attacker", monkeypatch):
        cache = CheckCache(project.resolve() / ".cache" / "guideline")
        prepared = engine.prepare([rel], CheckContext(today=dt.date.fromisoformat(TODAY)), cache=cache)
        assert prepared.ok
        views = prepared.sources[0].views
        real = json.dumps(views["clinician-protocol-html"])
        assert "Local ablative therapy of every progressing site" in real
        forged = json.loads(real.replace("Local ablative therapy of every progressing site", FORGED))
        cache.put_views(rel, cache.content_key(rel), engine._registry_key(DOCUMENTS), {**views, "clinician-protocol-html": forged})
    result = _cli(cli, project, tmp_path / "victim", "build", "content", "--html-only", "-j", "1")
    assert result.exit_code == 0, result.output
    html = (project / "build" / "minimal" / "clinician-protocol.html").read_text()
    assert FORGED not in html and "Local ablative therapy of every progressing site" in html


@pytest.mark.timeout(600)
def test_a_forged_output_with_a_matching_manifest_is_rebuilt_not_skipped(tmp_path, monkeypatch):
    """(c) a committed clinician-protocol.html with a manifest entry carrying its sha256: the build
    renders it again (it is not what this engine wrote) and the PDF is made from the real one."""
    from generator.build import engine

    def sha256(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    project = _project(tmp_path)
    env = {**os.environ, "GUIDELINE_TODAY": TODAY, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONPATH": str(ROOT)}
    guideline = [str(ROOT / ".venv" / "bin" / "guideline"), "build", "content", "-j", "1"]
    attacker = {**env, "XDG_CACHE_HOME": str(tmp_path / "attacker")}
    run = subprocess.run(guideline, cwd=project, env=attacker, capture_output=True, text=True, timeout=500)
    assert run.returncode == 0, run.stdout + run.stderr
    out = project / "build" / "minimal"
    html = out / "clinician-protocol.html"
    real = html.read_text()
    assert "Local ablative therapy of every progressing site" in real
    forged = real.replace("Local ablative therapy of every progressing site", FORGED).encode()
    html.write_bytes(forged)
    manifest = json.loads((out / "manifest.json").read_text())
    outputs = manifest["outputs"]
    outputs["clinician-protocol-html"] = {**outputs["clinician-protocol-html"], "sha256": sha256(forged), "bytes": len(forged)}
    for name in ("clinician-protocol-pdf",):  # make the PDF stale so that it is rendered from the forged HTML
        outputs[name] = {**outputs[name], "inputs": "0" * 64}
    with Attacker(project, tmp_path / "attacker", monkeypatch):
        engine.write_manifest(Path("build") / "minimal", "minimal", outputs)
    victim = {**env, "XDG_CACHE_HOME": str(tmp_path / "victim")}
    run = subprocess.run([*guideline], cwd=project, env=victim, capture_output=True, text=True, timeout=500)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "built   minimal/clinician-protocol.html" in run.stdout, run.stdout  # not `skipped`
    assert FORGED.encode() not in html.read_bytes()
    assert FORGED not in pdf_text((out / "clinician-protocol.pdf").read_bytes())
    # A second build by the victim trusts the victim's own records: nothing to do.
    run = subprocess.run([*guideline], cwd=project, env=victim, capture_output=True, text=True, timeout=500)
    assert ": 0 built," in run.stdout.splitlines()[-1], run.stdout


def test_a_committed_cache_link_is_not_followed(tmp_path, cli):
    """`.cache -> /elsewhere` committed: check neither writes nor reads there."""
    project = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".cache").symlink_to(elsewhere, target_is_directory=True)
    with RECORDER.recording() as rec:
        result = _cli(cli, project, project / "user-cache", "check", "content")
    assert result.exit_code == 0, result.output
    assert not any(elsewhere.iterdir())
    _assert_contained(rec, project, allowed_writes=[project / "user-cache"])


def test_a_committed_build_link_is_refused(tmp_path, cli):
    """`build -> /elsewhere` committed: build refuses to write through it (exit 2), and so does
    `build/<id> -> /elsewhere`."""
    project = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "build").symlink_to(elsewhere, target_is_directory=True)
    result = _cli(cli, project, tmp_path / "victim", "build", "content", "--html-only", "-j", "1")
    assert result.exit_code == 2, result.output
    assert "build: a symbolic link" in result.output and "Traceback" not in result.output
    assert not any(elsewhere.iterdir())
    (project / "build").unlink()
    (project / "build").mkdir()
    (project / "build" / "minimal").symlink_to(elsewhere, target_is_directory=True)
    result = _cli(cli, project, tmp_path / "victim", "build", "content", "--html-only", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "build/minimal is a symbolic link; not followed" in result.output
    assert not any(elsewhere.iterdir())


@pytest.mark.parametrize("out", ["", " ", "content", "content/minimal", "."])
def test_out_is_never_the_working_directory_or_a_guideline_folder(tmp_path, cli, out):
    """`--out ''` would write into the working directory, `--out content` into the guideline folders."""
    project = _project(tmp_path)
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = _cli(cli, project, tmp_path / "victim", "build", "content", "--html-only", "-j", "1", "--out", out)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert sorted(p.relative_to(project) for p in project.rglob("*") if ".cache" not in p.parts) == before


def test_a_huge_file_beside_the_content_is_never_read(tmp_path, cli):
    """A 3 GB file in a guideline folder (a scan, an archive, a stray export) was read whole for the
    cache key on every check. Only what the loader reads is hashed, with a size bound: the big files
    are not opened at all, cold or warm, and a content file over the loader's limit is not read either."""
    project = _project(tmp_path)
    folder = project / "content" / "minimal"
    big = {folder / "scan.tiff": 3 << 30, folder / "notes.yaml": 3 << 30}
    for path, size in big.items():
        with open(path, "wb") as fh:
            fh.truncate(size)  # sparse: costs no disk
    for run in ("cold", "warm"):
        with RECORDER.recording() as rec:
            result = _cli(cli, project, tmp_path / "victim", "check", "content")
        assert "Traceback" not in result.output, result.output
        assert "notes.yaml" in result.output  # the unknown-file warning names it ...
        opened = {os.path.realpath(p) for p, _ in rec.opened()}
        assert not opened & {os.path.realpath(p) for p in big}, run  # ... without reading it
