"""Hostile input at the command line, beyond what a case folder holds: every command answers with a
located diagnostic or a one-line usage error, never a traceback, and names are printed escaped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.casekit import VALID

FORGED = "evil\n::error title=forged::approved\x1b[2J"


def _no_forged_lines(output: str) -> None:
    assert "Traceback" not in output
    assert "\x1b" not in output
    assert not any(line.startswith("::error title=forged") for line in output.splitlines()), output


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "command",
    [
        ["check", "--format", "json", "content"],
        ["build", "content", "--out", "build", "-j", "1"],
        ["export", "fhir", "content/minimal", "--out", "bundle.json"],
        ["refs", "verify", "--format", "json", "content/minimal"],
        ["review-report", "content"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_symbolic_link_loop_as_a_content_file_is_a_located_diagnostic(tmp_path, cli, command):
    folder = tmp_path / "content" / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    (folder / "statements.yaml").unlink()
    (folder / "statements.yaml").symlink_to("statements.yaml")  # ln -s statements.yaml statements.yaml
    result = cli(*command)
    assert "Traceback" not in result.output and "RuntimeError" not in result.output, result.output
    if command[0] in ("check", "build", "export"):
        assert result.exit_code == 1, result.output
        assert "content/minimal/statements.yaml:1:1: error[symlink-loop]" in result.output or (
            command[0] == "check" and {d["code"] for d in json.loads(result.stdout)} == {"symlink-loop"}
        ), result.output
    else:  # refs verify reads only references; review-report reads the dates in guideline.yaml
        assert result.exit_code == 0, result.output
    assert not (tmp_path / "build").exists() or not any((tmp_path / "build").rglob("*.pdf"))
    assert not (tmp_path / "bundle.json").exists()


@pytest.mark.timeout(30)
def test_check_of_a_fifo_or_a_device_is_a_usage_error(tmp_path, cli):
    os.mkfifo(tmp_path / "fifo")
    for target in (str(tmp_path / "fifo"), "/dev/null"):
        for command in ("check", "review-report"):
            result = cli(command, target)
            assert result.exit_code == 2, result.output
            assert f"{target}: not a folder or a file" in result.output
            assert "Traceback" not in result.output


@pytest.mark.parametrize("option", [["--timeout", "nan"], ["--timeout", "inf"], ["--max-age", "inf"], ["--max-age", "nan"],
                                    ["--max-age", "1e400"]])
def test_refs_verify_refuses_numbers_that_are_not_finite(minimal, cli, option):
    result = cli("refs", "verify", *option, "content")
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option[0]}'" in result.output
    assert "Traceback" not in result.output


def test_a_symbolic_link_in_content_with_a_hostile_name_cannot_forge_a_line(tmp_path, cli):
    """A committed symbolic link `content/<name with a line break and ::error ...>` -> /etc."""
    shutil.copytree(VALID / "minimal", tmp_path / "content" / "minimal")
    (tmp_path / "content" / FORGED).symlink_to("/etc", target_is_directory=True)
    for command in (["check", "--format", "github"], ["build", "--out", "build"], ["review-report"], ["diff", "HEAD"]):
        result = cli(*command, "content")
        assert result.exit_code == 2, result.output
        _no_forged_lines(result.output)
        assert "evil\\n::error title=forged::approved\\x1b[2J: a symbolic link to a folder outside content" in result.output


def test_review_report_and_diff_error_lines_are_escaped(tmp_path, cli):
    folder = tmp_path / "content" / FORGED
    shutil.copytree(VALID / "minimal", folder)
    (folder / "guideline.yaml").write_text("id: [unclosed\n")
    result = cli("review-report", "content")
    assert result.exit_code == 1, result.output
    _no_forged_lines(result.output)
    assert "/content/evil\\n::error title=forged::approved\\x1b[2J: guideline.yaml does not load" in result.output
    (folder / "guideline.yaml").write_text((VALID / "minimal" / "guideline.yaml").read_text())
    result = cli("diff", "HEAD", "content")
    assert result.exit_code == 2, result.output
    _no_forged_lines(result.output)
    assert "evil\\n::error title=forged::approved\\x1b[2J: not inside a git repository" in result.output


@pytest.mark.timeout(300)
@pytest.mark.parametrize("command", [
    ["build", "content", "--html-only", "-j", "1", "--out", FORGED],
    ["export", "fhir", "content", "--out", FORGED],
    ["schema", "--out", FORGED],
    ["new", "second-guideline", "--dir", FORGED],
])
def test_names_given_on_the_command_line_are_printed_escaped(tmp_path, cli, command):
    """An output folder named with a line break and `::error ...` (a CI variable, a branch name) is
    echoed back escaped in every line the command prints, success or not."""
    shutil.copytree(VALID / "minimal", tmp_path / "content" / "minimal")
    result = cli(*command)
    assert result.exit_code == 0, result.output
    _no_forged_lines(result.output)
    assert "evil\\n::error title=forged::approved\\x1b[2J" in result.output


def test_translate_error_lines_are_escaped(tmp_path, cli):
    """`translate update` and `translate status` name a folder that does not load escaped."""
    folder = tmp_path / "content" / FORGED
    shutil.copytree(VALID / "minimal", folder)
    (folder / "guideline.yaml").write_text("id: [unclosed\n")
    for command in (["translate", "update", "es"], ["translate", "status"]):
        result = cli(*command, "content")
        assert result.exit_code == 1, result.output
        _no_forged_lines(result.output)
        assert "evil\\n::error title=forged::approved\\x1b[2J does not load" in result.output


@pytest.mark.parametrize("language", ["es\n", "es\n::error title=forged::approved", "\x1b[2Jes"])
def test_translate_update_refuses_a_language_tag_with_a_line_break(minimal, cli, language):
    """A language argument is a whole language tag: 'es' followed by a line break names no
    translations/es.po and writes no file whose name holds a line break."""
    result = cli("translate", "update", language, str(minimal))
    assert result.exit_code == 2, result.output
    _no_forged_lines(result.output)
    assert "is not a language tag such as es or pt-BR" in result.output
    assert not (minimal / "translations").exists() or not any((minimal / "translations").iterdir())


@pytest.mark.timeout(60)
@pytest.mark.parametrize("out", ["", "content", "content/minimal", "."])
def test_serve_never_writes_into_the_working_directory_or_a_guideline_folder(minimal, cli, out):
    """`serve --out content` refused as `build --out content` is, before anything is built or served."""
    before = sorted(p.name for p in minimal.iterdir())
    result = cli("serve", "--port", "0", "--out", out, "content")
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in minimal.iterdir()) == before


def test_refs_verify_prints_the_api_address_escaped(minimal, cli):
    """`--api` (a CI variable) is echoed back in the offline note on one line."""
    result = cli("refs", "verify", "--api", "https://api.example.org/" + FORGED, str(minimal))
    assert result.exit_code == 0, result.output
    _no_forged_lines(result.output)
    assert "https://api.example.org/evil\\n::error title=forged::approved" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_review_report_values_cannot_forge_a_line(minimal, cli, fmt):
    """A title with a line break and `::error ...` stays on the report's line (the output was escaped
    line by line after joining, so the line break survived)."""
    meta = minimal / "guideline.yaml"
    text = meta.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    meta.write_text(text.replace(title, 'title: "Local\\n::error title=forged::approved"'))
    result = cli("review-report", "--format", fmt, str(minimal))
    assert result.exit_code == 0, result.output
    _no_forged_lines(result.output)
    assert "Local\\n::error title=forged::approved" in result.output


def test_signoff_report_values_cannot_forge_a_line(minimal, cli):
    """Panel names and declared interests are content: `guideline signoff` prints them escaped."""
    import yaml

    panel = [{"id": "t-onc", "name": "Test\n::error title=forged::approved", "role": "Thoracic oncology"}]
    approvals = [{"member": "t-onc", "role": "Thoracic oncology", "version": "1.1.0", "fingerprint": "sha256:" + "0" * 64,
                  "date": "2026-01-02"}]
    (minimal / "signoff.yaml").write_text(yaml.safe_dump({"panel": panel, "approvals": approvals, "votes": []}))
    result = cli("signoff", str(minimal))
    _no_forged_lines(result.output)
    assert "Traceback" not in result.output and result.exit_code in (0, 1), result.output
