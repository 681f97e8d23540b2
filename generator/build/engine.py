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
import signal
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from generator import __version__
from generator.build.atomic import sweep_temp_files, write_bytes
from generator.build.check_cache import CheckCache
from generator.build.hashing import canonical_json, file_sha256, generator_fingerprint, module_fingerprint, sha256, tree_hash
from generator.build.hashing import MAX_OUTPUT_BYTES, MAX_TREE_FILE_BYTES, signed_by_us, sign
from generator.build.checked import Checked, load_and_check
from generator.build.workers import available_cpus as default_jobs, for_build as size_pool
from generator.diagnostics import Diagnostic, display_path, one_line
from generator.render.process import die_with_parent
from generator.content.regular_file import read_regular
from generator.render import documents as document_registry
from generator.render.documents import DocumentSpec
from generator.content.paths import PROJECT_ROOT, TEMPLATES
from generator.content.slug import is_slug
from generator.errors import GuidelineError

MANIFEST = "manifest.json"
# Imported by every worker before its first job when PDFs are built: WeasyPrint, its font
# configuration and compiled stylesheets are module-level there, so each worker pays for them once.
PDF_MODULES = ("generator.render.pdf",)
MANIFEST_FORMAT = 2  # 2: signed with the per-user key (hashing.sign)
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class BuildError(GuidelineError):
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
    given = document_registry.view_inputs(guideline)  # the release history, loaded once: views never run git
    for spec in documents:
        try:
            view = spec.load().view(guideline, given)
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


# Expected work, in rough units of "one small HTML document": a PDF costs several (WeasyPrint's
# layout is most of a build), a longer view costs more, and a document that will be skipped costs
# only the hashing that decides so. Used to balance CI shards, never to decide what is built.
PDF_WEIGHT = 6.0
SKIP_WEIGHT = 0.05


def _job_cost(job: "Job") -> float:
    size = len(canonical_json(job.view)) if job.view is not None else 0
    return (PDF_WEIGHT if job.spec.pdf else 1.0) * (1.0 + size / 20_000)


def expected_work(sources: list[Source], out: Path, documents: Iterable[DocumentSpec] | None = None,
                  html_only: bool = False, templates_root: Path | None = None) -> dict[str, float]:
    """Per guideline, the work a build into `out` is expected to do: the cost of each document whose
    static inputs differ from what the engine recorded there (or that embeds one that will be
    rendered), plus a little for each that will be skipped. Reads only the engine's own signed
    records: a committed or copied build/ counts as nothing built."""
    documents = tuple(document_registry.DOCUMENTS if documents is None else documents)
    out = Path(out)
    jobs = plan(sources, out, select_documents(documents, html_only), Environment.current(templates_root))
    records = {s.id: read_manifest(out / s.id, s.id) for s in sources}
    work = {s.id: 0.0 for s in sources}
    stale: set[tuple[str, str]] = set()
    for job in jobs:  # in `needs` order: a document is planned after those it embeds
        recorded = records[job.guideline].get(job.spec.name) or {}
        old = recorded.get("parts") if isinstance(recorded.get("parts"), dict) else None
        current = (
            old is not None and recorded.get("file") == job.spec.filename and job.target.is_file()
            and all(old.get(name) == value for name, value in job.parts.items())
            and not any((job.guideline, need) in stale for need in job.spec.needs)
        )
        if current or job.error:
            work[job.guideline] += SKIP_WEIGHT
        else:
            stale.add((job.guideline, job.spec.name))
            work[job.guideline] += _job_cost(job)
    return work


def balance(work: dict[str, float], n: int) -> dict[str, int]:
    """Guideline id -> 1-based shard: the largest expected work first, each to the least loaded
    shard (ties: the lower shard number). Deterministic, so every shard computes the same split."""
    loads = [0.0] * n
    shard: dict[str, int] = {}
    for gid in sorted(work, key=lambda g: (-work[g], g)):
        k = min(range(n), key=lambda i: (loads[i], i))
        loads[k] += work[gid]
        shard[gid] = k + 1
    return shard


def shard_of(guideline_id: str, n: int) -> int:
    """The 1-based shard a guideline belongs to: stable across runs, machines and library changes."""
    return int(sha256(guideline_id.encode())[:16], 16) % n + 1


