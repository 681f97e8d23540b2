"""The package's stages import only down the pipeline (docs/design.md, "Which package may import which").

Every `import generator...` / `from generator... import` in every module, at any depth (lazy imports
inside functions count too), is read with the `ast` module and held against the stage order below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "generator"

# Lower rank = further up the pipeline. A module may import its own stage and any lower rank.
RANK = {
    "diagnostics": 0, "errors": 0, "error_codes": 0, "__init__": 0,
    "content": 1,
    "history": 2,
    "check": 3,
    "render": 4,
    "build": 5,
    "export": 6, "tools": 6,
    "commands": 7,
    "cli": 8, "__main__": 9,
}


def stage_of(dotted: str) -> str:
    """'generator.check.rules.ids' -> 'check'; 'generator' -> '__init__'."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "generator"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "generator":
            if node.module == "generator":  # `from generator import content` names a stage
                found += [(node.lineno, f"generator.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "<relative>"))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_stage_is_ranked():
    stages = {stage_of(module_name(p)) for p in MODULES}
    assert stages <= set(RANK), f"stages without a rank: {sorted(stages - set(RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_pipeline(path):
    own = stage_of(module_name(path))
    wrong = []
    for line, target in imported_modules(path):
        if target == "<relative>":
            wrong.append(f"line {line}: relative import (write the absolute generator.* path)")
            continue
        theirs = stage_of(target)
        if theirs == "__version__":
            continue
        if RANK.get(theirs, 99) > RANK[own]:
            wrong.append(f"line {line}: {own} imports {target} ({theirs} comes later in the pipeline)")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path):
    """The test above can fail: a render module that imports the build engine is caught."""
    fake = tmp_path / "generator" / "render" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from generator.build.engine import build\n")
    [(line, target)] = imported_modules(fake)
    assert (line, stage_of(target)) == (2, "build") and RANK["build"] > RANK["render"]


# What only reads a loaded guideline names the type from generator.content.guideline; loading
# (generator.content.loader) is the business of those that run the pipeline: check/run.py, the build
# engine, history, tools and commands.
READERS = ("generator.check.rules", "generator.render", "generator.export")


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p).startswith(READERS)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rules_renderers_and_exporters_do_not_import_the_loader(path):
    wrong = [f"line {line}: imports {target}" for line, target in imported_modules(path)
             if target == "generator.content.loader"]
    assert not wrong, "\n".join(wrong) + " (import Guideline from generator.content.guideline)"


def _private_names_imported(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"line {node.lineno}: {a.name} from {node.module}" for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator")
            and node.module != module_name(path)
            for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(path):
    """What a command or a stage shares is public (no `from generator.cli import _helper`)."""
    assert _private_names_imported(path) == []


def test_the_slug_pattern_is_written_once():
    """generator/content/slug.py defines what an id looks like; nobody spells the pattern again."""
    spelled = [f"{p.relative_to(PACKAGE)}:{n}" for p in MODULES if p.name != "slug.py"
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "[a-z0-9][a-z0-9-]" in line]
    assert spelled == []


def test_the_design_notes_name_every_module():
    """docs/design.md's tree of generator/ stays true: each module of a stage (and each subpackage)
    is named there (the rules under check/rules/ are 'one module per rule')."""
    text = (PACKAGE.parent / "docs" / "design.md").read_text(encoding="utf-8")
    tree = text[text.index("```\ngenerator/"):]
    tree = tree[:tree.index("```", 4)]
    missing = []
    for path in MODULES:
        rel = path.relative_to(PACKAGE)
        if rel.parts[:2] in (("check", "rules"), ("render", "metadata")):
            continue  # "rules/ (one module per rule)", "metadata/ (...)"
        if rel.parts[0] == "commands" and rel.name not in ("options.py", "__init__.py"):
            continue  # "one module per CLI command"
        if rel.name == "__init__.py":
            name = (rel.parent.name + "/") if rel.parent.name else None
        else:
            name = rel.name
        if name and name not in tree:
            missing.append(str(rel))
    for sub in ("rules/", "metadata/"):
        if sub not in tree:
            missing.append(sub)
    assert missing == []
