"""`guideline translate update <lang>`: create or merge a guideline's translations/<lang>.po.

Merging follows gettext's msgmerge, keyed by msgctxt (the field) rather than by the source text:

* a field with no entry gets an empty one (missing);
* an entry whose source text is unchanged keeps its translation and flags;
* an entry whose source text changed gets the new msgid and fingerprint, keeps its old translation
  for reference, is marked fuzzy and records the old source as `#| msgid` (previous msgid), so the
  translator sees what changed and the check knows it is not current;
* an entry whose field no longer exists is kept as obsolete (`#~`), as msgmerge does.

The header's translation status and reviewer are kept; a new file starts as a draft with no
reviewer. Entries are written in the explainer's order, each with the field's label and the
source file and line, so the file reads like the document.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from generator.content.loader import Guideline
from generator.content.po import FINGERPRINT_PREFIX, REVIEWER_HEADER, STATUS_HEADER, TRANSLATIONS_DIR, entry_key
from generator.content.translations import SourceEntry, source_entries


@dataclass
class UpdateResult:
    path: Path
    created: bool
    added: int = 0
    changed: int = 0  # marked fuzzy because the source changed
    unchanged: int = 0
    obsolete: int = 0


def _comment(source: SourceEntry) -> str:
    lines = [f"{FINGERPRINT_PREFIX} {source.fingerprint}", source.label]
    if source.markdown:
        lines.append("Markdown: keep *emphasis*, lists and links as they are")
    return "\n".join(lines)


def _occurrence(g: Guideline, source: SourceEntry) -> list[tuple[str, str]]:
    if source.occurrence is not None:  # a template string
        return [(source.occurrence[0], str(source.occurrence[1]))]
    if source.owner is None:
        return []
    loc = source.owner.location(source.field)
    if not loc.line:
        return []
    name = Path(loc.path).name
    return [(name, str(loc.line))]


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M+0000")


def update(g: Guideline, language: str) -> UpdateResult:
    """Create or merge translations/<language>.po of a loaded guideline; returns what changed."""
    import polib

    path = Path(g.folder) / TRANSLATIONS_DIR / f"{language}.po"
    created = not path.exists()
    if created:
        po = polib.POFile(wrapwidth=0)
        po.metadata = {
            "Project-Id-Version": f"{g.id} {g.meta.version}",
            "Language": language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Last-Translator": "",
            "Language-Team": "",
            STATUS_HEADER: "draft",
            REVIEWER_HEADER: "",
        }
        po.header = (
            f"Patient explainer of {g.id}, translated into {language}.\n"
            f"{STATUS_HEADER}: draft (not yet reviewed) or reviewed; {REVIEWER_HEADER}: who reviewed it (name, role).\n"
            "Edit msgstr only; `guideline translate update` rewrites the rest."
        )
    else:
        po = polib.pofile(path.read_text(encoding="utf-8"), wrapwidth=0)
        po.metadata["Project-Id-Version"] = f"{g.id} {g.meta.version}"
    result = UpdateResult(path, created)
    old = {entry_key(e.msgctxt, e.msgid): e for e in po if not e.obsolete and e.msgctxt}
    kept_obsolete = [e for e in po if e.obsolete]
    entries: list[polib.POEntry] = []
    for source in source_entries(g):
        previous = old.pop(source.key, None)
        entry = polib.POEntry(
            msgctxt=source.context,
            msgid=source.text,
            msgstr="",
            comment=_comment(source),
            occurrences=_occurrence(g, source),
        )
        if previous is None:
            result.added += 1
        elif previous.msgid == source.text:
            entry.msgstr = previous.msgstr
            entry.flags = list(previous.flags)
            entry.previous_msgid = previous.previous_msgid
            entry.tcomment = previous.tcomment
            result.unchanged += 1
        else:
            entry.msgstr = previous.msgstr
            entry.tcomment = previous.tcomment
            entry.previous_msgid = previous.msgid
            if previous.msgstr:
                entry.flags = sorted(set(previous.flags) | {"fuzzy"})
            result.changed += 1
        entries.append(entry)
    for gone in old.values():  # a field that no longer exists: kept as obsolete, like msgmerge
        gone.obsolete = True
        kept_obsolete.append(gone)
        result.obsolete += 1
    po[:] = entries + kept_obsolete
    if result.added or result.changed or result.obsolete or created:
        po.metadata["PO-Revision-Date"] = _now()
    path.parent.mkdir(parents=True, exist_ok=True)
    from generator.build.atomic import write_bytes

    write_bytes(path, str(po).encode("utf-8") if str(po).endswith("\n") else (str(po) + "\n").encode("utf-8"))
    return result
