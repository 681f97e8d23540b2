"""The build engine: which documents are stale, render them (in parallel), write them atomically.

Stages, each a plain function:

* `prepare`  load and check each guideline folder (reusing the check cache), then compute each
             document's view: the JSON projection of exactly the content it shows;
* `plan`     the documents to consider, per guideline, in `needs` order, with the hash of their
             static inputs (view, template folders, generator fingerprint, pinned dependencies,
             SOURCE_DATE_EPOCH);
* `decide`   the final input hash (static inputs + the sha256 of the documents it `needs`) and
             whether the recorded output in manifest.json still matches it;
* `render_document`  run a document module's `render(view, deps)`, in a worker process or inline;
* `write_*`  temp file + fsync + rename, and `manifest.json` last.

A document may write files beside its own (the flowchart's part-figures): `render` then returns a
dict of file name -> bytes holding its own file name and further names `<stem>-*` or `<stem>.*` (see
`companion_name_ok`). The manifest records them under `files`; a later build checks them like the
main file and removes those no longer produced; documents that need it get each one as
`deps["<document>/<file name>"]`, and their input hash covers every file.

`build` ties them together. Nothing here prints: progress goes to a callback.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from generator import __version__
from generator.build.atomic import sweep_temp_files, write_bytes
from generator.build.check_cache import CheckCache
from generator.build.hashing import canonical_json, file_sha256, generator_fingerprint, module_fingerprint, sha256, tree_hash
from generator.build.hashing import MAX_TREE_FILE_BYTES
from generator.build.checked import Checked, load_and_check
from generator.diagnostics import Diagnostic
from generator.render import documents as document_registry
from generator.render.documents import DocumentSpec
from generator.content.paths import PROJECT_ROOT, TEMPLATES

MANIFEST = "manifest.json"
# Imported by every worker before its first job when PDFs are built: WeasyPrint, its font
# configuration and compiled stylesheets are module-level there, so each worker pays for them once.
PDF_MODULES = ("generator.render.pdf",)
MANIFEST_FORMAT = 1
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class BuildError(Exception):
    """A problem that stops the build before anything is written (exit code 1)."""


@dataclass(frozen=True)
class Environment:
    """Everything outside the content that an output depends on, hashed once per build."""

    generator: str  # version + fingerprint of the generator package
    lock: str  # sha256 of requirements.lock
    source_date_epoch: str
    templates_root: Path

    @classmethod
    def current(cls, templates_root: Path | None = None) -> "Environment":
        lock = PROJECT_ROOT / "requirements.lock"
        return cls(
            generator=f"{__version__}+{generator_fingerprint()[:16]}",
            lock=file_sha256(lock, MAX_TREE_FILE_BYTES) or "none",
            source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH", ""),
            templates_root=Path(templates_root or TEMPLATES),
        )


# --------------------------------------------------------------------------- prepare


@dataclass
class Source:
    """One checked guideline, ready to build: its id and each document's view."""

    id: str
    folder: Path
    views: dict[str, Any]
    view_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Prepared:
    sources: list[Source]
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _registry_key(documents: Iterable[DocumentSpec]) -> str:
    specs = [(d.name, d.module) for d in documents]
    return sha256(canonical_json([specs, module_fingerprint(tuple(m for _, m in specs))]))


