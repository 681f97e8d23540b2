"""Translation files: gettext PO, one per guideline and language (`translations/<lang>.po`).

A PO file is what translators, Poedit and Weblate already edit. Each entry translates one field of
the guideline's patient-facing text:

    #. source-fingerprint: sha256:3f1c9a0b7e2d4c61
    #. patient text of statement 'rec-sbrt'
    #: statements.yaml:42
    #, fuzzy
    #| msgid "the old English text"
    msgctxt "statement:rec-sbrt:patient.text"
    msgid "the English text"
    msgstr "el texto en español"

* `msgctxt` keys the entry by where the source text lives (statement id and field; see
  generator/content/translations.py for every key);
* `msgid` is the source text, and the extracted comment `source-fingerprint:` its hash, so a file
  edited by hand or by a tool that rewrites `msgid` still tells a changed source apart;
* `fuzzy` (with the previous source as `#| msgid`) marks a translation whose source changed:
  the old translation is kept for the translator, but it is not current.

The file's header carries the translation's own state: `Language`, `X-Translation-Status`
(`draft`: not yet reviewed; `reviewed`) and `X-Translation-Reviewer` (who reviewed it: a name and a
role, e.g. "A. Ruiz, medical translator"), besides the usual `Last-Translator`.

This module only reads files (polib does the parsing) into plain values, with a diagnostic for
anything wrong; it never raises for content.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import Diagnostic, Location, display_path

TRANSLATIONS_DIR = "translations"
LANGUAGE_TAG = re.compile(r"\A[a-z]{2,3}(-[A-Z]{2})?\Z")  # the whole text: "es\n" is no tag
STATUSES = ("draft", "reviewed")
STATUS_HEADER = "X-Translation-Status"
REVIEWER_HEADER = "X-Translation-Reviewer"
FINGERPRINT_PREFIX = "source-fingerprint:"
# Scripts written right to left (the language subtag decides; no guideline language needs a script subtag yet).
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})


def fingerprint(text: str) -> str:
    """The fingerprint of a source text: `sha256:` and the first 16 hex digits of its SHA-256."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


TEMPLATE_CONTEXT = "template"
TEMPLATE_FOLDER = "patient"  # templates/<this>/: the templates whose marked strings every translation carries


def entry_key(context: str, source: str) -> str:
    """How an entry is looked up: its msgctxt, except the template's own strings, which share the
    msgctxt `template` and are told apart by their msgid (gettext's own context\x04msgid key)."""
    return f"{context}\x04{source}" if context == TEMPLATE_CONTEXT else context


def direction(language: str) -> str:
    """`rtl` for a language written right to left, else `ltr`."""
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class Entry:
    """One translated field, as read from the PO file."""

    context: str  # msgctxt: the field's key
    source: str  # msgid: the source text the translation was made from
    text: str  # msgstr: the translation ("" when not yet translated)
    fuzzy: bool
    fingerprint: str | None  # the `source-fingerprint:` comment
    previous_source: str | None  # `#| msgid`: the source before it changed
    line: int  # where the entry starts


@dataclass
class Translation:
    """One language's PO file."""

    language: str
    path: str  # as displayed in diagnostics
    file: Path
    status: str
    reviewer: str | None
    translator: str | None
    entries: dict[str, Entry] = field(default_factory=dict)
    obsolete: int = 0  # entries kept as `#~` (their source is gone)
    header_line: int = 1

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed" and bool(self.reviewer)

    def at(self, context: str | None = None) -> Location:
        """Where an entry (or, without one, the header) was written."""
        entry = self.entries.get(context) if context else None
        return Location(self.path, entry.line if entry else self.header_line, 1)


def translation_files(folder: Path) -> list[Path]:
    root = Path(folder) / TRANSLATIONS_DIR
    if not root.is_dir() or root.is_symlink():
        return []
    return sorted(p for p in root.iterdir() if p.suffix == ".po")