def select_shard(sources: list[Source], shard: tuple[int, int] | None, work: dict[str, float] | None = None) -> list[Source]:
    """The sources of shard K of N: by a hash of the id (stable whatever else is built), or, given
    each guideline's expected work (`expected_work`), balanced by it. The balanced split depends on
    what the output folder holds, so it is for shards that all start from the same folder (CI jobs
    that each restore the same build), never for shards built one after another into one folder."""
    if shard is None:
        return sources
    k, n = shard
    if work is None:
        return [s for s in sources if shard_of(s.id, n) == k]
    assigned = balance(work, n)
    return [s for s in sources if assigned.get(s.id) == k]


def validate_sources(sources: list[Source]) -> None:
    seen: dict[str, Path] = {}
    for s in sources:
        if not is_slug(s.id):
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


# What each input part is, in the words of "why was this rebuilt" (the build's --summary and --report).
PART_NAMES = {
    "view": "content",
    "templates": "templates",
    "generator": "generator",
    "module": "document code",
    "dependencies": "pinned dependencies",
    "source_date_epoch": "SOURCE_DATE_EPOCH",
    "needs": "a document it embeds",
}


def rebuild_reason(job: Job, key: str, parts: dict, recorded: dict | None, force: bool) -> str | None:
    """Why the output must be rendered (forced, no record, inputs changed, a file missing or altered),
    or None when it is current."""
    if force:
        return "--force"
    if not recorded or recorded.get("file") != job.spec.filename:
        return "no earlier build recorded"
    if recorded.get("inputs") != key:
        old = recorded.get("parts") if isinstance(recorded.get("parts"), dict) else {}
        changed = [PART_NAMES.get(name, name) for name in parts if old.get(name) != parts[name]]
        return "changed: " + ", ".join(changed) if changed else "inputs changed"
    if file_sha256(job.target) != recorded.get("sha256"):
        return "its file is missing or not what was written"
    files = _companions(job.spec.filename, recorded)
    if any(file_sha256(job.target.parent / name) != digest for name, digest in files.items()):
        return "a part-figure is missing or not what was written"
    return None


def _companions(filename: str, entry: Any) -> dict[str, str]:
    """The companion files a manifest entry records (names checked: a hand-edited manifest names no other file)."""
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict):
        return {}
    return {n: d for n, d in files.items() if isinstance(n, str) and isinstance(d, str) and companion_name_ok(filename, n)}


# --------------------------------------------------------------------------- render


def init_worker(modules: tuple[str, ...], parent: int) -> None:
    """Process-pool initializer: die with the build, leave Ctrl-C to the build, and import each
    document module once (WeasyPrint, fonts, compiled CSS)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build process handles Ctrl-C (one line, exit 130)
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


class Workers:
    """Renders documents: in this process with one worker, else in a process pool started on first
    use (`requested` workers, default: the CPUs). `collect` hands back what has finished."""

    def __init__(self, requested: int | None, modules: tuple[str, ...], work: int = 1, notify: Callable[[str], None] | None = None):
        self.requested = requested
        self.modules = modules
        self.work = work  # documents planned: never more workers than that, nor than memory holds (workers.py)
        self.notify = notify
        self.size: int | None = None  # fixed on the first submit
        self.pool: ProcessPoolExecutor | None = None
        self.running: dict[Future, Decision] = {}
        self.finished: list[tuple[Decision, Rendered]] = []

    @property
    def busy(self) -> bool:
        return bool(self.running or self.finished)

    def submit(self, decision: Decision) -> None:
        job = decision.job
        if self.size is None:
            pdf = any(m in self.modules for m in PDF_MODULES)
            self.size = size_pool(self.requested or default_jobs(), self.work, pdf, self.notify, self.requested is not None)
        n = self.size
        if n <= 1:
            self.finished.append((decision, render_document(job.spec.module, job.view, decision.deps, job.spec.filename)))
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=n, initializer=init_worker, initargs=(self.modules, os.getpid()))
        future = self.pool.submit(render_document, job.spec.module, job.view, decision.deps, job.spec.filename)
        self.running[future] = decision

    def collect(self, block: bool) -> list[tuple[Decision, Rendered]]:
        """What finished (waiting for at least one when `block` and nothing has yet)."""
        if block and not self.finished and self.running:
            wait(list(self.running), return_when=FIRST_COMPLETED)
        for future in [f for f in self.running if f.done()]:
            decision = self.running.pop(future)
            try:
                rendered = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                rendered = Rendered(None, f"the worker process failed: {type(exc).__name__}: {exc}", 0.0)
            self.finished.append((decision, rendered))
        done, self.finished = self.finished, []
        return done

    def close(self, interrupted: bool = False) -> None:
        if self.pool is None:
            return
        if interrupted:  # Ctrl-C: stop the workers now, not after their current document
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


# --------------------------------------------------------------------------- write


def manifest_record(guideline_id: str, outputs: dict[str, dict]) -> dict:
    """What a manifest's signature covers: the guideline and each output record (with its sha256)."""
    return {"format": MANIFEST_FORMAT, "guideline": guideline_id, "outputs": outputs}