def compute_views(guideline, documents: Iterable[DocumentSpec]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each document's view, normalised through canonical JSON (so cached and fresh views are equal)."""
    views: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in documents:
        try:
            view = spec.load().view(guideline)
            views[spec.name] = json.loads(canonical_json(view))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - reported as a failed document, never a traceback
            errors[spec.name] = f"cannot compute the view: {type(exc).__name__}: {exc}"
    return views, errors


def prepare(folders: Iterable[Path], ctx, documents: Iterable[DocumentSpec] | None = None, cache: CheckCache | None = None) -> Prepared:
    """Load and check every folder (`load_and_check`); the views of those without errors (default: every registered document)."""
    documents = tuple(document_registry.DOCUMENTS if documents is None else documents)
    cache = cache or CheckCache(None)
    checked = load_and_check(folders, ctx, cache)
    registry = _registry_key(documents)
    sources = [views_of(c, documents, cache, registry) for c in checked.folders if c.ok]
    return Prepared(sources, checked.diagnostics)


def views_of(checked: Checked, documents: tuple[DocumentSpec, ...], cache: CheckCache, registry: str) -> Source:
    """A checked folder's views: from the cache when its files and the document registry are unchanged."""
    cached = cache.get_views(checked.folder, checked.key, registry) if cache.enabled else None
    if cached is not None and all(d.name in cached for d in documents):
        return Source(checked.id, checked.folder, {d.name: cached[d.name] for d in documents})
    views, errors = compute_views(checked.load(), documents)  # only on a miss: a no-op build needs no pydantic
    if not errors and cache.enabled:
        cache.put_views(checked.folder, checked.key, registry, {**(cached or {}), **views})
    return Source(checked.id, checked.folder, views, errors)


# --------------------------------------------------------------------------- selection


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N; ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise ValueError(f"{text!r} is not a shard like 1/4")
    k, n = int(m.group(1)), int(m.group(2))
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: K must be between 1 and N")
    return k, n


def shard_of(guideline_id: str, n: int) -> int:
    """The 1-based shard a guideline belongs to: stable across runs, machines and library changes."""
    return int(sha256(guideline_id.encode())[:16], 16) % n + 1


def select_shard(sources: list[Source], shard: tuple[int, int] | None) -> list[Source]:
    if shard is None:
        return sources
    k, n = shard
    return [s for s in sources if shard_of(s.id, n) == k]


def validate_sources(sources: list[Source]) -> None:
    seen: dict[str, Path] = {}
    for s in sources:
        if not _SAFE_ID.match(s.id):
            raise BuildError(f"{s.folder}: guideline id {s.id!r} is not a slug; refusing to use it as a folder name")
        if s.id in seen:
            raise BuildError(f"{seen[s.id]} and {s.folder} both have the id {s.id!r}; give each guideline its own id")
        seen[s.id] = s.folder


def select_documents(documents: Iterable[DocumentSpec], html_only: bool) -> list[DocumentSpec]:
    """The documents to build, in an order where every document comes after those it needs."""
    chosen = [d for d in documents if not (html_only and d.pdf)]
    names = {d.name for d in chosen}
    for d in chosen:
        for need in d.needs:
            if need not in names:
                raise BuildError(f"document {d.name!r} needs {need!r}, which is not being built")
        if not _SAFE_FILENAME.match(d.filename) or d.filename == MANIFEST:
            raise BuildError(f"document {d.name!r}: {d.filename!r} is not a plain file name")
    ordered: list[DocumentSpec] = []
    placed: set[str] = set()
    pending = list(chosen)
    while pending:
        ready = [d for d in pending if all(n in placed for n in d.needs)]
        if not ready:
            raise BuildError("the documents' `needs` form a cycle: " + ", ".join(d.name for d in pending))
        for d in ready:
            ordered.append(d)
            placed.add(d.name)
            pending.remove(d)
    return ordered


# --------------------------------------------------------------------------- plan and decide


@dataclass
class Job:
    """One document of one guideline."""

    guideline: str
    spec: DocumentSpec
    target: Path
    view: Any
    parts: dict[str, Any]  # the static inputs, hashed (recorded in the manifest for `why did this rebuild`)
    error: str | None = None  # the view could not be computed


def absent_documents(source: "Source", documents: Iterable[DocumentSpec]) -> set[str]:
    """Documents this guideline does not have: its view is None (e.g. no `patient:` block), or one it needs is absent."""
    absent: set[str] = set()
    for spec in documents:  # registry order puts every document after the ones it needs
        if (spec.name in source.views and source.views[spec.name] is None) or any(n in absent for n in spec.needs):
            absent.add(spec.name)
    return absent


def plan(sources: list[Source], out: Path, documents: list[DocumentSpec], env: Environment) -> list[Job]:
    """Every (guideline, document) pair, documents in `needs` order; static input hashes filled in."""
    template_hashes: dict[str, str] = {}

    def templates(names: tuple[str, ...]) -> dict[str, str]:
        for name in names:
            if name not in template_hashes:
                template_hashes[name] = tree_hash(env.templates_root / name)
        return {name: template_hashes[name] for name in names}

    jobs: list[Job] = []
    for s in sources:
        absent = absent_documents(s, documents)
        for spec in documents:
            if spec.name in absent:
                continue
            view = s.views.get(spec.name)
            parts = {
                "view": sha256(canonical_json(view)) if spec.name in s.views else None,
                "templates": templates(spec.templates),
                "generator": env.generator,
                "module": module_fingerprint((spec.module,))[:16],  # covers document modules outside the package
                "dependencies": env.lock,
                "source_date_epoch": env.source_date_epoch,
            }
            jobs.append(Job(s.id, spec, out / s.id / spec.filename, view, parts, s.view_errors.get(spec.name)))
    return jobs


def input_hash(job: Job, need_hashes: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The hash of exactly this output's inputs: its static parts plus the bytes of its `needs`."""
    parts = {**job.parts, "needs": {n: need_hashes[n] for n in job.spec.needs}}
    return sha256(canonical_json(parts)), parts


def decide(job: Job, key: str, recorded: dict | None, force: bool) -> bool:
    """True when the output must be rendered: forced, inputs changed, or a file is missing or altered."""
    if force or not recorded or recorded.get("inputs") != key or recorded.get("file") != job.spec.filename:
        return True
    if file_sha256(job.target) != recorded.get("sha256"):
        return True
    files = _companions(job.spec.filename, recorded)
    return any(file_sha256(job.target.parent / name) != digest for name, digest in files.items())


def _companions(filename: str, entry: Any) -> dict[str, str]:
    """The companion files a manifest entry records (names checked: a hand-edited manifest names no other file)."""
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict):
        return {}
    return {n: d for n, d in files.items() if isinstance(n, str) and isinstance(d, str) and companion_name_ok(filename, n)}


# --------------------------------------------------------------------------- render


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the build process dies, so a killed build leaves no orphans."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, other platforms
        pass


def init_worker(modules: tuple[str, ...], parent: int) -> None:
    """Process-pool initializer: import each document module once (WeasyPrint, fonts, compiled CSS)."""
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the render call reports it
            pass


@dataclass
class Rendered:
    data: bytes | None
    error: str | None
    seconds: float
    files: dict[str, bytes] = field(default_factory=dict)  # companion files beside `data`


def companion_name_ok(main: str, name: str) -> bool:
    """A companion of `flowchart.svg` is a plain file name `flowchart-<something>`, or, for a version
    in another language, `<stem>.<something>` (patient-explainer.es.html); never the manifest."""
    stem = main.rsplit(".", 1)[0]
    return bool(_SAFE_FILENAME.match(name)) and name.startswith((stem + "-", stem + ".")) and name not in (MANIFEST, main)


def output_digest(main_sha256: str, files: dict[str, str] | None) -> str:
    """What a dependent's input hash records of an output: its file's hash, or, with companion files,
    the hash of every file's hash (so a changed part-figure rebuilds the documents that show it)."""
    if not files:
        return main_sha256
    return sha256(canonical_json({"file": main_sha256, "files": files}))


def render_document(module: str, view: Any, deps: dict[str, bytes], filename: str | None = None) -> Rendered:
    """Run `module.render(view, deps)`; any failure comes back as a message, never as a traceback.

    `render` returns the bytes of `filename`, or a dict of file names to bytes holding `filename`
    and its companions."""
    start = time.perf_counter()
    try:
        data = importlib.import_module(module).render(view, deps)
        files: dict[str, bytes] = {}
        if isinstance(data, dict) and filename is not None:
            if filename not in data:
                raise TypeError(f"render() returned files without {filename!r}")
            bad = [n for n in data if n != filename and not companion_name_ok(filename, n)]
            if bad:
                raise TypeError(f"render() returned files not named like {filename!r}'s companions: {sorted(bad)}")
            files = {n: bytes(b) for n, b in sorted(data.items()) if n != filename}
            data = data[filename]
        if not isinstance(data, (bytes, bytearray)) or not all(isinstance(b, bytes) for b in files.values()):
            raise TypeError(f"render() returned {type(data).__name__}, not bytes")
        return Rendered(bytes(data), None, time.perf_counter() - start, files)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - WeasyPrint's fatal fetch error is a BaseException
        diagnostic = getattr(exc, "diagnostic", None)  # a renderer may point at the content at fault
        if isinstance(diagnostic, Diagnostic):
            return Rendered(None, diagnostic.format_text(), time.perf_counter() - start)
        message = str(exc) or type(exc).__name__
        if type(exc).__name__ not in message:
            message = f"{type(exc).__name__}: {message}"
        return Rendered(None, message, time.perf_counter() - start)


# --------------------------------------------------------------------------- write


def read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("outputs"), dict):
        return {}
    return data


