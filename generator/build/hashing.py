"""Every hash the build computes, in one place.

* `canonical_json` is the one serialisation that is hashed (sorted keys, no whitespace, UTF-8);
  `digest(value)` is its sha256.
* `file_sha256` streams a regular file (never through a symbolic link, never a FIFO or device) up
  to a size bound; anything else hashes to None ("cannot vouch for it").
* `tree_files` is the one walk over a folder of code or templates (the generator package, each
  template folder): relative path -> digest of the bytes, a symbolic link by its target text
  (never followed), `__pycache__`, `*.pyc` and the atomic writer's temp files left out. A file over
  the bound is described by its size and modification time instead of being read.
* `content_files` is what a guideline folder contributes to the check cache's key: exactly what
  the loader reads. The content files by name (their bytes, up to the loader's own size limit; an
  in-folder symbolic link by its target text and the bytes it leads to), plus the names of other
  top-level `.yaml`/`.yml`/`.json` entries (the `unknown-file` warning). Everything else in the
  folder (a 3 GB video, a subfolder of drafts) is not read at all: the guideline does not use it.
* `generator_fingerprint`, `module_fingerprint`: what changes when the generator could behave
  differently.
* `CacheKey`: the per-user secret that authenticates what the engine wrote (cache entries,
  manifests), so that nothing committed into the working tree can pass for the engine's own record.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

from generator import __version__
from generator.build.atomic import is_temp_file
from generator.content.folders import CONTENT_FILES
from generator.content.po import TRANSLATIONS_DIR

FORMAT = 2  # bump to invalidate every cache entry and manifest record
GENERATOR_DIR = Path(__file__).resolve().parents[1]
MAX_TREE_FILE_BYTES = 64 * 1024 * 1024  # a template or module file; over this: size + mtime
MAX_OUTPUT_BYTES = 1024 * 1024 * 1024  # an output the engine wrote (a long PDF is tens of MB)
MAX_CONTENT_BYTES = 2 * 1024 * 1024  # the loader's own limit (content/yaml_source.MAX_FILE_BYTES)
_CHUNK = 1024 * 1024
_DISTRIBUTIONS = ("pydantic", "pydantic_core", "PyYAML", "markdown-it-py", "Jinja2", "weasyprint", "graphviz-pure")


def canonical_json(value: Any) -> bytes:
    """The one serialisation that is hashed: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """sha256 of the canonical JSON of a value (tuples hash as lists)."""
    return sha256(canonical_json(value))


def _open_regular(path: Path) -> tuple[int, os.stat_result] | None:
    """An open descriptor on a regular file, never through a symbolic link; None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # missing, ELOOP (a link), EACCES, ENXIO (a socket)
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    return fd, st


def _stream(fd: int, limit: int) -> str | None:
    """sha256 of at most `limit` bytes read from fd (None when there are more)."""
    h = hashlib.sha256()
    total = 0
    while True:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return h.hexdigest()
        total += len(chunk)
        if total > limit:
            return None
        h.update(chunk)


def file_sha256(path: Path, limit: int = MAX_OUTPUT_BYTES) -> str | None:
    """sha256 of a regular file of at most `limit` bytes; None for anything else (a link, a FIFO,
    a missing or unreadable file, a file over the bound)."""
    opened = _open_regular(Path(path))
    if opened is None:
        return None
    fd, st = opened
    try:
        return _stream(fd, limit) if st.st_size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _entry_digest(path: Path, st: os.stat_result, limit: int) -> str:
    if stat.S_ISLNK(st.st_mode):
        try:
            return "link:" + os.readlink(path)
        except OSError:
            return "link:?"
    if not stat.S_ISREG(st.st_mode):
        return "special"
    if st.st_size > limit:
        return f"large:{st.st_size}:{st.st_mtime_ns}"
    return file_sha256(path, limit) or "unreadable"


def _skipped(name: str) -> bool:
    return name == "__pycache__" or name.endswith(".pyc") or is_temp_file(Path(name))


def tree_files(folder: Path, limit: int = MAX_TREE_FILE_BYTES) -> dict[str, str]:
    """The one walk over a folder of code or templates: relative path -> digest (see the module doc)."""
    folder = Path(folder)
    out: dict[str, str] = {}

    def walk(directory: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if _skipped(entry.name):
                continue
            path = Path(entry.path)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                walk(path, f"{prefix}{entry.name}/")
            else:
                out[prefix + entry.name] = _entry_digest(path, st, limit)

    walk(folder, "")
    return out


def tree_hash(folder: Path) -> str:
    """One digest for a folder of templates (a missing folder hashes too)."""
    if not Path(folder).is_dir():
        return digest("missing")
    return digest(tree_files(folder))


def content_files(folder: Path) -> dict[str, str]:
    """What a guideline folder contributes to the check cache's key: exactly what the loader reads."""
    folder = Path(folder)
    out: dict[str, str] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return {"": "unreadable"}
    for entry in entries:
        name = entry.name
        path = Path(entry.path)
        if name in CONTENT_FILES:
            try:
                st = os.lstat(path)
            except OSError:
                out[name] = "unreadable"
                continue
            described = _entry_digest(path, st, MAX_CONTENT_BYTES)
            if stat.S_ISLNK(st.st_mode):  # the loader follows a link that stays inside the folder
                try:
                    target = path.resolve(strict=True)
                    inside = target.is_relative_to(folder.resolve())
                except (OSError, RuntimeError):
                    target, inside = None, False
                if inside and target is not None:
                    try:
                        described += ":" + _entry_digest(target, os.lstat(target), MAX_CONTENT_BYTES)
                    except OSError:
                        described += ":unreadable"
            if described == "unreadable":
                described += f":{st.st_mode:o}"  # its permissions decide `file-unreadable`
            out[name] = described
        elif name == TRANSLATIONS_DIR:
            out.update(_translation_files(path))
        elif name.endswith((".yaml", ".yml", ".json")) and not is_temp_file(path):
            out[name] = "present"  # only the name matters (the unknown-file warning)
    return out