def read_manifest(folder: Path, guideline_id: str) -> dict[str, dict]:
    """The output records this engine wrote into `folder`. A manifest that is not a regular file, is
    too large or malformed, or is not signed with this user's key (committed, copied, edited) is no
    record at all: every output is then rendered again."""
    raw = read_regular(folder / MANIFEST, MAX_MANIFEST_BYTES + 1)
    try:
        data = json.loads(raw) if raw is not None and len(raw) <= MAX_MANIFEST_BYTES else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("outputs"), dict):
        return {}
    outputs = data["outputs"]
    if data.get("guideline") != guideline_id or not signed_by_us(manifest_record(guideline_id, outputs), data.get("signature")):
        return {}
    return {k: v for k, v in outputs.items() if isinstance(v, dict)}


def manifest_bytes(guideline_id: str, outputs: dict[str, dict]) -> bytes:
    signature = sign(manifest_record(guideline_id, outputs))
    data = {"format": MANIFEST_FORMAT, "guideline": guideline_id, "generator": __version__, "outputs": outputs, "signature": signature}
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


def _entry(job: Job, key: str, parts: dict, digest: str, size: int, files: dict[str, str]) -> dict:
    entry = {"file": job.spec.filename, "inputs": key, "sha256": digest, "bytes": size, "parts": parts}
    return {**entry, "files": files} if files else entry


# --------------------------------------------------------------------------- build


@dataclass
class Outcome:
    guideline: str
    document: str
    filename: str
    status: str  # built | skipped | failed
    seconds: float = 0.0
    message: str = ""
    reason: str = ""  # why it was rendered (built, or failed while rendering)


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


@dataclass
class OutputFolder:
    """One guideline's `out/<id>/`: the records found there (`old`) and those this build keeps (`new`)."""

    path: Path
    old: dict[str, dict]
    new: dict[str, dict]
    remaining: int  # documents of this guideline not settled yet; at 0 the manifest is written


@dataclass
class Decision:
    """What to do with one job whose needs are settled: skip it, fail it, or render it from `deps`."""

    job: Job
    key: str = ""
    parts: dict = field(default_factory=dict)
    current: dict | None = None  # the manifest record of an output still up to date: skipped
    failed: str | None = None  # why it cannot be built
    deps: dict[str, bytes] = field(default_factory=dict)
    reason: str = ""  # why it is rendered

    @property
    def render(self) -> bool:
        return self.current is None and self.failed is None


@dataclass
class Settled:
    """A job's result: its outcome, its new manifest record and output digest (None when it failed),
    and the bytes rendered this time (what later documents that need it are given)."""

    outcome: Outcome
    record: dict | None = None
    digest: str | None = None
    fresh: tuple[bytes, dict[str, bytes]] | None = None


class Ledger:
    """What this build has settled so far: per (guideline, document) the output digest (None when it
    failed) and the bytes rendered this time; per guideline the manifest records; the report."""

    def __init__(self, folders: dict[str, OutputFolder], total: int, progress: Progress | None):
        self.folders = folders
        self.total = total
        self.progress = progress
        self.digests: dict[tuple[str, str], str | None] = {}
        self.fresh: dict[tuple[str, str], tuple[bytes, dict[str, bytes]]] = {}
        self.report = BuildReport()

    def needs_settled(self, job: Job) -> bool:
        return all((job.guideline, n) in self.digests for n in job.spec.needs)

    def settle(self, job: Job, result: Settled) -> None:
        folder = self.folders[job.guideline]
        self.digests[(job.guideline, job.spec.name)] = result.digest
        if result.fresh is not None:
            self.fresh[(job.guideline, job.spec.name)] = result.fresh
        if result.record is not None:
            folder.new[job.spec.name] = result.record
        elif job.spec.name in folder.old:  # failed: the last good file stays, and its record, so a later build retries
            folder.new[job.spec.name] = folder.old[job.spec.name]
        self.report.outcomes.append(result.outcome)
        folder.remaining -= 1
        if self.progress:
            self.progress(result.outcome, len(self.report.outcomes), self.total)
        if folder.remaining == 0:
            write_manifest(folder.path, job.guideline, folder.new)


