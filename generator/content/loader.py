"""Load a guideline folder into typed models, collecting diagnostics instead of raising."""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.diagnostics import Diagnostic, Location, display_path
from generator.content.models import (
    AlgorithmFile,
    AlgorithmNode,
    ContentModel,
    Feature,
    GuidelineMeta,
    Reference,
    ReferencesFile,
    Statement,
    StatementsFile,
    Vignette,
    VignettesFile,
)
from generator.content.folders import library_references
from generator.content.guideline import Guideline
from generator.content.po import Translation, load_folder as load_translations
from generator.content.signoff import SIGNOFF_FILE, SignoffFile
from generator.content.yaml_source import SourceMap, YamlDocument, parse_yaml, read_text

GUIDELINE_FILE = "guideline.yaml"
STATEMENTS_FILE = "statements.yaml"
ALGORITHM_FILE = "algorithm.yaml"
VIGNETTES_FILE = "vignettes.yaml"  # optional: patient cases the algorithm is tested with
REFERENCE_FILES = ("references.yaml", "references.json")
LIBRARY_KEY = "../references.yaml"  # the library bibliography's key in Guideline.texts, .paths, .sources
KNOWN_FILES = (GUIDELINE_FILE, STATEMENTS_FILE, ALGORITHM_FILE, *REFERENCE_FILES, VIGNETTES_FILE, SIGNOFF_FILE)


@dataclass
class LoadResult:
    guideline: Guideline
    diagnostics: list[Diagnostic]


def _link_loops(path: Path) -> bool:
    """A symbolic link that never reaches a file (`ln -s statements.yaml statements.yaml`, a -> b -> a)."""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11: "Symlink loop from ..."
        return True
    except OSError as exc:  # ELOOP from the system; a dangling link is missing-file, not a loop
        return exc.errno == errno.ELOOP
    return False