def load_folder(folder: Path, source_language: str | None, base: Path | None = None) -> tuple[dict[str, Translation], list[Diagnostic]]:
    """Every translations/<lang>.po of a guideline folder, by language, with the diagnostics of reading them."""
    from generator.content.yaml_source import read_text

    out: dict[str, Translation] = {}
    diags: list[Diagnostic] = []
    root = Path(folder) / TRANSLATIONS_DIR
    if root.is_dir() and not root.is_symlink():
        for extra in sorted(root.iterdir()):
            if extra.suffix != ".po" and extra.suffix in (".pot", ".mo", ".yaml", ".yml", ".json"):
                diags.append(
                    Diagnostic.warning(
                        Location(display_path(extra, base)),
                        "unknown-file",
                        f"{TRANSLATIONS_DIR}/{extra.name} is not a translation file (translations/<language>.po) and is ignored",
                    )
                )
    for path in translation_files(folder):
        shown = display_path(path, base)
        language = path.stem
        if not LANGUAGE_TAG.match(language):
            diags.append(
                Diagnostic.error(
                    Location(shown), "translation-language", f"{path.name}: the file name must be a language tag such as es.po or pt-BR.po"
                )
            )
            continue
        if path.is_symlink():
            diags.append(Diagnostic.error(Location(shown), "symlink-outside", f"{path.name} is a symbolic link; translation files must be files"))
            continue
        text, read_diags = read_text(path, shown)
        diags.extend(read_diags)
        if text is None:
            continue
        translation, parse_diags = parse(text, language, shown, path)
        diags.extend(parse_diags)
        if translation is None:
            continue
        if language == source_language:
            diags.append(
                Diagnostic.error(
                    Location(shown), "translation-language", f"{path.name} translates into the guideline's own language ({language}); remove it"
                )
            )
            continue
        out[language] = translation
    return out, diags


_POLIB_LINE = re.compile(r"\(line (\d+)\)")
# polib forgives some broken lines (an unclosed string silently becomes an empty msgstr): every
# line is checked against PO's grammar first, so such a file is an error at its line, not a
# translation that quietly went missing.
_PO_STRING = r'"(?:[^"\\]|\\.)*"'
_PO_LINE = re.compile(r"^\s*(?:#.*|(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?" + _PO_STRING + r"\s*)?$")


def _first_bad_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), 1):
        if not _PO_LINE.match(line):
            return number
    return None


def parse(text: str, language: str, shown: str, path: Path) -> tuple[Translation | None, list[Diagnostic]]:
    """Parse the text of one PO file."""
    import polib

    diags: list[Diagnostic] = []
    bad = _first_bad_line(text)
    if bad is not None:
        shown_line = text.split("\n")[bad - 1].strip()[:40]
        return None, [Diagnostic.error(Location(shown, bad, 1), "po-syntax", f"not a valid PO line: {shown_line!r} (a string must be one quoted line)")]
    try:
        po = polib.pofile(text, wrapwidth=0, check_for_duplicates=True)
    except (OSError, ValueError, IndexError, UnicodeError) as exc:
        m = _POLIB_LINE.search(str(exc))
        message = _POLIB_LINE.sub("", str(exc)).strip().rstrip(":") or type(exc).__name__
        return None, [Diagnostic.error(Location(shown, int(m.group(1)) if m else 1, 1), "po-syntax", f"not a valid PO file: {message}")]
    meta = po.metadata
    header_language = meta.get("Language", "").strip().replace("_", "-")
    if header_language and header_language != language:
        diags.append(
            Diagnostic.error(
                Location(shown, 1, 1),
                "translation-language",
                f"the header says Language: {header_language}, the file name says {language}; make them agree",
            )
        )
    status = meta.get(STATUS_HEADER, "").strip() or "draft"
    reviewer = meta.get(REVIEWER_HEADER, "").strip() or None
    if status not in STATUSES:
        diags.append(
            Diagnostic.error(
                Location(shown, 1, 1),
                "translation-status",
                f"{STATUS_HEADER}: {status!r} is not one of {', '.join(STATUSES)}",
            )
        )
        status = "draft"
    elif status == "reviewed" and not reviewer:
        diags.append(
            Diagnostic.error(
                Location(shown, 1, 1),
                "translation-status",
                f"{STATUS_HEADER}: reviewed needs {REVIEWER_HEADER}: the name and role of the reviewer",
            )
        )
        status = "draft"
    translator = meta.get("Last-Translator", "").strip() or None
    translation = Translation(language, shown, path, status, reviewer, translator)
    for e in po:
        if e.obsolete:
            translation.obsolete += 1
            continue
        if not e.msgctxt:
            diags.append(
                Diagnostic.warning(
                    Location(shown, e.linenum, 1),
                    "translation-unknown-entry",
                    f"entry {e.msgid[:40]!r} has no msgctxt, so it names no field; remove it or run `guideline translate update {language}`",
                )
            )
            continue
        if e.msgid_plural:
            diags.append(
                Diagnostic.warning(
                    Location(shown, e.linenum, 1), "translation-unknown-entry", f"entry {e.msgctxt!r} has plural forms; patient fields have none"
                )
            )
        fp = None
        for line in (e.comment or "").splitlines():
            if line.strip().startswith(FINGERPRINT_PREFIX):
                fp = line.strip()[len(FINGERPRINT_PREFIX) :].strip()
        translation.entries[entry_key(e.msgctxt, e.msgid)] = Entry(
            e.msgctxt, e.msgid, e.msgstr, "fuzzy" in e.flags, fp, e.previous_msgid or None, e.linenum
        )
    return translation, diags