def manifest_bytes(guideline_id: str, outputs: dict[str, dict]) -> bytes:
    data = {"format": MANIFEST_FORMAT, "guideline": guideline_id, "generator": __version__, "outputs": outputs}
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def write_manifest(folder: Path, guideline_id: str, outputs: dict[str, dict]) -> bool:
    """Write manifest.json if its content changed; True when written."""
    data = manifest_bytes(guideline_id, outputs)
    try:
        if (folder / MANIFEST).read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes(folder / MANIFEST, data)
    return True


def remove_stale(folder: Path, old_outputs: dict[str, dict], known: set[str]) -> list[str]:
    """Delete outputs that an earlier build recorded but no document produces any more."""
    removed = []
    for name, entry in old_outputs.items():
        if name in known:
            continue
        filename = entry.get("file") if isinstance(entry, dict) else None
        if isinstance(filename, str) and _SAFE_FILENAME.match(filename) and filename != MANIFEST:
            for name in [*_companions(filename, entry), filename]:
                try:
                    (folder / name).unlink()
                    removed.append(name)
                except FileNotFoundError:
                    pass
    return removed


# --------------------------------------------------------------------------- build


@dataclass
class Outcome:
    guideline: str
    document: str
    filename: str
    status: str  # built | skipped | failed
    seconds: float = 0.0
    message: str = ""