def load_guideline(folder: Path, *, base: Path | None = None) -> LoadResult:
    """Load every file of one guideline folder. Never raises for anything in the content."""
    folder = Path(folder)
    g = Guideline(folder=folder)
    diags: list[Diagnostic] = []

    def read(name: str, required: bool = True) -> YamlDocument | None:
        path = folder / name
        shown = display_path(path, base)
        g.paths[name] = shown
        if path.is_symlink() and _link_loops(path):
            diags.append(
                Diagnostic.error(
                    Location(shown), "symlink-loop", f"{name} is a symbolic link that leads back to itself; it names no file"
                )
            )
            g.complete = False
            return None
        if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
            diags.append(
                Diagnostic.error(
                    Location(shown), "symlink-outside", f"{name} is a symbolic link to a file outside the guideline folder"
                )
            )
            g.complete = False
            return None
        if not path.is_file():
            if required:
                diags.append(Diagnostic.error(Location(shown), "missing-file", f"guideline folder has no {name}"))
                g.complete = False
            return None
        text, file_diags = read_text(path, shown)
        if text is not None:
            g.texts[name] = text
            g.file_hashes[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            doc, parse_diags = _json_problem(text, shown) if name.endswith(".json") else (None, [])
            if not parse_diags:  # JSON is YAML, parsed as such for the line of every value
                doc, parse_diags = parse_yaml(text, shown)
            file_diags += parse_diags
        else:
            doc = None
        diags.extend(file_diags)
        if doc is None:
            g.complete = False
            return None
        g.sources[name] = doc.source
        return doc

    meta_doc = read(GUIDELINE_FILE)
    if meta_doc is not None:
        g.meta = _validate(GuidelineMeta, meta_doc.data, meta_doc.source, (), diags)
        if g.meta is None:
            g.complete = False

    if g.meta is not None and g.meta.related:
        g.library_guidelines = library_guidelines(folder)

    stmt_doc = read(STATEMENTS_FILE)
    if stmt_doc is not None:
        g.statements = _validate_list(StatementsFile, "statements", Statement, stmt_doc, diags, g)

    ref_name = next((n for n in REFERENCE_FILES if (folder / n).is_file()), REFERENCE_FILES[0])
    if all((folder / n).is_file() for n in REFERENCE_FILES):
        diags.append(
            Diagnostic.error(
                Location(display_path(folder / REFERENCE_FILES[1], base)),
                "duplicate-file",
                f"both {REFERENCE_FILES[0]} and {REFERENCE_FILES[1]} exist; keep one",
            )
        )
    library_file = library_references(folder)
    has_library = library_file.is_file() or library_file.is_symlink()
    # With a library bibliography a guideline may cite only its entries and need no file of its own.
    ref_doc = read(ref_name, required=not has_library)
    if ref_doc is not None:
        data = ref_doc.data
        if isinstance(data, list):  # CSL-JSON is a bare array; CSL-YAML has `references:`
            data = {"references": data}
            ref_doc = YamlDocument(data, ref_doc.source.shifted(("references",)))
        g.references = _validate_list(ReferencesFile, "references", Reference, ref_doc, diags, g)
    if has_library:
        g.library_references = _load_library(library_file, base, diags, g)
        own = {r.id for r in g.references}
        cited = {c.key for s in g.statements for c in s.citations}
        # A library entry the guideline also holds itself is reported by check (library-duplicate);
        # the guideline's own copy is the one used meanwhile.
        g.references += [r for r in g.library_references if r.id in cited and r.id not in own]

    algo_doc = read(ALGORITHM_FILE)
    if algo_doc is not None:
        g.algorithm = _validate(AlgorithmFile, algo_doc.data, algo_doc.source, (), diags)
        if g.algorithm is None:
            g.complete = False
        else:
            g.nodes = _validate_items(AlgorithmNode, g.algorithm.nodes, algo_doc.source, ("nodes",), diags, g)
            g.declared_ids["features"] = {
                f["name"] for f in g.algorithm.features if isinstance(f, dict) and isinstance(f.get("name"), str)
            }
            g.features = _validate_items(Feature, g.algorithm.features, algo_doc.source, ("features",), diags, g)

    vignette_doc = read(VIGNETTES_FILE, required=False)
    if vignette_doc is not None:
        g.vignettes_file = _validate(VignettesFile, vignette_doc.data, vignette_doc.source, (), diags)
        if g.vignettes_file is None:
            g.complete = False
        else:
            g.vignettes = _validate_items(Vignette, g.vignettes_file.vignettes, vignette_doc.source, ("vignettes",), diags, g)

    signoff_doc = read(SIGNOFF_FILE, required=False)
    if signoff_doc is not None:
        g.signoff = _validate(SignoffFile, signoff_doc.data, signoff_doc.source, (), diags)
        if g.signoff is None:
            g.complete = False

    if folder.is_dir():
        translations, translation_diags = load_translations(folder, g.meta.language if g.meta else None, base)
        g.translations = translations
        diags.extend(translation_diags)
        for extra in sorted(folder.iterdir()):
            if extra.suffix in (".yaml", ".yml", ".json") and extra.name not in KNOWN_FILES:
                close = difflib.get_close_matches(extra.name, KNOWN_FILES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                diags.append(
                    Diagnostic.warning(
                        Location(display_path(extra, base)),
                        "unknown-file",
                        f"{extra.name} is not a guideline file and is ignored{hint}",
                    )
                )
    return LoadResult(g, diags)


def library_guidelines(folder: Path) -> dict[str, dict]:
    """The other guidelines beside `folder`, by id: id, title, short title, version, status, whether
    they have a patient explainer, and the ids they list under `related`. Read leniently (only
    these fields); their own problems are reported when they are checked."""
    from generator.content.folders import library_folder

    out: dict[str, dict] = {}
    root = library_folder(folder)
    if not root.is_dir():
        return out
    me = Path(folder).resolve()
    for child in sorted(root.iterdir()):
        meta = child / GUIDELINE_FILE
        if child.resolve() == me or child.name.startswith((".", "_")) or meta.is_symlink() or not meta.is_file():
            continue
        text, _ = read_text(meta, display_path(meta))
        doc = parse_yaml(text, display_path(meta))[0] if text is not None else None
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        gid = data.get("id")
        if not isinstance(gid, str) or gid in out:
            continue
        related = data.get("related") if isinstance(data.get("related"), list) else []
        out[gid] = {
            "id": gid,
            "title": data.get("title") if isinstance(data.get("title"), str) else gid,
            "short_title": data.get("short_title") if isinstance(data.get("short_title"), str) else None,
            "version": str(data.get("version", "")),
            "status": str(data.get("status", "")),
            "patient": isinstance(data.get("patient"), dict),
            "related": [r.get("guideline") for r in related if isinstance(r, dict) and isinstance(r.get("guideline"), str)],
        }
    return out


def _load_library(path: Path, base: Path | None, diags: list[Diagnostic], g: Guideline) -> list[Reference]:
    """The library bibliography's entries (CSL-YAML with `references:`), validated one by one."""
    shown = display_path(path, base)
    g.library_path = shown
    if path.is_symlink() and (_link_loops(path) or not path.resolve().is_relative_to(path.parent.resolve())):
        diags.append(
            Diagnostic.error(
                Location(shown), "symlink-outside", f"{path.name} is a symbolic link out of its folder (or to itself); it is not read"
            )
        )
        g.complete = False
        return []
    text, file_diags = read_text(path, shown)
    doc = None
    if text is not None:
        g.texts[LIBRARY_KEY] = text
        g.paths[LIBRARY_KEY] = shown
        g.file_hashes[LIBRARY_KEY] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        doc, parse_diags = parse_yaml(text, shown)
        file_diags += parse_diags
    diags.extend(file_diags)
    if doc is None:
        g.complete = False
        return []
    g.sources[LIBRARY_KEY] = doc.source
    container = _validate(ReferencesFile, doc.data, doc.source, (), diags)
    if container is None:
        g.complete = False
        return []
    return _validate_items(Reference, container.references, doc.source, ("references",), diags, g)


def _json_problem(text: str, shown: str) -> tuple[None, list[Diagnostic]]:
    """CSL-JSON must be strict JSON (what Zotero and citeproc read): no comments, no trailing commas."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Diagnostic.error(Location(shown, exc.lineno, exc.colno), "json-syntax", f"invalid JSON: {exc.msg}")]
    except RecursionError:
        return None, [Diagnostic.error(Location(shown, 1, 1), "yaml-too-deep", "JSON nesting is too deep")]
    return None, []


def _validate_list(file_model, list_field: str, item_model, doc: YamlDocument, diags, g: Guideline) -> list:
    container = _validate(file_model, doc.data, doc.source, (), diags)
    if container is None:
        g.complete = False
        return []
    return _validate_items(item_model, getattr(container, list_field), doc.source, (list_field,), diags, g)


def _validate_items(item_model, items: list, source: SourceMap, base: tuple, diags, g: Guideline) -> list:
    """Validate list items one by one, so that one bad item does not hide the problems of the others."""
    out = []
    kind = base[0] if base else ""
    declared = g.declared_ids.setdefault(str(kind), set())
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            declared.add(item["id"])
        obj = _validate(item_model, item, source, base + (index,), diags)
        if obj is None:
            g.complete = False
        else:
            out.append(obj)
    return out


def _validate(model: type[ContentModel], data: Any, source: SourceMap, base: tuple, diags: list) -> Any:
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        diags.extend(_diagnostics_from(exc, model, source, base))
        return None
    attach_locations(obj, source, base)
    return obj


def attach_locations(obj: ContentModel, source: SourceMap, path: tuple) -> None:
    """Record on `obj` (and everything inside it) which file and place it came from."""
    obj.__pydantic_private__["_where"] = (source, path)  # direct: skips pydantic's __setattr__ checks
    fields = type(obj).model_fields
    for name, value in obj.__dict__.items():
        if isinstance(value, ContentModel):
            info = fields[name]
            attach_locations(value, source, path + (info.alias or name,))
        elif isinstance(value, list) and value and isinstance(value[0], ContentModel):
            info = fields[name]
            key = path + (info.alias or name,)
            for i, item in enumerate(value):
                if isinstance(item, ContentModel):
                    attach_locations(item, source, key + (i,))


# --------------------------------------------------------------------------- validation errors


_ID_FIELDS = {"id", "key", "section", "to", "next", "statements", "also_based_on"}


def _diagnostics_from(exc: ValidationError, model: type[BaseModel], source: SourceMap, base: tuple) -> list[Diagnostic]:
    out = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        full = base + loc
        kind = err["type"]
        if (full, kind) in seen:
            continue
        seen.add((full, kind))
        field_name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if kind == "extra_forbidden":
            allowed = _allowed_fields(model, loc[:-1])
            name = str(loc[-1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else (f"; expected one of: {', '.join(sorted(allowed))}" if allowed else "")
            out.append(Diagnostic.error(source.location(full, key=True), "unknown-field", f"unknown field {name!r}{hint}"))
        elif kind == "missing":
            where = _describe(base + loc[:-1])
            out.append(
                Diagnostic.error(
                    source.location(full[:-1]),
                    "missing-field",
                    f"missing required field {str(loc[-1])!r}{where}",
                )
            )
        elif kind == "string_pattern_mismatch" and field_name in _ID_FIELDS:
            out.append(
                Diagnostic.error(
                    source.location(full),
                    "invalid-id",
                    f"{err.get('input')!r} is not a valid id: use lowercase letters, digits and hyphens "
                    "(starting with a letter or digit)",
                )
            )
        elif kind == "string_pattern_mismatch" and field_name == "version":
            out.append(
                Diagnostic.error(
                    source.location(full),
                    "invalid-version",
                    f"{err.get('input')!r} is not a semantic version like 1.0.0",
                )
            )
        else:
            code = "wrong-type" if kind.endswith("_type") or kind in {"date_from_datetime_parsing", "date_parsing"} else "invalid-value"
            message = err["msg"]
            inp = err.get("input")
            if kind == "model_type":
                message = "expected a mapping of fields (key: value lines)"
            if kind == "string_type" and isinstance(inp, (int, float, bool)):
                message += f" (got {inp!r}; put it in quotes)"
            elif kind in {"string_type", "list_type", "dict_type", "model_type"}:
                message += f" (got {_kind_of(inp)})"
            out.append(Diagnostic.error(source.location(full), code, f"{field_name}: {message}" if field_name else message))
    return out


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return f"{type(value).__name__} {value!r}"


def _describe(path: tuple) -> str:
    if not path:
        return ""
    parts = [f"[{p}]" if isinstance(p, int) else p for p in path]
    return " in " + ".".join(str(p) for p in parts).replace(".[", "[")


def _allowed_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    cls: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return []
        info = next((f for n, f in cls.model_fields.items() if (f.alias or n) == part), None)
        if info is None:
            return []
        cls = _model_in(info.annotation)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return [f.alias or n for n, f in cls.model_fields.items()]
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


