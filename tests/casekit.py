"""Data-driven guideline cases: a valid base fixture plus edits, and the diagnostics they must produce.

A case is a folder `tests/fixtures/cases/<name>/` holding `case.yaml`:

    description: what an author did wrong
    base: minimal                 # a folder under tests/fixtures/valid/
    edits:                        # applied in order
      - file: statements.yaml
        replace: "kind: definition"   # must occur exactly once (or use `count`)
        with: "kind: defintion"
        times: 1                  # optional: insert `with` this many times (very long lines)
      - file: references.yaml
        write: |                  # replace the whole file
          ...
      - file: algorithm.yaml
        delete: true
      - file: statements.yaml
        symlink: /etc/passwd      # replace the file by a symbolic link
      - file: statements.yaml
        pad_bytes: 3000000        # append comment lines up to this size
    expect:                       # each must appear (code, file, and line when given)
      - {code: invalid-value, file: statements.yaml, line: 3}   # also `column:`, `message:` (a substring)
    exit: 1                       # default 1
    args: [--strict]              # extra `guideline check` arguments
    git_tracked:                  # optional: make the folder above content/ a git repository
      - .cache/guideline/check/x.json   # tracking these files (created, added with `git add -f`)

Any other file in the case folder is copied over the base as it is (for byte-level cases such as a
BOM or invalid UTF-8, which YAML cannot carry).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
CASES = FIXTURES / "cases"


@dataclass
class Case:
    name: str
    folder: Path
    spec: dict

    @property
    def expect(self) -> list[dict]:
        return self.spec.get("expect", [])

    @property
    def exit_code(self) -> int:
        return int(self.spec.get("exit", 1))

    @property
    def args(self) -> list[str]:
        return [str(a) for a in self.spec.get("args", [])]

    def materialize(self, dest: Path) -> Path:
        """Write the broken guideline into dest/<base-name>/ and return that folder."""
        base = self.spec.get("base", "minimal")
        target = dest / base
        shutil.copytree(VALID / base, target)
        for edit in self.spec.get("edits", []):
            path = target / edit["file"]
            if edit.get("delete"):
                path.unlink()
                continue
            if "write" in edit:  # also a file beside the guideline folder (`../references.yaml`, `../other/guideline.yaml`)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(edit["write"], encoding="utf-8")
                continue
            if "symlink" in edit:  # replace the file by a symbolic link to this target
                path.unlink(missing_ok=True)
                path.symlink_to(edit["symlink"])
                continue
            if "pad_bytes" in edit:  # grow the file with comment lines to exactly N bytes or more
                with path.open("ab") as fh:
                    size = path.stat().st_size
                    line = b"# padding padding padding padding padding padding padding padding\n"
                    fh.write(line * ((int(edit["pad_bytes"]) - size) // len(line) + 1))
                continue
            text = path.read_text(encoding="utf-8")
            old, new = edit["replace"], edit["with"] * int(edit.get("times", 1))
            count = text.count(old)
            expected = edit.get("count", 1)
            if expected != "all" and count != expected:
                raise AssertionError(f"{self.name}: {old!r} occurs {count} times in {edit['file']}, expected {expected}")
            text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")
        for extra in self.folder.iterdir():
            if extra.name != "case.yaml" and extra.is_file():
                shutil.copyfile(extra, target / extra.name)
        if self.tracked:
            self._track(dest.parent)
        return target

    @property
    def tracked(self) -> list[str]:
        return [str(p) for p in self.spec.get("git_tracked", [])]

    def _track(self, root: Path) -> None:
        import subprocess

        for rel in self.tracked:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text('{"committed": true}\n')
        git = ["git", "-c", "init.defaultBranch=main", "-C", str(root)]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "-f", "--", *self.tracked], check=True)


def all_cases() -> list[Case]:
    cases = []
    for folder in sorted(CASES.iterdir()):
        spec_file = folder / "case.yaml"
        if spec_file.is_file():
            cases.append(Case(folder.name, folder, yaml.safe_load(spec_file.read_text(encoding="utf-8"))))
    return cases
