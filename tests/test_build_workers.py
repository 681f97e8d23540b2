"""`-j N` is capped: never more worker processes than documents to render, never more than memory holds."""

from __future__ import annotations

import os

import pytest

from generator.build import engine as builder
from generator.build import workers
from tests.build_fakes import DOCUMENTS as FAKES
from tests.build_helpers import make_library

MiB = 2**20
GiB = 2**30


@pytest.fixture
def fakes(monkeypatch):
    """The command builds the five fake documents instead of the real ones."""
    monkeypatch.setattr("generator.render.documents.DOCUMENTS", FAKES)


@pytest.fixture
def started(monkeypatch, tmp_path):
    """Counts the worker processes the build starts: each one leaves a file named by its pid."""
    marks = tmp_path / "workers"
    marks.mkdir()
    original = builder.init_worker

    def counting_init(modules, parent):
        (marks / str(os.getpid())).touch()
        original(modules, parent)

    monkeypatch.setattr(builder, "init_worker", counting_init)
    return lambda: len(list(marks.iterdir()))


def test_j40_for_one_guideline_starts_no_more_workers_than_its_documents(cli, tmp_path, fakes, started, monkeypatch):
    monkeypatch.setattr(workers, "mem_available", lambda: 64 * GiB)  # memory is not what limits here
    make_library(tmp_path / "content", 1)
    result = cli("build", "content", "--out", "out", "-j", "40")
    assert result.exit_code == 0, result.output
    assert "build: -j 40 lowered to 5 worker processes (5 documents to build)" in result.output.splitlines()
    assert started() == 5
    assert result.output.splitlines()[-1].startswith("build: 1 guideline into out/: 5 built, 0 skipped, 0 failed")


def test_memory_lowers_the_worker_count_and_says_why(cli, tmp_path, fakes, started, monkeypatch):
    # Room for two PDF workers: -j 4 on two guidelines (10 documents) starts two.
    monkeypatch.setattr(workers, "mem_available", lambda: 2 * workers.PDF_WORKER_MIB * MiB + 100 * MiB)
    make_library(tmp_path / "content", 2)
    result = cli("build", "content", "--out", "out", "-j", "4")
    assert result.exit_code == 0, result.output
    note = f"build: -j 4 lowered to 2 worker processes ({2 * workers.PDF_WORKER_MIB + 100:,} MiB of memory available, {workers.PDF_WORKER_MIB:,} MiB per worker)"
    assert note in result.output.splitlines()
    assert started() == 2


def test_memory_for_one_worker_renders_in_the_build_process(cli, tmp_path, fakes, started, monkeypatch):
    monkeypatch.setattr(workers, "mem_available", lambda: 300 * MiB)
    make_library(tmp_path / "content", 1)
    result = cli("build", "content", "--out", "out")  # the default -j (the CPU count) is lowered too, for memory
    assert result.exit_code == 0, result.output
    if workers.worker_count(builder.default_jobs(), 5, None, 1).count > 1:  # more than one CPU
        assert any(line.startswith("build: -j ") and "lowered to 1 worker process (300 MiB of memory available" in line
                   for line in result.output.splitlines()), result.output
    assert started() == 0  # one worker: no pool, the documents are rendered in the build process
    assert "5 built, 0 skipped, 0 failed" in result.output.splitlines()[-1]


def test_the_default_worker_count_is_lowered_to_the_work_without_a_note(cli, tmp_path, fakes, started, monkeypatch):
    monkeypatch.setattr(workers, "mem_available", lambda: 64 * GiB)
    monkeypatch.setattr(builder, "default_jobs", lambda: 16)
    make_library(tmp_path / "content", 1)
    result = cli("build", "content", "--out", "out")
    assert result.exit_code == 0, result.output
    assert "lowered" not in result.output  # nobody asked for 16
    assert started() == 5


@pytest.mark.parametrize(
    ("requested", "jobs", "available", "per_worker", "count", "note"),
    [
        (40, 5, 64 * GiB, 850 * MiB, 5, "build: -j 40 lowered to 5 worker processes (5 documents to build)"),
        (8, 100, 4 * GiB, 850 * MiB, 4, "build: -j 8 lowered to 4 worker processes (4,096 MiB of memory available, 850 MiB per worker)"),
        (40, 5, 2 * GiB, 850 * MiB, 2, "build: -j 40 lowered to 2 worker processes (5 documents to build; 2,048 MiB of memory available, 850 MiB per worker)"),
        (4, 100, 100 * MiB, 850 * MiB, 1, "build: -j 4 lowered to 1 worker process (100 MiB of memory available, 850 MiB per worker)"),
        (4, 1, 64 * GiB, 850 * MiB, 1, "build: -j 4 lowered to 1 worker process (1 document to build)"),
        (2, 10, 64 * GiB, 850 * MiB, 2, None),
        (6, 10, None, 850 * MiB, 6, None),  # memory unknown: no memory cap
        (1, 10, 0, 850 * MiB, 1, None),  # never fewer than one
    ],
)
def test_worker_count(requested, jobs, available, per_worker, count, note):
    found = workers.worker_count(requested, jobs, available, per_worker)
    assert (found.count, found.note) == (count, note)


def test_mem_available_is_read_from_meminfo():
    text = "MemTotal:       24683568 kB\nMemFree:        22059860 kB\nMemAvailable:    8388608 kB\nBuffers: 1 kB\n"
    assert workers.parse_meminfo(text) == 8 * GiB
    assert workers.worker_count(8, 40, workers.parse_meminfo(text), workers.PDF_WORKER_MIB * MiB).count == 8 * 1024 // workers.PDF_WORKER_MIB
    assert workers.parse_meminfo("MemTotal: 1 kB\n") is None


def test_a_cgroup_limit_lowers_what_is_available(tmp_path, monkeypatch):
    group = tmp_path / "cg"
    group.mkdir()
    (group / "memory.max").write_text(f"{3 * GiB}\n")
    (group / "memory.current").write_text(f"{1 * GiB}\n")
    monkeypatch.setattr(workers, "_read", lambda path: "0::/cg\n" if str(path) == "/proc/self/cgroup" else (path.read_text() if path.exists() else None))
    assert workers.cgroup_headroom(tmp_path) == 2 * GiB
    (group / "memory.max").write_text("max\n")
    assert workers.cgroup_headroom(tmp_path) is None


def test_the_machine_reports_available_memory():
    found = workers.mem_available()
    assert found is not None and 0 < found <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
