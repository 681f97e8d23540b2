"""The pipeline a team would write without this project, for `make bench` to compare with:
the guideline's statements as Markdown with Pandoc citations ([@key]), Pandoc with citeproc and the
AMA CSL style (the same style file the reference test uses) to HTML, then WeasyPrint to PDF.

    python -m tests.bench.pandoc_pipeline GUIDELINE-FOLDER OUT-FOLDER

It does what those pipelines do (one document, numbered references, no check of any kind): no
patient explainer, no flowchart, no citation gate. Standard library + PyYAML + WeasyPrint.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CSL = ROOT / "tests" / "csl" / "american-medical-association.csl"


def markdown(folder: Path) -> str:
    meta = yaml.safe_load((folder / "guideline.yaml").read_text(encoding="utf-8"))
    statements = yaml.safe_load((folder / "statements.yaml").read_text(encoding="utf-8"))["statements"]
    lines = ["---", f"title: {json.dumps(meta['title'])}", "---", ""]
    for section in meta["sections"]:
        lines += [f"# {section['title']}", ""]
        for s in statements:
            if s.get("section") != section["id"]:
                continue
            keys = [c if isinstance(c, str) else c["key"] for c in s.get("citations", [])]
            cite = " [" + "; ".join(f"@{k}" for k in keys) + "]" if keys else ""
            lines += [f"**{s.get('title', s['id'])}.** {' '.join(s['text'].split())}{cite}", ""]
    lines += ["# References", ""]
    return "\n".join(lines)


def bibliography(folder: Path) -> list[dict]:
    """The guideline's references and, where the library keeps a shared bibliography, those too."""
    items = []
    for path in (folder / "references.yaml", folder.parent / "references.yaml"):
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            items += data["references"] if isinstance(data, dict) else data
    return [{k: v for k, v in item.items() if k not in ("authors_truncated", "patient_caution", "note")} for item in items]


def main(folder: str, out: str) -> None:
    from weasyprint import HTML

    source, target = Path(folder), Path(out)
    target.mkdir(parents=True, exist_ok=True)
    (target / "protocol.md").write_text(markdown(source), encoding="utf-8")
    (target / "references.json").write_text(json.dumps(bibliography(source), default=str), encoding="utf-8")
    subprocess.run(
        ["pandoc", "protocol.md", "--standalone", "--citeproc", "--bibliography", "references.json", "--csl", str(CSL),
         "--metadata", "link-citations=true", "-o", "protocol.html"],
        cwd=target, check=True,
    )
    HTML(filename=str(target / "protocol.html")).write_pdf(target / "protocol.pdf")


if __name__ == "__main__":
    main(*sys.argv[1:])
