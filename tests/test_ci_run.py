""".ci/run's verdict: a failed test, no test run, or a skipped browser/PDF test fails CI.

.ci/run is run for real with a stand-in `make` first on PATH (the real one would run this suite
again): it writes the JUnit report a pytest run would and exits with the status given. The report
itself comes from real pytest runs of small test files, so its format is pytest's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_TESTS = ROOT / ".ci" / "skipped-tests"

TESTS = '''
import pytest

def test_passes():
    pass

@pytest.mark.skipif({browser_skips}, reason="/usr/bin/chromium is not installed")
def test_in_the_browser():
    pass

def test_as_root():
    pytest.skip("root reads files whatever their permissions")

@pytest.mark.xfail(reason="a known failure is not a skip")
def test_known():
    assert False
'''


def junit_report(tmp_path: Path, browser_skips: bool) -> Path:
    """A real pytest run's JUnit report: one pass, one allowed skip, one xfail, and the browser test."""
    folder = tmp_path / ("skipping" if browser_skips else "complete")
    folder.mkdir()
    (folder / "test_sample.py").write_text(TESTS.format(browser_skips=browser_skips), encoding="utf-8")
    report = folder / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
                    f"--junitxml={report}", str(folder)], capture_output=True, timeout=120, cwd=folder)
    assert report.is_file()
    return report


def skipped_tests(report: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SKIPPED_TESTS), str(report)], capture_output=True, text=True, timeout=60)


def test_a_skipped_browser_test_fails_and_is_named(tmp_path):
    done = skipped_tests(junit_report(tmp_path, browser_skips=True))
    assert done.returncode == 1
    assert "ci: error: skipped on CI: test_sample::test_in_the_browser: /usr/bin/chromium is not installed" in done.stdout
    assert "ci: skipped (allowed: CI runs as root): test_sample::test_as_root" in done.stdout
    assert "test_known" not in done.stdout  # an xfail is not a skip


def test_only_allowed_skips_pass(tmp_path):
    done = skipped_tests(junit_report(tmp_path, browser_skips=False))
    assert done.returncode == 0, done.stdout


def test_a_missing_report_fails(tmp_path):
    assert skipped_tests(tmp_path / "absent.xml").returncode == 2


@pytest.fixture
def ci_run(tmp_path):
    """Runs .ci/run with a stand-in `make`: `make test` copies REPORT to the --junitxml path and exits
    with TEST_STATUS; `make pdf` records that it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "make.log"
    make = bin_dir / "make"
    make.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> {log}\n'
        'if [ "$1" = test ]; then\n'
        '  out=$(printf "%s\\n" "$2" | sed -n "s/^PYTEST_ARGS=--junitxml=//p")\n'
        '  [ -n "$REPORT" ] && cp "$REPORT" "$out"\n'
        '  exit "$TEST_STATUS"\n'
        "fi\n",
        encoding="utf-8",
    )
    make.chmod(0o755)

    def run(report: Path | None, test_status: int) -> tuple[subprocess.CompletedProcess, list[str]]:
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               "REPORT": str(report or ""), "TEST_STATUS": str(test_status)}
        done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        made = log.read_text().split() if log.exists() else []
        log.unlink(missing_ok=True)
        return done, made

    return run


def test_ci_run_passes_and_publishes_when_the_suite_is_complete(ci_run, tmp_path):
    done, made = ci_run(junit_report(tmp_path, browser_skips=False), 0)
    assert done.returncode == 0, done.stdout + done.stderr
    assert made == ["test", "pdf"]
    assert done.stdout.rstrip().endswith("ci: make test and make pdf passed")


def test_ci_run_fails_when_a_browser_test_skipped(ci_run, tmp_path):
    done, made = ci_run(junit_report(tmp_path, browser_skips=True), 0)
    assert done.returncode != 0
    assert made == ["test"]  # nothing is published after it
    assert "skipped on CI: test_sample::test_in_the_browser" in done.stdout


@pytest.mark.parametrize("status", [1, 2, 5])  # make test exits non-zero when pytest does (1 failed, 5 no test)
def test_ci_run_fails_with_pytests_status(ci_run, tmp_path, status):
    done, made = ci_run(junit_report(tmp_path, browser_skips=False), status)
    assert done.returncode == status
    assert made == ["test"]
    assert f"ci: make test failed (exit {status})" in done.stdout
