"""Shell completion (`guideline completion SHELL`, Click's protocol) and `--version`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUIDELINE = BIN / "guideline"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(cli, shell):
    result = cli("completion", shell)
    assert result.exit_code == 0, result.output
    assert f"_GUIDELINE_COMPLETE={shell}_complete" in result.output
    assert "guideline" in result.output


def test_completion_script_equals_clicks_builtin_one():
    env = {**os.environ, "_GUIDELINE_COMPLETE": "bash_source"}
    builtin = subprocess.run([str(GUIDELINE)], env=env, capture_output=True, text=True, check=True).stdout
    ours = subprocess.run([str(GUIDELINE), "completion", "bash"], capture_output=True, text=True, check=True).stdout
    assert ours.strip() == builtin.strip()


def test_unknown_shell_is_a_usage_error(cli):
    result = cli("completion", "powershell")
    assert result.exit_code == 2
    assert "'powershell' is not one of 'bash', 'zsh', 'fish'" in result.output


@pytest.mark.skipif(not shutil.which("bash"), reason="bash not installed")
def test_bash_completes_commands_and_options(tmp_path):
    script = subprocess.run([str(GUIDELINE), "completion", "bash"], capture_output=True, text=True, check=True).stdout
    (tmp_path / "complete.bash").write_text(script)

    def complete(words: str) -> list[str]:
        parts = words.split(" ")
        probe = (
            f"source {tmp_path / 'complete.bash'}\n"
            f"COMP_WORDS=({words}); COMP_CWORD={len(parts) - 1}\n"
            "_guideline_completion guideline\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        out = subprocess.run(["bash", "-c", probe], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    assert "check" in complete("guideline ch")
    assert "completion" in complete("guideline com")
    assert {"--strict", "--format"} <= set(complete("guideline check --"))
    assert set(complete("guideline check --format ")) == {"text", "json", "github"}


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(cli, flag):
    result = cli(flag)
    assert result.exit_code == 0
    assert result.output.strip() == f"guideline, version {__version__}"
    assert __version__[0].isdigit()
