"""The two commands on a machine that lacks things: scripts/bootstrap and the Makefile's publishing gate.

The bootstrap is run for real, with stand-ins where a test must not change the machine: a PYTHON
that reports every library as missing, and apt-get/sudo commands on PATH that only record their
arguments. (A whole fresh machine is `make fresh-check`, too slow for the suite.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "scripts" / "bootstrap"
FIXTURES = Path(__file__).parent / "fixtures"
LIBRARIES = ("libgobject-2.0.so.0 libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libfontconfig.so.1 "
             "libharfbuzz-subset.so.0 libatomic.so.1")
PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def _script(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path):
    """A PYTHON on which no library opens, a ready .venv stamp, and a bin/ folder for stand-ins."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = _script(tmp_path / "python-without-libraries", (
        "#!/bin/sh\n"
        # The bootstrap's library probe is the only script it feeds on standard input.
        f'if [ "$1" = "-" ]; then cat >/dev/null; echo "{LIBRARIES}"; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n'
    ))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    (venv / ".installed").touch()

    def run(*args: str, path: list[Path] = (), system: bool = True, **env: str) -> subprocess.CompletedProcess:
        folders = [*map(str, path), *(["/usr/bin", "/bin"] if system else [])]
        environ = {"PATH": os.pathsep.join(folders), "HOME": str(tmp_path),
                   "PYTHON": str(python), "VENV": str(venv), **env}
        return subprocess.run(["bash", str(BOOTSTRAP), *args], env=environ, capture_output=True, text=True, timeout=120)

    run.bin = bin_dir
    run.tmp = tmp_path
    return run


def _without(command: str, tmp_path: Path) -> Path:
    """A PATH folder with the basic tools but not `command` (links to /usr/bin, less one)."""
    folder = tmp_path / f"no-{command}"
    folder.mkdir()
    for tool in Path("/usr/bin").iterdir():
        if tool.name != command and not (folder / tool.name).exists():
            os.symlink(tool, folder / tool.name)
    return folder


