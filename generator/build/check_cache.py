"""The warm-check cache: results of loading and checking a guideline folder, keyed by file contents.

A guideline folder's key is the sha256 of what the loader reads in it (`hashing.content_files`:
the content files' bytes, the names of other YAML/JSON files; nothing else in the folder is read),
the folder's location, the release tags, and the generator fingerprint (the bytes of every file of
the `generator` package plus the Python and dependency versions), so a cache entry is never
trusted across generator versions or code edits. Two things are cached, one JSON file per guideline folder each (a new result
replaces the old one, so the cache never grows past the library):

* `check/`: the diagnostics of loading and checking (for a given `today` and `--strict`);
* `views/`: each document's view (what the build engine hashes to decide what to rebuild), so a
  no-op build needs neither to load the YAML nor to import the renderers.

The cache lives in `.cache/guideline/` under the working directory (GUIDELINE_CACHE_DIR moves it;
GUIDELINE_NO_CACHE=1 turns it off). It is always safe to delete. It is not trusted for being there:
every entry carries an HMAC made with the per-user key (`hashing.cache_key`, kept under
$XDG_CACHE_HOME, never in the repository), and one without a valid signature is a miss; nothing is
read or written through a symbolic link (a committed `.cache` link turns the cache off).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.atomic import write_bytes
from generator.build.hashing import FORMAT as CACHE_FORMAT
from generator.build.hashing import content_files, digest, generator_fingerprint, module_fingerprint, tree_hash  # noqa: F401
from generator.build.hashing import bytes_signed_by_us, file_sha256, sign_bytes
from generator.diagnostics import Diagnostic, Location, Severity
from generator.content.regular_file import read_regular

MAX_ENTRY_BYTES = 64 * 1024 * 1024  # the views of a very large guideline
_SIGNED = b"hmac-sha256:"  # an entry: this, the signature in hex, a line break, the JSON body


def _signed_part(kind: str, slot: Path, body: bytes) -> bytes:
    """What an entry's signature covers: its kind and slot (an entry cannot be moved) and its body."""
    return kind.encode() + b"\0" + slot.name.encode() + b"\0" + body


def library_files(folder: Path, memo: dict | None = None) -> dict[str, str | None]:
    """sha256 of what a guideline reads from its library: the bibliography beside the guideline
    folder, and the other guidelines' guideline.yaml (`related` shows their titles and versions);
    each read bounded and never through a link, like every other file of the key. With `memo` (one
    dict for one run over many folders), each library is read once, not once per guideline in it:
    a library of n guidelines would otherwise hash n x n files."""
    from generator.content.folders import library_folder

    root = library_folder(folder)
    library = memo.get(root) if memo is not None else None
    if library is None:
        library = _library_digests(root)
        if memo is not None:
            memo[root] = library
    references, others = library
    me = Path(folder).resolve()
    return {"references": references, **{name: digest for name, where, digest in others if where != me}}


def _library_digests(root: Path) -> tuple[str | None, list[tuple[str, Path, str]]]:
    from generator.content.folders import GUIDELINE_FILE, LIBRARY_REFERENCES

    def digest_of(path: Path) -> str | None:
        if path.is_symlink():
            return "link"
        return (file_sha256(path) or "unreadable") if path.exists() else None

    try:
        children = sorted(c for c in root.iterdir() if c.is_dir() and not c.is_symlink())
    except OSError:
        children = []
    others = []
    for child in children:
        # a folder without guideline.yaml (a cache beside the guidelines, say) is no guideline
        if (found := digest_of(child / GUIDELINE_FILE)) is not None:
            others.append((child.name, child.resolve(), found))
    return digest_of(root / LIBRARY_REFERENCES), others


def _digest(*parts: Any) -> str:
    return digest(list(parts))


def _diag_to_json(d: Diagnostic) -> list:
    loc = d.location
    return [loc.path, loc.line, loc.column, d.severity.value, d.code, d.message]


def _diag_from_json(item: list) -> Diagnostic:
    path, line, column, severity, code, message = item
    return Diagnostic(Location(path, line, column), Severity(severity), code, message)


