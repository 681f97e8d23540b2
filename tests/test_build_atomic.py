"""A build killed at random moments never leaves a truncated or mixed file behind.

The build process is SIGKILLed many times at random delays while it rewrites every output
(the content alternates between two variants). After each kill every output equals, byte for
byte, either its variant-A or its variant-B bytes, every PDF parses, and the manifest is valid
JSON; a final uninterrupted build cleans up any temporary files and gives exactly the reference.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.build.atomic import is_temp_file
from tests.build_helpers import make_library, run_build, snapshot

REPO = Path(__file__).resolve().parents[1]
KILLS = 20
ENV = {"FAKE_RENDER_DELAY": "0.01", "FAKE_RENDER_PAD": "3000000"}

VARIANTS = [
    [("statements.yaml", "Continue the same TKI after local therapy.", "Continue the same TKI after local treatment."),
     ("statements.yaml", "You keep taking your tablets.", "You keep taking your medicine."),
     ("algorithm.yaml", "label: Switch systemic therapy", "label: Change systemic therapy")],
]


def apply(folders, variant: int) -> None:
    """Variant 0 is the fixture as it is; variant 1 has every document's content changed."""
    for folder in folders:
        for name, a, b in VARIANTS[0]:
            path = folder / name
            text = path.read_text()
            old, new = (b, a) if variant == 0 else (a, b)
            if old in text:
                path.write_text(text.replace(old, new))


def start(out: Path, folders, jobs: int) -> subprocess.Popen:
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.build_fakes.main", str(out), str(jobs), *map(str, folders)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )


def assert_consistent(out: Path, refs: list[dict[str, bytes]]) -> None:
    for path in sorted(out.rglob("*")):
        if not path.is_file() or is_temp_file(path):
            continue
        rel = path.relative_to(out).as_posix()
        data = path.read_bytes()
        if path.name == "manifest.json":
            json.loads(data)  # complete, whichever version
            continue
        assert any(data == ref.get(rel) for ref in refs), f"{rel} is neither its old nor its new bytes ({len(data)} bytes)"
        if path.suffix == ".pdf":
            assert len(PdfReader(io.BytesIO(data)).pages) >= 1


@pytest.mark.timeout(240)
def test_killed_builds_never_leave_a_broken_file(tmp_path, monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    folders = make_library(tmp_path / "content", 3)
    refs = []
    for variant in (0, 1):
        apply(folders, variant)
        run_build(folders, tmp_path / f"ref{variant}", jobs=1)
        refs.append({k: v for k, v in snapshot(tmp_path / f"ref{variant}").items() if not k.endswith("manifest.json")})
    assert refs[0]["g-00/flowchart.svg"] != refs[1]["g-00/flowchart.svg"]

    out = tmp_path / "build"
    apply(folders, 0)
    proc = start(out, folders, 1)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    apply(folders, 1)  # time a rebuild of everything, to aim the kills inside one
    t0 = time.perf_counter()
    proc = start(out, folders, 1)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    duration = time.perf_counter() - t0
    apply(folders, 0)

    rng = random.Random(20261126)
    variant = 1
    killed_midway = 0
    for i in range(KILLS):
        variant = 1 - variant
        apply(folders, variant)
        proc = start(out, folders, 1 + i % 2)
        time.sleep(rng.uniform(0.3, 1.0) * duration)
        if proc.poll() is None:
            killed_midway += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any worker still alive (they should die with their parent)
        except ProcessLookupError:
            pass
        assert_consistent(out, refs)
    # Enough kills must land inside a running build for the test to mean something; not all do (a
    # killed build leaves less work for the next one, and a loaded machine stretches every build).
    assert killed_midway >= KILLS // 4, f"only {killed_midway} of {KILLS} kills hit a running build"

    proc = start(out, folders, 2)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    final = {k: v for k, v in snapshot(out).items() if not k.endswith("manifest.json")}
    assert final == refs[variant]  # exactly the reference: nothing stale, no temporary file left