def test_a_ready_machine_gets_no_output(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    (venv / ".installed").touch()
    done = subprocess.run(["bash", str(BOOTSTRAP), "pdf"], env={**os.environ, "VENV": str(venv), "BOOTSTRAP_NO_INSTALL": "1"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_missing_libraries_are_named_with_why_and_the_one_command(machine):
    done = machine("pdf", BOOTSTRAP_NO_INSTALL="1")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "Traceback" not in out
    assert "bootstrap: missing libpango-1.0-0 libpangoft2-1.0-0: WeasyPrint lays out text with Pango" in out
    assert "bootstrap: missing libharfbuzz-subset0: " in out
    assert out.rstrip().splitlines()[-1].endswith(f"run: sudo apt-get install -y --no-install-recommends {PDF_PACKAGES}")


def test_test_profile_also_needs_the_browser_and_its_fonts(machine):
    done = machine("--list", "test")
    assert done.returncode == 0
    packages = done.stdout.split()
    assert set(PDF_PACKAGES.split()) < set(packages)
    assert {"chromium", "libatomic1", "fonts-liberation2", "fonts-dejavu-core", "git", "nodejs", "npm"} <= set(packages)
    assert "chromium" not in machine("--list", "pdf").stdout.split()
    assert "nodejs" not in machine("--list", "pdf").stdout.split()


def test_bench_profile_adds_pandoc_to_what_publishing_needs(machine):
    done = machine("--list", "bench")
    assert done.returncode == 0
    assert done.stdout.split() == machine("--list", "pdf").stdout.split() + ["pandoc"]
    assert "pandoc" not in machine("--list", "test").stdout.split()


@pytest.fixture
def csl_machine(tmp_path):
    """A ready machine (as `make test` leaves it) with a stand-in npm and a copy of tests/csl's lock files."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    (venv / ".installed").touch()
    csl = tmp_path / "csl"
    csl.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "tests" / "csl" / name, csl / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "npm-calls"

    def run(npm_exit: int = 0) -> subprocess.CompletedProcess:
        _script(bin_dir / "npm", f'#!/bin/sh\necho "npm $*" >> {calls}\nmkdir -p {csl}/node_modules\n'
                                 f'[ {npm_exit} = 0 ] || echo "npm ERR! network" >&2\nexit {npm_exit}\n')
        environ = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VENV": str(venv),
                   "CSL_DIR": str(csl), "BOOTSTRAP_NO_INSTALL": "1"}
        return subprocess.run(["bash", str(BOOTSTRAP), "test"], env=environ, capture_output=True, text=True, timeout=120)

    run.csl = csl
    run.calls = calls
    return run


def test_the_test_profile_installs_citeproc_from_its_lock_file_once(csl_machine):
    first = csl_machine()
    assert first.returncode == 0, first.stderr
    assert csl_machine.calls.read_text().splitlines() == [f"npm ci --prefix {csl_machine.csl} --no-audit --no-fund"]
    assert first.stdout.splitlines()[0] == f"bootstrap: installing citeproc-js into {csl_machine.csl}/node_modules (npm ci, from its lock file)"
    again = csl_machine()
    assert again.returncode == 0 and again.stdout == "" and len(csl_machine.calls.read_text().splitlines()) == 1
    # A changed lock file installs again.
    stamp = csl_machine.csl / "node_modules" / ".installed"
    os.utime(stamp, (stamp.stat().st_atime - 60, stamp.stat().st_mtime - 60))
    third = csl_machine()
    assert third.returncode == 0 and len(csl_machine.calls.read_text().splitlines()) == 2


def test_a_failing_npm_ci_says_what_to_run(csl_machine):
    done = csl_machine(npm_exit=1)
    assert done.returncode == 1
    assert "npm ERR! network" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == f"bootstrap: npm ci failed (above); after fixing it, run: npm ci --prefix {csl_machine.csl}"
    assert not (csl_machine.csl / "node_modules" / ".installed").exists()


def test_missing_packages_are_installed_with_apt_get_one_line_per_step(machine):
    calls = machine.tmp / "calls"
    _script(machine.bin / "apt-get", f'#!/bin/sh\necho "apt-get $*" >> {calls}\n')
    _script(machine.bin / "sudo", f'#!/bin/sh\necho "sudo" >> {calls}\nexec "$@"\n')  # used when not root
    done = machine("pdf", path=[machine.bin])
    lines = [line for line in calls.read_text().splitlines() if line != "sudo"]
    assert lines == ["apt-get update -qq", f"apt-get install -y -qq --no-install-recommends {PDF_PACKAGES}"]
    out = done.stdout.splitlines()
    assert "bootstrap: apt-get update" in out and f"bootstrap: apt-get install {PDF_PACKAGES}" in out
    # The stand-in installed nothing, so the libraries still do not open: said plainly, exit 1.
    assert done.returncode == 1
    assert "installed, but still not usable" in done.stderr and "Traceback" not in done.stderr


def test_a_failing_apt_get_ends_with_the_command_to_run(machine):
    _script(machine.bin / "apt-get", '#!/bin/sh\necho "E: Unable to locate package" >&2\nexit 100\n')
    _script(machine.bin / "sudo", '#!/bin/sh\nexec "$@"\n')
    done = machine("pdf", path=[machine.bin])
    assert done.returncode == 1
    last = done.stderr.rstrip().splitlines()[-1]
    assert last.startswith("bootstrap: apt-get update failed") and "apt-get install -y --no-install-recommends" in last


def test_without_apt_get_it_says_what_to_install(machine):
    done = machine("pdf", path=[_without("apt-get", machine.tmp)], system=False)
    assert done.returncode == 1
    assert "not a Debian or Ubuntu system: install the equivalents of " + PDF_PACKAGES in done.stderr


def test_an_unknown_profile_is_a_usage_line(machine):
    done = machine("publish")
    assert done.returncode == 1 and done.stderr.strip() == "bootstrap: usage: scripts/bootstrap [--list] venv|pdf|test|bench"


# --------------------------------------------------------------------------- make pdf: the publishing gate


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "BOOTSTRAP_NO_INSTALL": "1", "GUIDELINE_TODAY": "2026-06-01"})


def test_make_pdf_refuses_a_scaffolded_guideline(tmp_path):
    new = subprocess.run([str(Path(sys.executable).parent / "guideline"), "new", "my-guideline", "--dir", str(tmp_path / "content")],
                         capture_output=True, text=True, timeout=120)
    assert new.returncode == 0, new.stdout + new.stderr
    done = _make("pdf", f"CONTENT={tmp_path / 'content'}", f"OUT={tmp_path / 'build'}")
    assert done.returncode != 0
    assert "error[placeholder]: placeholder 'TODO: full title of the guideline" in done.stdout
    assert "build: nothing written" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "build").exists()


@pytest.mark.slow
def test_make_pdf_publishes_and_a_second_run_prints_one_line(tmp_path):
    shutil.copytree(FIXTURES / "valid" / "minimal", tmp_path / "content" / "minimal")
    args = ("pdf", f"CONTENT={tmp_path / 'content'}", f"OUT={tmp_path / 'build'}", "JOBS=1")
    first = _make(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "build" / "minimal" / "clinician-protocol.pdf").is_file()
    assert "built   minimal/clinician-protocol.pdf" in first.stdout
    again = _make(*args)
    assert again.returncode == 0
    (line,) = again.stdout.splitlines()
    assert line.startswith(f"build: 1 guideline into {tmp_path / 'build'}/: 0 built, 8 skipped, 0 failed in ")
