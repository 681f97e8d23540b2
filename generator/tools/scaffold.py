"""`guideline new`: a new guideline folder from templates/scaffold/, valid as created.

Every file carries comments explaining its fields and a schema modeline for editors. What the
author must still write is marked with the placeholder token `TODO:` (see rules/placeholders.py):
`guideline check` accepts the scaffold with warnings, `--strict` refuses it until every
placeholder is replaced, so nothing is published by accident.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import jinja2

from generator.content.slug import SLUG_MAX_LENGTH, is_slug
from generator.content.paths import TEMPLATES
from generator.tools.schema import SCHEMAS
from generator.errors import EXIT_USAGE, GuidelineError

SCAFFOLD = TEMPLATES / "scaffold"
REVIEW_YEARS = 2  # the default review interval for a new guideline


class ScaffoldError(GuidelineError):
    """The guideline cannot be created as asked (bad id, folder exists): a usage error."""

    exit_code = EXIT_USAGE


def check_id(guideline_id: str) -> None:
    if not is_slug(guideline_id):
        raise ScaffoldError(
            f"{guideline_id!r} is not a valid guideline id: use lowercase letters, digits and hyphens, "
            f"starting with a letter or digit, at most {SLUG_MAX_LENGTH} characters (e.g. oligoprogression-egfr-nsclc)"
        )


def _schema_dir(folder: Path) -> str:
    """The relative path from the new folder to the project's schemas/ (default: ../../schemas)."""
    for parent in folder.resolve().parents:
        if (parent / "schemas" / SCHEMAS[0].filename).is_file():
            return Path(os.path.relpath(parent / "schemas", folder.resolve())).as_posix()
    return "../../schemas"


def render_files(guideline_id: str, today: dt.date, schema_dir: str = "../../schemas") -> dict[str, str]:
    """File name -> text of every scaffold file for `guideline_id`."""
    check_id(guideline_id)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SCAFFOLD),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML; every value substituted is a slug or a date
    )
    names = {spec.name: spec.filename for spec in SCHEMAS}
    try:
        review_by = today.replace(year=today.year + REVIEW_YEARS)
    except ValueError:  # 29 February
        review_by = today.replace(year=today.year + REVIEW_YEARS, day=28)
    values = {
        "id": guideline_id,
        "today": today.isoformat(),
        "review_by": review_by.isoformat(),
        "year": today.year,
        "modeline": lambda name: f"# yaml-language-server: $schema={schema_dir}/{names[name]}",
    }
    files = {}
    for template in sorted(SCAFFOLD.glob("*.j2")):
        files[template.name.removesuffix(".j2")] = env.get_template(template.name).render(**values)
    return files


def create(guideline_id: str, content_dir: Path, today: dt.date) -> Path:
    """Write content_dir/<guideline_id>/ with every file, all at once (never half a folder)."""
    check_id(guideline_id)
    target = Path(content_dir) / guideline_id
    if target.exists():
        raise ScaffoldError(f"{target}: already exists; choose another id or edit the existing guideline")
    if Path(content_dir).exists() and not Path(content_dir).is_dir():
        raise ScaffoldError(f"{content_dir}: not a folder")
    Path(content_dir).mkdir(parents=True, exist_ok=True)
    files = render_files(guideline_id, today, _schema_dir(target))
    staging = Path(tempfile.mkdtemp(prefix=f".{guideline_id}.", dir=content_dir))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