def open_output_folders(sources: list[Source], out: Path, documents: tuple[DocumentSpec, ...], chosen: list[DocumentSpec],
                        jobs: list[Job]) -> tuple[dict[str, OutputFolder], list[str]]:
    """Each guideline's output folder, created; dead builds' temp files swept; the engine's own records
    read; outputs no document produces any more removed (returned as `<id>/<file>`)."""
    every_name = {d.name for d in documents}
    chosen_names = {d.name for d in chosen}
    folders: dict[str, OutputFolder] = {}
    removed: list[str] = []
    for s in sources:
        path = out / s.id
        refuse_link(path)
        path.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(path)
        old = read_manifest(path, s.id)
        removed += [f"{s.id}/{f}" for f in remove_stale(path, old, every_name - absent_documents(s, documents))]
        kept = {k: v for k, v in old.items() if k in every_name and k not in chosen_names}  # --html-only keeps the PDFs' records
        folders[s.id] = OutputFolder(path, old, kept, sum(1 for j in jobs if j.guideline == s.id))
    return folders, removed


def output_folder_problem(out: str, folders: Iterable[Path]) -> str | None:
    """Why `--out` cannot be the output folder, or None. Refused: an empty name (the working
    directory), a symbolic link (a committed `build -> /elsewhere`), and a folder that is, holds or
    lies inside a guideline folder (`--out content` would write outputs into the guideline folders,
    `--out .` from the repository root over the repository)."""
    if not str(out).strip():
        return "an empty folder name (it would be the working directory); name a folder such as build"
    path = Path(out)
    shown = one_line(str(out))
    if path.is_symlink():
        return f"{shown}: a symbolic link; not followed (remove it, or name a real folder)"
    if path.exists() and not path.is_dir():
        return f"{shown}: not a folder"
    resolved = path.resolve()
    for folder in folders:
        g = Path(folder).resolve()
        if resolved == g or resolved.is_relative_to(g) or g.is_relative_to(resolved):
            return (f"{shown}: holds or lies inside the guideline folder {one_line(display_path(folder))}; "
                    "outputs go to a folder of their own (the default: build)")
    return None


def refuse_link(path: Path) -> None:
    """An output folder that is a symbolic link (committed `build/<id>` -> elsewhere) is never written through."""
    if path.is_symlink():
        raise BuildError(f"{one_line(display_path(path))} is a symbolic link; not followed (remove it and build again)")


def decide_job(job: Job, ledger: Ledger, force: bool) -> Decision:
    """Skip, fail or render one job whose needs are settled; for a render, read what it needs."""
    needs = [(job.guideline, n) for n in job.spec.needs]
    if job.error or any(ledger.digests[n] is None for n in needs):
        return Decision(job, failed=job.error or "not built: a document it needs failed")
    key, parts = input_hash(job, {n: ledger.digests[(job.guideline, n)] for n in job.spec.needs})
    recorded = ledger.folders[job.guideline].old.get(job.spec.name)
    reason = rebuild_reason(job, key, parts, recorded, force)
    if reason is None:
        return Decision(job, key, parts, current=recorded)
    try:
        deps = read_deps(job, ledger)
    except OSError as exc:
        return Decision(job, key, parts, failed=f"cannot read a needed document: {exc}", reason=reason)
    return Decision(job, key, parts, deps=deps, reason=reason)


def read_deps(job: Job, ledger: Ledger) -> dict[str, bytes]:
    """The documents a job needs: rendered in this build, else the files on disk (checked against the
    engine's record, so a file swapped since is never embedded)."""
    deps: dict[str, bytes] = {}
    folder = ledger.folders[job.guideline]
    for need in job.spec.needs:
        if (job.guideline, need) in ledger.fresh:
            data, files = ledger.fresh[(job.guideline, need)]
        else:
            record = folder.new.get(need) or {}
            data = _read_recorded(folder.path / str(record.get("file")), record.get("sha256"))
            files = {n: _read_recorded(folder.path / n, d) for n, d in _companions(str(record.get("file")), record).items()}
        deps[need] = data
        deps.update({f"{need}/{name}": b for name, b in files.items()})
    return deps