def _translation_files(root: Path) -> dict[str, str]:
    """translations/: each <lang>.po as the loader reads it (content/po.py); other translation-like
    files by name only (the unknown-file warning); a link or a file in place of the folder by kind."""
    try:
        st = os.lstat(root)
    except OSError:
        return {TRANSLATIONS_DIR: "unreadable"}
    if not stat.S_ISDIR(st.st_mode):
        return {TRANSLATIONS_DIR: _entry_digest(root, st, 0)}
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return {TRANSLATIONS_DIR: "unreadable"}
    out: dict[str, str] = {}
    for entry in entries:
        key = f"{TRANSLATIONS_DIR}/{entry.name}"
        if entry.name.endswith(".po"):
            try:
                out[key] = _entry_digest(Path(entry.path), os.lstat(entry.path), MAX_CONTENT_BYTES)
            except OSError:
                out[key] = "unreadable"
        elif entry.name.endswith((".pot", ".mo", ".yaml", ".yml", ".json")):
            out[key] = "present"
    return out


@functools.lru_cache(maxsize=None)
def generator_fingerprint() -> str:
    """A hash that changes whenever the generator could behave differently: its version, Python,
    the dependencies' versions and every file of the `generator` package."""
    from importlib.metadata import version

    versions = {}
    for dist in _DISTRIBUTIONS:
        try:
            versions[dist] = version(dist)
        except Exception:  # noqa: BLE001 - a missing distribution is simply not part of the key
            versions[dist] = "?"
    return digest([__version__, sys.version, FORMAT, versions, tree_files(GENERATOR_DIR)])


@functools.lru_cache(maxsize=None)
def module_fingerprint(module_names: tuple[str, ...]) -> str:
    """Hash of the source of modules living outside the generator package (e.g. test doubles)."""
    parts = []
    for name in module_names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = Path(spec.origin) if spec and spec.origin and spec.origin not in ("built-in", "frozen") else None
        outside = origin is not None and origin.is_file() and GENERATOR_DIR not in origin.resolve().parents
        parts.append([name, file_sha256(origin.resolve(), MAX_TREE_FILE_BYTES) if outside else None])
    return digest(parts)


# --------------------------------------------------------------------------- the per-user key


def key_path() -> Path:
    """$XDG_CACHE_HOME/guideline-as-code/key (default ~/.cache/...): never inside a repository."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "guideline-as-code" / "key"


_KEY_BYTES = 32


def _read_key(path: Path) -> bytes | None:
    """The key file if it is ours: a regular file (not a link), owned by us, readable by no one else."""
    opened = _open_regular(path)
    if opened is None:
        return None
    fd, st = opened
    try:
        if st.st_uid != os.geteuid() or st.st_mode & 0o077 or st.st_size != _KEY_BYTES:
            return None  # a file git checked out (0644), someone else's, or a truncated one
        data = os.read(fd, _KEY_BYTES + 1)
        return data if len(data) == _KEY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


@functools.lru_cache(maxsize=None)
def _key_for(path: str) -> bytes:
    p = Path(path)
    found = _read_key(p)
    if found is not None:
        return found
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            os.write(fd, secrets.token_bytes(_KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # another process made it first (read it below), or the folder is not writable
    # Unusable (not ours, unwritable home): a key for this process only. Nothing recorded by an
    # earlier run is then trusted: slower, never wrong.
    return _read_key(p) or secrets.token_bytes(_KEY_BYTES)


def cache_key() -> bytes:
    return _key_for(str(key_path()))


def sign_bytes(data: bytes) -> str:
    """HMAC-SHA256 of some bytes under the per-user key."""
    return hmac.new(cache_key(), data, hashlib.sha256).hexdigest()


def sign(value: Any) -> str:
    """HMAC-SHA256 of a value's canonical JSON under the per-user key."""
    return sign_bytes(canonical_json(value))


def signed_by_us(value: Any, mac: Any) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(sign(value), mac)


def bytes_signed_by_us(data: bytes, mac: Any) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(sign_bytes(data), mac)

