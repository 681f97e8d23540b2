"""The program's own errors: one base class, caught once in the CLI, one line and its exit code."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import generator
from generator.errors import EXIT_ERRORS, EXIT_USAGE, GuidelineError

PACKAGE = Path(generator.__file__).parent


def _error_classes() -> dict[str, type]:
    found = {}
    for info in pkgutil.walk_packages(generator.__path__, "generator."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_error_class_of_the_program_derives_from_the_one_base():
    classes = _error_classes()
    assert {"generator.history.changes.ChangesError", "generator.build.engine.BuildError",
            "generator.tools.scaffold.ScaffoldError", "generator.content.folders.UsageError"} <= set(classes)
    # Signals inside one module, never seen by a user: WeasyPrint's fetcher protocol (RefusedURL becomes
    # an UnsafeResourceError), a condition or YAML problem that becomes a diagnostic, a git directory
    # too odd to read without git (Unreadable: git is asked instead).
    internal = {"generator.render.pdf.RefusedURL", "generator.content.conditions.ConditionProblem",
                "generator.content.yaml_source._Budget", "generator.content.yaml_source._Rejected",
                "generator.history.git_refs.Unreadable"}
    outside = [name for name, cls in classes.items() if not issubclass(cls, GuidelineError) and name not in internal]
    assert outside == []


def test_no_command_catches_the_programs_errors_itself():
    """The CLI group catches GuidelineError once; a command that caught one and printed it by hand
    would drift from that (another prefix, stdout instead of stderr, another exit code)."""
    names = {name.rsplit(".", 1)[1] for name, cls in _error_classes().items() if issubclass(cls, GuidelineError)}
    names.add("GuidelineError")
    offenders = []
    for path in sorted((PACKAGE / "commands").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = [n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(node.type)]
                raises = any(isinstance(n, ast.Raise) for n in ast.walk(node))
                if names & set(caught) and not raises:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("args, code, message", [
    (("new", "Not A Slug"), EXIT_USAGE, "error: 'Not A Slug' is not a valid guideline id"),
    (("check", "no-such-folder"), EXIT_USAGE, "error: no-such-folder: no such file or directory"),
    (("diff", "no-such-revision-xyz"), EXIT_USAGE, "not inside a git repository"),
])
def test_a_program_error_is_one_line_on_stderr_with_its_exit_code(cli, minimal, args, code, message):
    result = cli(*args, *(() if args[0] != "diff" else (str(minimal),)))
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_a_name_with_a_line_break_stays_on_one_line(cli, tmp_path):
    result = cli("check", "missing\n::error title=forged::x")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.splitlines() == ["error: missing\\n::error title=forged::x: no such file or directory"]


def test_the_base_carries_message_and_exit_code():
    assert GuidelineError("x").exit_code == EXIT_ERRORS
    err = GuidelineError("a\nb", exit_code=7)
    assert (str(err), err.exit_code, err.format_message()) == ("a\nb", 7, "a\\nb")


def test_a_package_missing_from_an_old_environment_is_one_line_not_a_traceback(cli, minimal, monkeypatch):
    """A .venv made before requirements.lock gained a package: the command says to run `make venv`."""
    def old_environment(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'polib'", name="polib")

    monkeypatch.setattr("generator.build.checked.load_and_check", old_environment)
    result = cli("check")
    assert result.exit_code == EXIT_ERRORS
    assert result.output.strip().splitlines() == [
        "error: the Python module 'polib' is not installed in this environment; its packages predate "
        "requirements.lock: run `make venv` (or any make target)"
    ]
    assert "Traceback" not in result.output