def _read_recorded(path: Path, digest: Any) -> bytes:
    """A file's bytes when they are what the engine recorded writing (else OSError)."""
    data = read_regular(path, MAX_OUTPUT_BYTES)
    if data is None or sha256(data) != digest:
        raise OSError(f"{path.name} is not the file this build recorded")
    return data


def settle_unrendered(decision: Decision) -> Settled:
    """A job that is skipped (its output is current) or fails before rendering."""
    job = decision.job
    if decision.failed is not None:
        return Settled(Outcome(job.guideline, job.spec.name, job.spec.filename, "failed", 0.0, decision.failed))
    record = decision.current or {}
    digest = output_digest(record["sha256"], _companions(job.spec.filename, record))
    return Settled(Outcome(job.guideline, job.spec.name, job.spec.filename, "skipped"), record, digest)


def write_outputs(decision: Decision, rendered: Rendered, folder: OutputFolder) -> Settled:
    """Write a rendered document (companions first, its own file last), drop part-figures no longer produced."""
    job = decision.job
    outcome = Outcome(job.guideline, job.spec.name, job.spec.filename, "built", rendered.seconds, reason=decision.reason)
    if rendered.error is not None:
        outcome.status, outcome.message = "failed", rendered.error
        return Settled(outcome)
    data = rendered.data or b""
    try:
        for name, companion in rendered.files.items():
            write_bytes(folder.path / name, companion)
        write_bytes(job.target, data)
    except OSError as exc:
        outcome.status, outcome.message = "failed", f"cannot write {job.target}: {exc.strerror or exc}"
        return Settled(outcome)
    for name in _companions(job.spec.filename, folder.old.get(job.spec.name)):
        if name not in rendered.files:
            (folder.path / name).unlink(missing_ok=True)
    main = sha256(data)
    files = {name: sha256(b) for name, b in rendered.files.items()}
    record = _entry(job, decision.key, decision.parts, main, len(data), files)
    return Settled(outcome, record, output_digest(main, files), (data, rendered.files))


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
    notify: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build every source into `out/<id>/`: plan, decide, render, write; manifest last per guideline.
    `notify` gets a one-line note when the worker count is lowered (workers.py)."""
    start = time.perf_counter()
    out = Path(out)
    documents = tuple(document_registry.DOCUMENTS if documents is None else documents)
    chosen = select_documents(documents, html_only)
    validate_sources(sources)
    refuse_link(out)

    # 1. plan: every (guideline, document) with the hash of its static inputs
    planned = plan(sources, out, chosen, Environment.current(templates_root))
    folders, removed = open_output_folders(sources, out, documents, chosen, planned)
    ledger = Ledger(folders, len(planned), progress)
    ledger.report.removed = removed

    preload = PDF_MODULES if any(d.pdf for d in chosen) else ()
    workers = Workers(jobs, tuple(dict.fromkeys((*preload, *(d.module for d in chosen)))), len(planned), notify)
    pending = list(planned)
    interrupted = True  # until the loop ends normally: Ctrl-C, or an error
    try:
        while pending or workers.busy:
            ready = [job for job in pending if ledger.needs_settled(job)]
            for job in ready:
                pending.remove(job)
                decision = decide_job(job, ledger, force)  # 2. decide: skip, fail, or render
                if decision.render:
                    workers.submit(decision)  # 3. render (here or in a worker)
                else:
                    ledger.settle(job, settle_unrendered(decision))
            finished = workers.collect(block=not ready)
            for decision, rendered in finished:
                ledger.settle(decision.job, write_outputs(decision, rendered, folders[decision.job.guideline]))  # 4. write
            if not ready and not finished and not workers.busy and pending:  # pragma: no cover - select_documents prevents it
                raise BuildError("documents wait on each other: " + ", ".join(j.spec.name for j in pending))
        interrupted = False
    finally:
        workers.close(interrupted=interrupted)
    ledger.report.seconds = time.perf_counter() - start
    return ledger.report
