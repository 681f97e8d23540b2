"""The `guideline check` command as a user and CI see it: formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_valid_fixture_passes_strict(cli, minimal):
    result = cli("check", "--strict", str(minimal))
    assert result.exit_code == 0, result.output
    assert "1 guideline checked: no problems" in result.output


def test_text_format_is_path_line_col_severity_code(cli, minimal):
    (minimal / "statements.yaml").write_text(
        (minimal / "statements.yaml").read_text().replace("citations: [yu2013]", "citations: [yu2031]")
    )
    result = cli("check", str(minimal))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("content/minimal/statements.yaml:40:")
    assert ": error[unknown-reference]: citation 'yu2031' matches no reference; did you mean 'yu2013'?" in first
    assert result.output.splitlines()[-1] == "1 guideline checked: 1 error, 0 warnings"


def test_json_format(cli, minimal):
    (minimal / "guideline.yaml").write_text((minimal / "guideline.yaml").read_text().replace("C78.0", "C87.0"))
    result = cli("check", "--format", "json", str(minimal))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == [
        {
            "path": "content/minimal/guideline.yaml",
            "line": 13,
            "column": 10,
            "severity": "error",
            "code": "invalid-icd10",
            "message": "'C87.0' is not a code in the WHO ICD-10 classification",
        }
    ]


def test_github_format_annotates_the_line(cli, minimal):
    (minimal / "guideline.yaml").write_text((minimal / "guideline.yaml").read_text().replace("C78.0", "C87.0"))
    result = cli("check", "--format", "github", str(minimal))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=content/minimal/guideline.yaml,line=13,col=10,title=invalid-icd10::"
        "'C87.0' is not a code in the WHO ICD-10 classification"
    )


def test_strict_turns_warnings_into_errors(cli, minimal):
    text = (minimal / "guideline.yaml").read_text().replace("review_by: 2028-01-01", "review_by: 2026-02-01")
    (minimal / "guideline.yaml").write_text(text)
    assert cli("check", str(minimal)).exit_code == 0
    strict = cli("check", "--strict", str(minimal))
    assert strict.exit_code == 1
    assert "error[review-overdue]" in strict.output


def test_today_option_moves_the_review_deadline(cli, minimal):
    assert "review-overdue" not in cli("check", "--today", "2027-12-31", str(minimal)).output
    assert "warning[review-overdue]" in cli("check", "--today", "2028-01-02", str(minimal)).output


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("check", str(tmp_path / "nope")).exit_code == 2
    assert cli("check", "--format", "xml").exit_code == 2
    assert cli("check", "--today", "yesterday", str(tmp_path)).exit_code == 2


def test_folder_of_guidelines_checks_each(cli, minimal):
    second = minimal.parent / "second"
    second.mkdir()
    result = cli("check", str(minimal.parent))
    assert "2 guidelines checked" in result.output
    assert "content/second/guideline.yaml:1:1: error[missing-file]" in result.output


def test_installed_command_runs_without_traceback(tmp_path):
    """The real console script, in a subprocess, on a broken file."""
    exe = Path(sys.executable).parent / "guideline"
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "guideline.yaml").write_bytes(b"id: [unclosed\n")
    proc = subprocess.run([str(exe), "check", str(folder)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "g/guideline.yaml:1:14: error[yaml-syntax]" in proc.stdout  # the end of the last line, not a line 2