@dataclass
class BuildReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def summary(self) -> str:
        return (
            f"{self.count('built')} built, {self.count('skipped')} skipped, {self.count('failed')} failed "
            f"in {self.seconds:.2f} s"
        )


Progress = Callable[[Outcome, int, int], None]  # (outcome, documents finished, documents total)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _GuidelineState:
    folder: Path
    old: dict[str, dict]
    new: dict[str, dict]
    remaining: int
    failed: bool = False


def build(
    sources: list[Source],
    out: Path,
    *,
    documents: Iterable[DocumentSpec] | None = None,
    jobs: int | None = None,
    force: bool = False,
    html_only: bool = False,
    progress: Progress | None = None,
    templates_root: Path | None = None,
) -> BuildReport:
    """Build every source into `out/<id>/`; render only what is stale; write atomically; manifest last."""
    start = time.perf_counter()
    out = Path(out)
    documents = tuple(document_registry.DOCUMENTS if documents is None else documents)
    chosen = select_documents(documents, html_only)
    validate_sources(sources)
    every_name = {d.name for d in documents}
    env = Environment.current(templates_root)
    all_jobs = plan(sources, out, chosen, env)
    report = BuildReport()
    total = len(all_jobs)

    states: dict[str, _GuidelineState] = {}
    for s in sources:
        folder = out / s.id
        folder.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(folder)
        old = read_manifest(folder).get("outputs", {})
        old = {k: v for k, v in old.items() if isinstance(v, dict)}
        report.removed += [f"{s.id}/{f}" for f in remove_stale(folder, old, every_name - absent_documents(s, documents))]
        # Outputs not built this time (--html-only) keep their record.
        kept = {k: v for k, v in old.items() if k in every_name and k not in {d.name for d in chosen}}
        states[s.id] = _GuidelineState(folder, old, kept, sum(1 for j in all_jobs if j.guideline == s.id))

    done: dict[tuple[str, str], str | None] = {}  # (guideline, document) -> output sha256, None if failed
    fresh: dict[tuple[str, str], tuple[bytes, dict[str, bytes]]] = {}  # outputs rendered in this build (deps of later documents)
    waiting = list(all_jobs)
    running: dict[Future, tuple[Job, str, dict]] = {}
    pool: ProcessPoolExecutor | None = None
    n_jobs = jobs or default_jobs()

    def finish(job: Job, outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        state = states[job.guideline]
        state.remaining -= 1
        if outcome.status == "failed":
            state.failed = True
            if job.spec.name in state.old:  # the last good file stays; its record too, so a later build retries
                state.new[job.spec.name] = state.old[job.spec.name]
        if progress:
            progress(outcome, len(report.outcomes), total)
        if state.remaining == 0:
            write_manifest(state.folder, job.guideline, state.new)

    def deps_of(job: Job) -> dict[str, bytes]:
        deps = {}
        for need in job.spec.needs:
            key = (job.guideline, need)
            if key in fresh:
                data, files = fresh[key]
            else:
                filename = _filename(chosen, need)
                data = (out / job.guideline / filename).read_bytes()
                record = states[job.guideline].new.get(need)
                files = {n: (out / job.guideline / n).read_bytes() for n in _companions(filename, record)}
            deps[need] = data
            deps.update({f"{need}/{name}": b for name, b in files.items()})
        return deps

    def complete(job: Job, key: str, parts: dict, rendered: Rendered) -> None:
        outcome = Outcome(job.guideline, job.spec.name, job.spec.filename, "built", rendered.seconds)
        if rendered.error is not None:
            outcome.status, outcome.message = "failed", rendered.error
            done[(job.guideline, job.spec.name)] = None
        else:
            data = rendered.data or b""
            folder = job.target.parent
            try:
                for name, companion in rendered.files.items():  # companions first, the document's own file last
                    write_bytes(folder / name, companion)
                write_bytes(job.target, data)
            except OSError as exc:
                outcome.status, outcome.message = "failed", f"cannot write {job.target}: {exc.strerror or exc}"
                done[(job.guideline, job.spec.name)] = None
                finish(job, outcome)
                return
            for name in _companions(job.spec.filename, states[job.guideline].old.get(job.spec.name)):
                if name not in rendered.files:  # a part-figure no longer produced
                    (folder / name).unlink(missing_ok=True)
            digest = sha256(data)
            files = {name: sha256(b) for name, b in rendered.files.items()}
            fresh[(job.guideline, job.spec.name)] = (data, rendered.files)
            done[(job.guideline, job.spec.name)] = output_digest(digest, files)
            states[job.guideline].new[job.spec.name] = _entry(job, key, parts, digest, len(data), files)
        finish(job, outcome)

    try:
        while waiting or running:
            progressed = False
            for job in list(waiting):
                needs = [(job.guideline, n) for n in job.spec.needs]
                if not all(n in done for n in needs):
                    continue
                waiting.remove(job)
                progressed = True
                if job.error or any(done[n] is None for n in needs):
                    msg = job.error or "not built: a document it needs failed"
                    done[(job.guideline, job.spec.name)] = None
                    finish(job, Outcome(job.guideline, job.spec.name, job.spec.filename, "failed", 0.0, msg))
                    continue
                key, parts = input_hash(job, {n: done[(job.guideline, n)] for n in job.spec.needs})
                recorded = states[job.guideline].old.get(job.spec.name)
                if not decide(job, key, recorded, force):
                    done[(job.guideline, job.spec.name)] = output_digest(recorded["sha256"], _companions(job.spec.filename, recorded))
                    states[job.guideline].new[job.spec.name] = recorded
                    finish(job, Outcome(job.guideline, job.spec.name, job.spec.filename, "skipped"))
                    continue
                try:
                    deps = deps_of(job)
                except OSError as exc:
                    done[(job.guideline, job.spec.name)] = None
                    finish(job, Outcome(job.guideline, job.spec.name, job.spec.filename, "failed", 0.0, f"cannot read a needed document: {exc}"))
                    continue
                if n_jobs <= 1:
                    complete(job, key, parts, render_document(job.spec.module, job.view, deps, job.spec.filename))
                    continue
                if pool is None:
                    preload = PDF_MODULES if any(d.pdf for d in chosen) else ()
                    modules = tuple(dict.fromkeys((*preload, *(d.module for d in chosen))))
                    pool = ProcessPoolExecutor(max_workers=n_jobs, initializer=init_worker, initargs=(modules, os.getpid()))
                running[pool.submit(render_document, job.spec.module, job.view, deps, job.spec.filename)] = (job, key, parts)
            if running and not progressed:
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    job, key, parts = running.pop(fut)
                    try:
                        rendered = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                        rendered = Rendered(None, f"the worker process failed: {type(exc).__name__}: {exc}", 0.0)
                    complete(job, key, parts, rendered)
            elif not running and not progressed and waiting:  # pragma: no cover - select_documents prevents it
                raise BuildError("documents wait on each other: " + ", ".join(j.spec.name for j in waiting))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    report.seconds = time.perf_counter() - start
    return report


def _filename(documents: list[DocumentSpec], name: str) -> str:
    return next(d.filename for d in documents if d.name == name)


def _entry(job: Job, key: str, parts: dict, digest: str, size: int, files: dict[str, str]) -> dict:
    entry = {"file": job.spec.filename, "inputs": key, "sha256": digest, "bytes": size, "parts": parts}
    return {**entry, "files": files} if files else entry
