"""Diagnostics: errors as values, each with a location, printed in one of three formats."""

from __future__ import annotations

import enum
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column count from 1 (0 means 'the whole file')."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return self.path


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    severity: Severity
    code: str
    message: str

    @classmethod
    def error(cls, location: Location, code: str, message: str) -> "Diagnostic":
        return cls(location, Severity.ERROR, code, message)

    @classmethod
    def warning(cls, location: Location, code: str, message: str) -> "Diagnostic":
        return cls(location, Severity.WARNING, code, message)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def promoted(self) -> "Diagnostic":
        """The same diagnostic as an error (for --strict)."""
        return Diagnostic(self.location, Severity.ERROR, self.code, self.message)

    def sort_key(self) -> tuple:
        return (self.location.path, self.location.line, self.location.column, self.code, self.message)

    def format_text(self) -> str:
        loc = self.location
        where = f"{one_line(loc.path)}:{loc.line or 1}:{loc.column or 1}"
        return f"{where}: {self.severity.value}[{self.code}]: {one_line(self.message)}"

    def as_dict(self) -> dict:
        return {
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Control characters shown escaped: a file name or message can never start a new output line
    (a forged diagnostic, a `::` workflow command) or send terminal escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def display_path(path: Path | str, base: Path | None = None) -> str:
    """A path as users should see it: relative to `base` (default: the working directory) when inside it."""
    p = Path(path)
    base = base or Path.cwd()
    try:  # resolve the folder, not the file: a symbolic link is shown by its own name
        return (p.parent.resolve() / p.name).relative_to(base.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _github_escape(value: str, *, property_: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    """Render diagnostics as `text` (path:line:col: error[code]: message), `json` or `github` annotations."""
    items = sorted(diagnostics, key=Diagnostic.sort_key)
    if fmt == "json":
        return json.dumps([d.as_dict() for d in items], indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = []
        for d in items:
            level = "error" if d.is_error else "warning"
            props = [f"file={_github_escape(one_line(d.location.path), property_=True)}"]
            if d.location.line:
                props.append(f"line={d.location.line}")
                props.append(f"col={d.location.column or 1}")
            props.append(f"title={_github_escape(d.code, property_=True)}")
            lines.append(f"::{level} {','.join(props)}::{_github_escape(one_line(d.message))}")
        return "\n".join(lines)
    return "\n".join(d.format_text() for d in items)


def summary_line(diagnostics: list[Diagnostic], n_guidelines: int) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    noun = "guideline" if n_guidelines == 1 else "guidelines"
    if not diagnostics:
        return f"{n_guidelines} {noun} checked: no problems"
    return (
        f"{n_guidelines} {noun} checked: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
