"""Every broken or hostile case, beyond its diagnostic: how `check` and `build` behave around it.

For each case under tests/fixtures/cases/ (see tests/casekit.py):
- `guideline check` exits with the case's code, without a traceback, and every diagnostic has a
  location inside the guideline's files;
- nothing outside the project and Python's own installation is opened (a `sys.addaudithook`
  records every `open`, resolved through symbolic links), no network or subprocess is used;
- nothing is written except the check cache (.cache/ in the working directory);
- `guideline build` on the broken input fails (exit 1) and leaves a previous good build in
  build/ byte for byte as it was, writing nothing outside build/ and .cache/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.casekit import VALID, all_cases

ROOT = Path(__file__).resolve().parents[1]
CASES = all_cases()
BROKEN = [c for c in CASES if c.exit_code == 1]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.bind", "urllib.Request"}
_SUBPROCESS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork"}
_MUTATE = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod", "shutil.rmtree"}


class _Recorder:
    """One audit hook for the whole session (hooks cannot be removed); records only while active."""

    def __init__(self):
        self.active = False
        self.events: list[tuple[str, tuple]] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open" or event in _MUTATE:  # resolve now: relative to the working directory of the moment
            n_paths = 2 if event in ("os.rename", "os.symlink", "os.link") else 1
            args = tuple(
                os.path.realpath(os.fsdecode(a)) if i < n_paths and isinstance(a, (str, bytes, os.PathLike)) else a
                for i, a in enumerate(args)
            )
            self.events.append((event, args))
        elif event in _NETWORK or event in _SUBPROCESS:
            self.events.append((event, args))

    @contextmanager
    def recording(self):
        self.events = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    def opened(self) -> list[tuple[str, bool]]:
        """(real path, for writing?) of every file opened by path."""
        out = []
        for event, args in self.events:
            if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
                continue
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writing = bool(mode and any(c in str(mode) for c in "wax+")) or bool(isinstance(flags, int) and flags & _WRITE_FLAGS)
            out.append((args[0], writing))
        return out

    def mutated(self) -> list[str]:
        paths = []
        for event, args in self.events:
            if event in _MUTATE:
                paths.extend(a for a in args[:2] if isinstance(a, str))
        return paths

    def named(self, names: set[str]) -> list[str]:
        return [event for event, _ in self.events if event in names]


RECORDER = _Recorder()

# Where reading is fine: the case's own folder, the project (generator, templates, .venv) and Python.
_PYTHON = {
    os.path.realpath(p)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values())
    if p
}


def _inside(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _hostile(path: str) -> bool:
    home = os.path.realpath(os.path.expanduser("~"))
    in_home = _inside(path, [home]) and not _inside(path, [str(ROOT), *_PYTHON])  # ~/.ssh, not a pyenv Python
    return path.startswith("/etc/") or "passwd" in path or in_home


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[p.relative_to(folder).as_posix()] = "link:" + os.readlink(p)
        elif p.is_file():
            out[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[p.relative_to(folder).as_posix()] = "dir"
    return out


def _assert_contained(rec: _Recorder, tmp: Path, allowed_writes: list[Path]) -> None:
    tmp_real = os.path.realpath(tmp)
    read_roots = [tmp_real, str(ROOT), *_PYTHON]
    opened = rec.opened()
    outside = sorted({p for p, _ in opened if not _inside(p, read_roots)})
    assert not outside, f"opened outside the project: {outside}"
    hostile = sorted({p for p, _ in opened if _hostile(p)})
    assert not hostile, f"opened a hostile path: {hostile}"
    write_roots = [os.path.realpath(p) for p in allowed_writes]
    written = sorted(
        {p for p, w in opened if w and not _inside(p, write_roots) and "__pycache__" not in p}
        | {p for p in rec.mutated() if not _inside(p, write_roots) and "__pycache__" not in p}
    )
    assert not written, f"written outside {allowed_writes}: {written}"
    assert not rec.named(_NETWORK), f"network use: {rec.named(_NETWORK)}"
    assert not rec.named(_SUBPROCESS), f"subprocess: {rec.named(_SUBPROCESS)}"


def _check_locations(found: list[dict], folder: Path, tracked: list[str] = ()) -> None:
    """Every diagnostic points into the guideline's files, the library bibliography beside it, or a
    committed generated file, at a line that exists."""
    for d in found:
        if d["path"] in tracked:
            continue
        library = d["path"] == "content/references.yaml"
        assert library or d["path"].startswith(f"content/{folder.name}/"), d
        file = folder.parent / "references.yaml" if library else folder / Path(d["path"]).name
        assert d["line"] >= 0 and d["column"] >= 0, d
        if d["line"] and file.is_file() and not file.is_symlink():
            n_lines = file.read_bytes().count(b"\n") + 1
            assert d["line"] <= n_lines, f"line {d['line']} beyond the {n_lines} lines of {file.name}: {d}"


@pytest.mark.timeout(60)  # never hang: the slowest case takes ~1 s
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_is_contained(case, tmp_path, cli):
    folder = case.materialize(tmp_path / "content")
    before = _snapshot(folder)
    with RECORDER.recording() as rec:
        result = cli("check", "--format", "json", *case.args, str(folder))
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    _check_locations(json.loads(result.stdout), folder, case.tracked)
    # The recorder works: it saw the guideline's own files being read (no cache: a fresh working directory).
    assert any(path.startswith(os.path.realpath(folder) + "/") for path, _ in rec.opened())
    _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache"])
    assert _snapshot(folder) == before, "check changed the content folder"


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """A real build of the valid fixture (once per module): the outputs a broken edit must not touch."""
    project = tmp_path_factory.mktemp("good")
    shutil.copytree(VALID / "minimal", project / "content" / "minimal")
    env = {**os.environ, "GUIDELINE_TODAY": "2026-06-01", "SOURCE_DATE_EPOCH": "1767225600", "GUIDELINE_NO_CACHE": "1"}
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "guideline"), "build", "content", "--out", "build", "-j", "1"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = {p.name for p in (project / "build" / "minimal").iterdir()}
    assert {"clinician-protocol.pdf", "flowchart.svg", "manifest.json"} <= outputs, outputs
    return project / "build"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", BROKEN, ids=[c.name for c in BROKEN])
def test_build_on_broken_input_leaves_previous_outputs(case, tmp_path, cli, good_build):
    build = tmp_path / "build"
    folder = case.materialize(tmp_path / "content")  # first: a case may commit a file under build/
    shutil.copytree(good_build, build, symlinks=True, dirs_exist_ok=True)
    before = _snapshot(build)
    with RECORDER.recording() as rec:
        result = cli("build", "content", "--out", "build", "-j", "1", *case.args, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _snapshot(build) == before, "a failed build changed build/"
    assert any(path.startswith(os.path.realpath(folder) + "/") for path, _ in rec.opened())
    _assert_contained(rec, tmp_path, allowed_writes=[build, tmp_path / ".cache"])
    assert folder.is_dir()


# --------------------------------------------------------------------------- what a case folder cannot hold


@pytest.mark.timeout(30)
def test_guideline_folder_linked_outside_the_content_folder_is_not_followed(tmp_path, cli):
    shutil.copytree(VALID / "minimal", tmp_path / "content" / "minimal")
    (tmp_path / "content" / "evil").symlink_to("/etc", target_is_directory=True)
    for command in (["check", "content"], ["build", "content", "--out", "build", "-j", "1"]):
        with RECORDER.recording() as rec:
            result = cli(*command)
        assert result.exit_code == 2, result.output
        assert "content/evil: a symbolic link to a folder outside content" in result.output
        _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache", tmp_path / "build"])
    assert not (tmp_path / "build").exists()


@pytest.mark.timeout(30)
def test_fifo_in_place_of_a_content_file_does_not_hang(tmp_path, cli):
    folder = tmp_path / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    (folder / "statements.yaml").unlink()
    os.mkfifo(folder / "statements.yaml")  # opening it for reading would block for ever
    os.mkfifo(folder / "notes.yaml")
    with RECORDER.recording() as rec:
        result = cli("check", "--format", "json", str(folder))
    assert result.exit_code == 1
    assert any(d["code"] == "missing-file" and d["path"].endswith("statements.yaml") for d in json.loads(result.stdout))
    _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache"])
    with RECORDER.recording() as rec:
        result = cli("build", "content", "--out", "build", "-j", "1")
    assert result.exit_code == 1, result.output
    _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache", tmp_path / "build"])


@pytest.mark.timeout(30)
def test_unreadable_file_is_a_diagnostic(tmp_path, cli):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    folder = tmp_path / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    (folder / "statements.yaml").chmod(0)
    result = cli("check", "--format", "json", str(folder))
    assert result.exit_code == 1
    assert any(d["code"] == "file-unreadable" for d in json.loads(result.stdout))


def _chain(folder: Path, n: int, *, back_edge: bool) -> None:
    nodes = ["  - {id: n0, kind: start, label: Start, statements: [rec-continue-tki], next: n1}\n"]
    nodes += [f"  - {{id: n{i}, kind: action, label: Step {i}, statements: [rec-continue-tki], next: n{i + 1}}}\n" for i in range(1, n)]
    last = f"kind: action, label: Back, statements: [rec-continue-tki], next: n1" if back_edge else "kind: end, label: End, statements: [rec-continue-tki]"
    nodes.append(f"  - {{id: n{n}, {last}}}\n")
    (folder / "algorithm.yaml").write_text("title: T\ndescription: D\nnodes:\n" + "".join(nodes), encoding="utf-8")


@pytest.mark.timeout(60)
def test_a_5000_node_algorithm_is_checked_in_bounded_time(tmp_path, cli):
    import time

    from generator.check.run import CheckContext
    from generator.content.loader import load_guideline
    from generator.check.rules import algorithm

    folder = tmp_path / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    _chain(folder, 5000, back_edge=False)
    guideline = load_guideline(folder).guideline
    started = time.monotonic()
    assert list(algorithm.check(guideline, CheckContext())) == []
    assert time.monotonic() - started < 3.0  # the old fixed-point dead-end search took ~9 s here; linear ~0.05 s
    result = cli("check", "--format", "json", str(folder))
    # no algorithm error; 5,000 steps are only too many pages for one protocol (docs/build.md, "The page limit")
    assert {d["code"] for d in json.loads(result.stdout)} == {"document-too-large"}

    _chain(folder, 5000, back_edge=True)
    result = cli("check", "--format", "json", str(folder))
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert ("algorithm-cycle", 5004) in {(d["code"], d["line"]) for d in found}  # the back edge, on the last node's line
    assert ("algorithm-dead-end", 4) in {(d["code"], d["line"]) for d in found}  # no path from the start ever ends
    assert all(len(d["message"]) < 300 for d in found)


def test_a_hostile_folder_name_cannot_forge_output_lines(tmp_path, cli):
    """A pull request can add a folder whose name holds a line break and a terminal escape."""
    name = "evil\n::error file=x::forged\x1b[2J"
    folder = tmp_path / "content" / name
    shutil.copytree(VALID / "minimal", folder)
    (folder / "algorithm.yaml").unlink()
    for fmt in ("text", "github"):
        result = cli("check", "--format", fmt, "content")
        assert result.exit_code == 1
        lines = result.stdout.splitlines()
        assert "\x1b" not in result.stdout
        assert len(lines) == (2 if fmt == "text" else 1), result.stdout  # the diagnostic (+ summary for text)
        assert not any(line.startswith("::error file=x") for line in lines)
        assert "missing-file" in lines[0] and "evil\\n" in lines[0]  # shown escaped


def test_a_copied_guideline_folder_with_the_same_id_fails_check_not_only_build(tmp_path, cli):
    """Copying a folder to start a new guideline and forgetting its id: both would build into build/<id>/."""
    for name in ("a", "b"):
        shutil.copytree(VALID / "minimal", tmp_path / "content" / name)
    for _ in ("cold", "warm"):  # the second run answers from the check cache
        result = cli("check", "--format", "json", "content")
        assert result.exit_code == 1
        assert [(d["code"], d["path"]) for d in json.loads(result.stdout)] == [("duplicate-id", "content/b/guideline.yaml")]
    with RECORDER.recording() as rec:
        result = cli("build", "content", "--out", "build", "-j", "1")
    assert result.exit_code == 1
    # the same located diagnostic as `check`, not an exception with absolute paths
    assert "content/b/guideline.yaml:1:1: error[duplicate-id]: guideline id 'minimal' is also the id of content/a" in result.output
    assert str(tmp_path) not in result.output
    assert not (tmp_path / "build").exists() or not any((tmp_path / "build").rglob("*.pdf"))
    _assert_contained(rec, tmp_path, allowed_writes=[tmp_path / ".cache", tmp_path / "build"])


@pytest.mark.timeout(60)
def test_a_huge_file_beside_the_content_is_never_read(tmp_path, cli):
    """A 3 GB recording dropped into a guideline folder: the loader does not use it, so neither the
    check nor its cache key reads it (it used to be read whole: 17 s and 3 GB resident)."""
    folder = tmp_path / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    with open(folder / "consent-meeting.mp4", "wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse: costs no disk
    (folder / "drafts").mkdir()
    (folder / "drafts" / "old.yaml").write_text("not: [read\n")
    with RECORDER.recording() as rec:
        result = cli("check", "content")
    assert result.exit_code == 0, result.output
    opened = {Path(p).name for p, _ in rec.opened()}
    assert "statements.yaml" in opened and "consent-meeting.mp4" not in opened and "old.yaml" not in opened
    edit_text = (folder / "statements.yaml").read_text().replace("kind: recommendation", "kind: recomendation", 1)
    (folder / "statements.yaml").write_text(edit_text)
    assert cli("check", "content").exit_code == 1  # a content edit is still seen through the cache
