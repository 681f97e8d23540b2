"""A stopped build leaves nothing running and says so in one line.

The build runs as its own process (as from a shell), with graphviz replaced by a stand-in that
records its process id and then waits: the moment the stand-in is running, the build is stopped
either with `kill -9` (nothing it started may outlive it: graphviz used to be re-parented to init
and keep running at 100% CPU) or with Ctrl-C (SIGINT to the whole foreground process group, as a
terminal sends it: one line, exit 130, no worker tracebacks).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build.atomic import is_temp_file
from tests.casekit import VALID

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import os, sys
from generator.render import flowchart
flowchart.dot_command = lambda: os.environ["FAKE_DOT"]
from generator.cli import main
sys.argv[0] = "guideline"
main()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is not running
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(predicate, seconds: float = 120) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _start(tmp_path: Path, jobs: int) -> tuple[subprocess.Popen, Path]:
    project = tmp_path / "project"
    shutil.copytree(VALID / "minimal", project / "content" / "minimal")
    pid_file = tmp_path / "dot.pid"
    fake = tmp_path / "fake-dot"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}.tmp\nmv {pid_file}.tmp {pid_file}\nexec sleep 300\n")
    fake.chmod(0o755)
    env = {**os.environ, "GUIDELINE_TODAY": "2026-06-01", "PYTHONPATH": str(ROOT), "GUIDELINE_NO_CACHE": "1",
           "XDG_CACHE_HOME": str(tmp_path / "user-cache"), "FAKE_DOT": str(fake)}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, "build", "content", "--html-only", "-j", str(jobs)],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    return process, pid_file


@pytest.mark.timeout(300)
@pytest.mark.parametrize("jobs", [1, 2])
def test_kill_9_of_a_build_leaves_no_graphviz_running(tmp_path, jobs):
    process, pid_file = _start(tmp_path, jobs)
    try:
        assert _wait_for(lambda: pid_file.exists() or process.poll() is not None) and pid_file.exists(), process.communicate(timeout=30)
        dot = int(pid_file.read_text())
        assert _alive(dot)
        process.kill()
        process.communicate(timeout=60)
        assert _wait_for(lambda: not _alive(dot), 30), "graphviz still running after the build was killed"
    finally:
        if process.poll() is None:
            process.kill()
        if pid_file.exists() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_in_a_build_prints_one_line_and_exits_130(tmp_path, jobs):
    process, pid_file = _start(tmp_path, jobs)
    try:
        assert _wait_for(lambda: pid_file.exists() or process.poll() is not None) and pid_file.exists(), process.communicate(timeout=30)
        dot = int(pid_file.read_text())
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, (stdout, stderr)
        assert "Traceback" not in stdout + stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "interrupted" in lines[0], stderr
        assert _wait_for(lambda: not _alive(dot), 30), "graphviz still running after Ctrl-C"
        assert not [p for p in (tmp_path / "project" / "build").rglob("*") if is_temp_file(p)]  # no half-written file
    finally:
        if process.poll() is None:
            process.kill()
        if pid_file.exists() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
