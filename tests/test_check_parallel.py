"""A cold check of several folders runs in worker processes: the same answers as in one process."""

from __future__ import annotations

import gc
import os

import pytest

from generator.build import checked as checked_module
from generator.build.check_cache import CheckCache
from generator.build.checked import collector_paused, load_and_check
from generator.check.run import CheckContext
from tests.build_helpers import CTX, make_library
from tests.casekit import all_cases

needs_two_cpus = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")


def _killed_on_a_marked_folder(folder, ctx):
    if (folder / "notes.txt").exists():
        os._exit(9)
    return REAL_WORKER(folder, ctx)


REAL_WORKER = checked_module._checked_in_worker


def _lines(result) -> list[str]:
    return [d.format_text() for d in result.diagnostics]


def _case_folders(tmp_path, n: int = 40) -> list:
    """The first `n` broken-guideline cases that are not --strict-only, each in a folder of its own."""
    folders = []
    for case in all_cases():
        if "--strict" in case.args or case.tracked:
            continue
        folders.append(case.materialize(tmp_path / "content" / case.name))
        if len(folders) == n:
            break
    return folders


@needs_two_cpus
def test_worker_processes_report_what_one_process_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folders = _case_folders(tmp_path)
    one = load_and_check(folders, CTX)
    started = []
    real = checked_module._in_worker_processes
    monkeypatch.setattr(checked_module, "_in_worker_processes",
                        lambda f, ctx, n: (started.append(n), (yield from real(f, ctx, n)))[1])
    monkeypatch.setattr(checked_module, "for_check", lambda requested, work: min(requested, work))
    two = load_and_check(folders, CTX, workers=2)
    assert started == [2]  # the pool did run
    assert _lines(two) == _lines(one) and len(_lines(one)) >= 40
    assert [c.id for c in two.folders] == [c.id for c in one.folders]
    assert all(c.guideline is None for c in two.folders)  # left in the workers ...
    assert [g.id for g in two.guidelines] == [g.id for g in one.guidelines]  # ... and loaded again on demand


@needs_two_cpus
def test_results_from_worker_processes_fill_the_check_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folders = make_library(tmp_path / "content", 3)
    monkeypatch.setattr(checked_module, "for_check", lambda requested, work: min(requested, work))
    cache = CheckCache(tmp_path / "cache")
    cold = load_and_check(folders, CTX, cache, workers=2)
    monkeypatch.setattr(checked_module, "_load_and_run_rules", lambda *a: pytest.fail("a warm check loaded a folder"))
    monkeypatch.setattr(checked_module, "_in_worker_processes", lambda *a: pytest.fail("a warm check started workers"))
    warm = load_and_check(folders, CTX, cache, workers=2)
    assert _lines(warm) == _lines(cold)


@needs_two_cpus
def test_a_worker_that_dies_leaves_its_folders_to_the_check_process(tmp_path, monkeypatch):
    """A worker killed (for memory, say) does not lose a folder's problems: the check finishes them itself."""
    monkeypatch.chdir(tmp_path)
    folders = _case_folders(tmp_path, 6)
    one = load_and_check(folders, CTX)
    (folders[2] / "notes.txt").write_text("the worker checking this folder is killed")
    monkeypatch.setattr(checked_module, "_checked_in_worker", _killed_on_a_marked_folder)  # inherited by the forked workers
    monkeypatch.setattr(checked_module, "for_check", lambda requested, work: min(requested, work))
    two = load_and_check(folders, CTX, workers=2)
    assert _lines(two) == _lines(one)
    assert two.folders[2].guideline is not None  # checked here, after the pool broke


def test_one_folder_or_one_cpu_needs_no_worker_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folders = make_library(tmp_path / "content", 2)
    monkeypatch.setattr(checked_module, "_in_worker_processes", lambda *a: pytest.fail("workers started"))
    load_and_check(folders[:1], CTX, workers=8)
    load_and_check(folders, CTX, workers=1)
    monkeypatch.setattr(checked_module, "for_check", lambda requested, work: 1)  # memory holds one
    result = load_and_check(folders, CTX, workers=8)
    assert all(c.guideline is not None for c in result.folders)


def test_the_collector_is_on_again_after_a_check_even_one_that_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a rule with a bug")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had turned it off keeps it off
    finally:
        gc.enable()


@needs_two_cpus
def test_check_command_with_jobs_prints_what_one_job_prints(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("GUIDELINE_NO_CACHE", "1")  # both runs cold
    folders = [str(f.relative_to(tmp_path)) for f in _case_folders(tmp_path, 8)]
    runs = [CliRunner().invoke(main, ["check", *folders, "-j", jobs, "--today", "2026-06-01"]) for jobs in ("1", "2")]
    assert [(r.exit_code, r.output) for r in runs][0] == (runs[1].exit_code, runs[1].output)
    assert runs[0].exit_code == 1 and runs[0].output.count("error[") >= 8
    assert CliRunner().invoke(main, ["check", *folders, "-j", "0"]).exit_code == 2  # click: not a count
