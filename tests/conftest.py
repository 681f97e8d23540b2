from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TODAY = "2026-06-01"  # a fixed "today" so review-date rules do not change with the calendar


class Cli:
    """Runs `guideline ...` in-process, from a chosen working directory."""

    def __init__(self, cwd: Path):
        self.cwd = cwd

    def __call__(self, *args: str, env: dict | None = None):
        runner = CliRunner()
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            # The per-user cache key (generator/build/hashing.py) in this project's own .cache/, so the
            # hardening tests' "nothing read outside the project" holds.
            defaults = {"GUIDELINE_TODAY": TODAY, "XDG_CACHE_HOME": str(self.cwd / ".cache" / "user")}
            return runner.invoke(main, [str(a) for a in args], env={**defaults, **(env or {})}, catch_exceptions=False)
        finally:
            os.chdir(old)


@pytest.fixture(autouse=True, scope="session")
def _user_cache_home(tmp_path_factory):
    """Tests never touch the user's own ~/.cache (the build's per-user key lives there)."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A writable copy of the valid minimal fixture guideline."""
    target = tmp_path / "content" / "minimal"
    shutil.copytree(FIXTURES / "valid" / "minimal", target)
    return target
