"""Synthetic guidelines for the benchmark: clearly fake text, real reference records.

Each generated guideline is the minimal test fixture's metadata and references (real DOIs) with
`n` generated statements, an algorithm over them, and short patient text that passes the
readability gate. Nothing here is clinical advice, and every text says so.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal"
REFERENCES = ("weickhardt2012", "yu2013")

CLINICIAN_WORDS = (
    "synthetic benchmark wording for a sample cohort with measured response in each arm of the "
    "study while the comparator group continued the usual schedule and follow-up visits"
).split()

PATIENT_SENTENCES = (
    "This is test text for a speed test.",
    "It is not advice about your care.",
    "Your care team can tell you more.",
    "You can ask them any question you have.",
    "They will help you plan the next steps.",
)


def letters(index: int) -> str:
    """The statement's index written in letters (0 -> 'a', 27 -> 'ab'): the only number a statement
    holds is the one its citation gives, as in a real guideline whose numbers are all cited."""
    out = ""
    while True:
        index, digit = divmod(index, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[digit]
        if index == 0:
            return out


def _clinician_text(rng: random.Random, index: int, sentences: int, share: int) -> str:
    out = [f"Synthetic statement {letters(index)} (benchmark text, not clinical advice): a response in {share}% of the sample."]
    for _ in range(sentences):
        words = rng.sample(CLINICIAN_WORDS, 12)
        out.append(" ".join(words).capitalize() + ".")
    return "\n".join(out) + "\n"


def statement(rng: random.Random, index: int, sentences: int) -> dict:
    share = rng.randint(5, 95)
    kind = ("recommendation", "background", "evidence", "definition")[index % 4]
    section = {"recommendation": "treatment", "background": "treatment", "evidence": "evidence", "definition": "definitions"}[kind]
    s: dict = {
        "id": f"syn-{index:05d}",
        "kind": kind,
        "section": section,
        "title": f"Synthetic statement {letters(index)}",
        "text": _clinician_text(rng, index, sentences, share),
        # the number the text states, given by the citation's locator: the number rule checks it as it would a real one
        "citations": [{"key": REFERENCES[index % 2], "locator": f"results: response {share}%"}],
    }
    if kind == "recommendation":
        s["grade"] = {"level": "IV", "strength": "C"}
    if kind == "evidence":
        s["study"] = {"study": f"Synthetic study {letters(index)}", "design": "Synthetic", "participants": "None (synthetic)", "result": "None (synthetic)"}
    if index % 5 == 0:
        s["patient"] = {
            "section": "treatment" if kind == "recommendation" else "what-is-happening",
            "text": " ".join(rng.sample(PATIENT_SENTENCES, 3)) + "\n",
        }
    return s


def algorithm(statement_ids: list[str], steps: int) -> dict:
    rec = [i for i in statement_ids if i.startswith("syn-")][: max(1, steps)]
    nodes = [{"id": "start", "kind": "start", "label": "Synthetic start", "statements": [rec[0]], "next": "step-0"}]
    for i in range(steps):
        nxt = f"step-{i + 1}" if i + 1 < steps else "decide"
        nodes.append({"id": f"step-{i}", "kind": "action", "label": f"Synthetic step {letters(i)}", "statements": [rec[i % len(rec)]], "next": nxt})
    nodes.append({"id": "decide", "kind": "decision", "label": "Synthetic decision?", "statements": [rec[0]],
                  "branches": [{"label": "Yes", "to": "end-a"}, {"label": "No", "to": "end-b"}]})
    nodes.append({"id": "end-a", "kind": "end", "label": "Synthetic end A", "statements": [rec[0]]})
    nodes.append({"id": "end-b", "kind": "end", "label": "Synthetic end B", "statements": [rec[-1]]})
    return {"title": "Synthetic pathway", "description": "A synthetic pathway for the benchmark.", "nodes": nodes}


def synthetic_references(n: int) -> list[dict]:
    """`n` generated reference records (the memory bench: a long protocol cites many works, so its
    evidence rows stay short). Titles say they are no publication; the DOIs are generated and never
    resolved (refs verify is not run on the bench)."""
    return [
        {"id": f"synref{letters(i)}", "type": "article-journal",
         "title": f"Synthetic reference {letters(i)} (benchmark record, not a publication)",
         "container-title": "Synthetic Journal", "issued": {"date-parts": [[2020]]}, "DOI": f"10.5555/synthetic.{i}"}
        for i in range(n)
    ]


def make_guideline(folder: Path, gid: str, n_statements: int, *, seed: int = 0, sentences: int = 2, steps: int = 4,
                   references: int = 0) -> Path:
    """Write one synthetic guideline folder with `n_statements` statements; returns the folder. With
    `references`, the statements cite that many generated records in turn instead of the fixture's two."""
    rng = random.Random(f"{gid}-{seed}")
    folder.mkdir(parents=True, exist_ok=True)
    if references:
        (folder / "references.yaml").write_text(yaml.safe_dump({"references": synthetic_references(references)}, sort_keys=False))
    else:
        shutil.copyfile(FIXTURE / "references.yaml", folder / "references.yaml")
    meta = yaml.safe_load((FIXTURE / "guideline.yaml").read_text())
    meta["id"] = gid
    meta["title"] = f"Synthetic benchmark guideline {gid} (not clinical advice)"
    meta["short_title"] = f"Synthetic {gid}"
    meta["patient"]["title"] = f"Test text for a speed test ({gid})"
    meta["patient"]["questions"] = [{"text": "Is this text real advice?", "statements": ["syn-00000"]}]
    meta["patient"]["glossary"] = []
    meta["patient"]["jargon"] = []
    (folder / "guideline.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    statements = [statement(rng, i, sentences) for i in range(n_statements)]
    if references:
        for i, st in enumerate(statements):
            st["citations"][0]["key"] = f"synref{letters(i % references)}"
    (folder / "statements.yaml").write_text(yaml.safe_dump({"statements": statements}, sort_keys=False, allow_unicode=True, width=100))
    (folder / "algorithm.yaml").write_text(
        yaml.safe_dump(algorithm([s["id"] for s in statements if s["kind"] == "recommendation"] or ["syn-00000"], steps), sort_keys=False)
    )
    return folder


def make_library(root: Path, n_guidelines: int, statements_each: int, **kwargs) -> list[Path]:
    return [make_guideline(root / f"syn-{i:03d}", f"syn-{i:03d}", statements_each, seed=i, **kwargs) for i in range(n_guidelines)]