@dataclass
class CheckCache:
    """One cache directory; every method tolerates a missing, corrupt or unwritable cache."""

    root: Path | None

    @classmethod
    def default(cls) -> "CheckCache":
        if os.environ.get("GUIDELINE_NO_CACHE", "").strip() not in ("", "0"):
            return cls(None)
        root = os.environ.get("GUIDELINE_CACHE_DIR")
        return cls(Path(root) if root else Path.cwd() / ".cache" / "guideline")

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def content_key(self, folder: Path, memo: dict | None = None) -> str:
        """The key of everything the check of `folder` reads. `memo`: one dict shared by the
        folders of one run (see `library_files`), never kept across runs: files change between them."""
        folder = Path(folder)
        # release tags feed the documents' "What changed in this version" (generator/history/changes.py)
        from generator.history.git_refs import release_fingerprint
        from generator.content.paths import TEMPLATES
        from generator.content.po import TEMPLATE_FOLDER

        # the strings marked for translation in the patient templates are entries of every translation
        translated_templates = tree_hash(TEMPLATES / TEMPLATE_FOLDER) if (folder / "translations").is_dir() else ""
        return _digest(
            generator_fingerprint(), str(Path.cwd()), str(folder), str(folder.resolve()), content_files(folder),
            release_fingerprint(folder), translated_templates, library_files(folder, memo),
        )

    def _slot(self, kind: str, folder: Path) -> Path:
        assert self.root is not None
        name = _digest(str(Path.cwd()), str(Path(folder).resolve()))[:32]
        return self.root / kind / f"{name}.json"

    def _usable(self, slot: Path) -> bool:
        """Never read or write through a symbolic link: a committed `.cache -> /elsewhere` (or any
        link between the working directory and the entry) turns the cache off."""
        assert self.root is not None
        cwd = Path.cwd()
        root = cwd / self.root
        inside = [p for p in root.parents if p != cwd and p.is_relative_to(cwd)]
        return not any(p.is_symlink() for p in (cwd / slot.parent, root, *inside))

    def _read(self, kind: str, folder: Path) -> dict | None:
        if self.root is None:
            return None
        slot = self._slot(kind, folder)
        if not self._usable(slot):
            return None
        raw = read_regular(slot, MAX_ENTRY_BYTES + 1)
        if raw is None or len(raw) > MAX_ENTRY_BYTES or not raw.startswith(_SIGNED):
            return None
        signature, _, body = raw[len(_SIGNED):].partition(b"\n")
        # Only what this user's generator wrote counts: an entry committed to the repository, copied
        # from another machine or edited by hand does not carry a signature made with this user's key.
        if not bytes_signed_by_us(_signed_part(kind, slot, body), signature.decode("ascii", "replace")):
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) and data.get("format") == CACHE_FORMAT else None

    def _write(self, kind: str, folder: Path, data: dict) -> None:
        if self.root is None:
            return
        slot = self._slot(kind, folder)
        if not self._usable(slot):
            return
        try:
            body = json.dumps({"format": CACHE_FORMAT, **data}, separators=(",", ":"), allow_nan=False).encode()
            signature = sign_bytes(_signed_part(kind, slot, body)).encode()
            write_bytes(slot, _SIGNED + signature + b"\n" + body, sync_dir=False)
        except (OSError, ValueError):
            pass  # a cache that cannot be written is just a slower next run

    # -- check results -------------------------------------------------------------------------

    @staticmethod
    def _check_key(content_key: str, today: str, strict: bool) -> str:
        return _digest(content_key, today, strict)

    def get_check(self, folder: Path, content_key: str, today: str, strict: bool) -> tuple[str, list[Diagnostic]] | None:
        """(guideline id, unfinalized diagnostics) of an earlier check of exactly these files."""
        data = self._read("check", folder)
        if not data or data.get("key") != self._check_key(content_key, today, strict):
            return None
        try:
            return data["id"], [_diag_from_json(d) for d in data["diagnostics"]]
        except (KeyError, TypeError, ValueError):
            return None

    def put_check(self, folder: Path, content_key: str, today: str, strict: bool, guideline_id: str, diagnostics: list[Diagnostic]) -> None:
        self._write(
            "check",
            folder,
            {"key": self._check_key(content_key, today, strict), "id": guideline_id, "diagnostics": [_diag_to_json(d) for d in diagnostics]},
        )

    # -- document views ------------------------------------------------------------------------

    @staticmethod
    def _views_key(content_key: str, registry: str) -> str:
        return _digest(content_key, registry)

    def get_views(self, folder: Path, content_key: str, registry: str) -> dict[str, Any] | None:
        data = self._read("views", folder)
        if not data or data.get("key") != self._views_key(content_key, registry):
            return None
        views = data.get("views")
        return views if isinstance(views, dict) else None

    def put_views(self, folder: Path, content_key: str, registry: str, views: dict[str, Any]) -> None:
        self._write("views", folder, {"key": self._views_key(content_key, registry), "views": views})
