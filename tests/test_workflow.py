"""The CI workflow: linted (schema + zizmor), and every command it runs works here, locally."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.casekit import all_cases

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
WORKFLOW = ROOT / ".github" / "workflows" / "guidelines.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
DISPLAY = re.compile(r"^(.*?):(\d+):(\d+): (error|warning)\[([a-z0-9-]+)\]: (.*)$")


def _workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _steps():
    for job_id, job in _workflow()["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _run_steps() -> dict[str, str]:
    """Each `run:` script, keyed by its step's name or, without a name, its first line."""
    return {step.get("name") or step["run"].splitlines()[0]: step["run"] for _, step in _steps() if "run" in step}


def _bootstrap_packages(profile: str) -> list[str]:
    """The Debian packages scripts/bootstrap installs for a profile (its --list)."""
    listed = subprocess.run(["bash", str(ROOT / "scripts" / "bootstrap"), "--list", profile],
                            capture_output=True, text=True, timeout=60, check=True)
    return listed.stdout.split()


# --------------------------------------------------------------------------- linters


def test_there_is_a_workflow():
    assert WORKFLOW in WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflow_schema(path):
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_zizmor_finds_nothing(path):
    result = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    # The pedantic persona finds only the container images pinned by tag (docs/ci.md says why).
    pedantic = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--persona=pedantic", "--format=json", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    findings = {f["ident"] for f in json.loads(pedantic.stdout or "[]")}
    assert findings <= {"unpinned-images"}, findings


def test_a_workflow_with_a_problem_fails_the_linters(tmp_path):
    """The two linters above are not vacuous: an unpinned action and a typo are caught."""
    bad = tmp_path / "bad.yml"
    text = WORKFLOW.read_text()
    bad.write_text(text.replace("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4", 1))
    z = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", str(bad)], capture_output=True, text=True, timeout=120)
    assert z.returncode != 0 and "unpinned-uses" in z.stdout
    bad.write_text(text.replace("runs-on: ubuntu-24.04", "run-on: ubuntu-24.04", 1))
    s = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True, text=True, timeout=120,
    )
    assert s.returncode != 0


# --------------------------------------------------------------------------- shape


def test_actions_are_pinned_to_commit_shas_named_in_docs():
    docs = (ROOT / "docs" / "ci.md").read_text()
    lines = WORKFLOW.read_text().splitlines()
    uses = [line for line in lines if re.match(r"^\s*(- )?uses:", line)]
    assert uses
    for line in uses:
        ref = line.split("uses:", 1)[1].split("#")[0].strip()
        assert PINNED.match(ref), f"not pinned to a full commit SHA: {line.strip()}"
        assert re.search(r"# v\d+\.\d+\.\d+$", line), f"no version comment: {line.strip()}"
        assert ref.split("@")[1] in docs, f"{ref} is not listed in docs/ci.md"


def test_triggers_and_the_gate():
    wf = _workflow()
    assert {"push", "pull_request"} <= set(wf["on"])
    for event in ("push", "pull_request"):  # a workflow-level path filter would skip the gate
        assert not (wf["on"][event] or {}).get("paths"), event
    jobs = wf["jobs"]
    gate = jobs["gate"]
    assert gate["if"] == "always()"
    assert set(gate["needs"]) == set(jobs) - {"gate", "deploy"}
    assert wf["permissions"] == {}
    for job_id, job in jobs.items():
        assert "permissions" in job, f"{job_id} sets no permissions"
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes == ({"pages", "id-token"} if job_id == "deploy" else set()), job_id
        assert "timeout-minutes" in job, job_id


def test_build_runs_as_a_matrix_of_shards_merged_and_published_on_main():
    jobs = _workflow()["jobs"]
    assert jobs["build"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.changes.outputs.shards) }}"
    uploads = [s for s in jobs["build"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "shard-out/"  # only the guidelines this shard built
    merge = jobs["documents"]["steps"]
    assert any("download-artifact" in s.get("uses", "") and s["with"]["pattern"] == "build-shard-*" for s in merge)
    assert not any("upload-pages-artifact" in s.get("uses", "") for s in merge)  # the build is not the site
    deploy = jobs["deploy"]
    assert "refs/heads/main" in deploy["if"] and deploy["environment"]["name"] == "github-pages"
    assert "site" in deploy["needs"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])


def test_pages_publish_the_site_of_released_versions_built_only_on_main():
    """Pages gets site/ (releases as current, earlier ones by version), written by a job that runs only
    on pushes to main, from the merged build and a release cache outside the working tree."""
    site = _workflow()["jobs"]["site"]
    assert "refs/heads/main" in site["if"] and "push" in site["if"]
    assert set(site["needs"]) == {"changes", "documents"}
    assert site["permissions"] == {"contents": "read"}
    steps = site["steps"]
    checkout = next(s for s in steps if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0  # the release tags
    download = next(s for s in steps if "download-artifact" in s.get("uses", ""))
    assert download["with"] == {"name": "documents", "path": "build/"}
    cache = next(s for s in steps if "actions/cache" in s.get("uses", ""))
    assert not cache["with"]["path"].startswith(("${{ github.workspace", ".", "build", "site"))
    assert _run_steps()["build every release and write the site"] == f"make site RELEASE_CACHE={cache['with']['path']}"
    pages = next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))
    assert pages["with"]["path"] == "site/" and "if" not in pages
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps]
    assert names.index("build every release and write the site") > names.index("actions/cache")


def _uses(step: dict, action: str) -> bool:
    return step.get("uses", "").split("@")[0] == action


def test_incremental_build_state_is_written_only_by_main_and_read_as_written():
    """Shards restore main's last build and the engine's key; only pushes to main save either (a pull
    request's own cache entries are never restored by main), and each restore names the same path
    and key as its save, which is what actions/cache matches on."""
    jobs = _workflow()["jobs"]
    saves = [(job_id, s) for job_id, s in _steps() if _uses(s, "actions/cache/save")]
    assert {job_id for job_id, _ in saves} == {"changes", "documents"}
    for job_id, step in saves:
        assert "refs/heads/main" in step["if"], job_id
    build_save = next(s for j, s in saves if j == "documents")
    key_save = next(s for j, s in saves if j == "changes")
    lookups = {s["id"]: s for s in jobs["changes"]["steps"] if _uses(s, "actions/cache/restore")}
    assert lookups["last-build"]["with"]["lookup-only"] is True
    assert lookups["last-build"]["with"]["path"] == build_save["with"]["path"] == "build"
    assert lookups["last-build"]["with"]["restore-keys"] + "${{ github.sha }}" == build_save["with"]["key"]
    assert jobs["changes"]["outputs"]["last-build"] == "${{ steps.last-build.outputs.cache-matched-key }}"
    restores = [s for s in jobs["build"]["steps"] if _uses(s, "actions/cache/restore")]
    build_restore = next(s for s in restores if s["with"]["path"] == "build")
    assert build_restore["with"]["key"] == "${{ needs.changes.outputs.last-build }}"  # one entry for every shard
    assert "restore-keys" not in build_restore["with"]
    key_restore = next(s for s in restores if s["with"]["path"] != "build")
    assert key_restore["with"] == {"path": key_save["with"]["path"], "key": key_save["with"]["key"]}
    env = jobs["build"]["env"]
    assert key_save["with"]["path"] == env["XDG_CACHE_HOME"] + "/guideline-as-code/key"  # where the engine reads it
    # zstd in the container too: a cache saved with zstd is not found by a restore that would use gzip
    assert _workflow()["env"]["CACHE_PACKAGES"] == "zstd"
    assert "$CACHE_PACKAGES" in _run_steps()["install make, git and zstd (the Makefile's bootstrap installs the rest)"]
    names = [s.get("name") or s.get("uses", "").split("@")[0] for s in jobs["build"]["steps"]]
    assert names.index("make the restored build key this user's own") < names.index("check --strict, then build this shard's guidelines into build/")
    merge = [s.get("name") or s.get("uses", "").split("@")[0] for s in jobs["documents"]["steps"]]
    assert merge.index("every guideline was built by one shard") < merge.index("actions/cache/save")


def test_key_step_makes_a_key_only_its_user_can_read(tmp_path):
    key_dir = tmp_path / "state" / "guideline-as-code"
    done = _bash(_run_steps()["make the build key (once, on main)"], tmp_path, {"KEY_DIR": str(key_dir)})
    assert done.returncode == 0, done.stderr
    key = key_dir / "key"
    assert key.stat().st_size == 32 and key.stat().st_mode & 0o777 == 0o600
    assert key_dir.stat().st_mode & 0o777 == 0o700


def test_restored_key_step_makes_the_key_usable_by_the_engine(tmp_path):
    """A restored key the engine would refuse (another owner's, readable by others) is made this user's;
    the engine then signs with it, so the build trusts what main built."""
    from generator.build import hashing

    key = tmp_path / "state" / "guideline-as-code" / "key"
    key.parent.mkdir(parents=True)
    key.write_bytes(bytes(range(32)))
    key.chmod(0o644)
    done = _bash(_run_steps()["make the restored build key this user's own"], tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    assert key.stat().st_mode & 0o777 == 0o600
    assert hashing._read_key(key) == bytes(range(32))
    missing = _bash(_run_steps()["make the restored build key this user's own"], tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "none")})
    assert missing.returncode == 0, missing.stderr  # the first run on main: no key yet, the build makes its own


def test_artifact_step_keeps_only_the_guidelines_the_report_names(tmp_path):
    for gid in ("a", "b", "c"):
        (tmp_path / "build" / gid).mkdir(parents=True)
        (tmp_path / "build" / gid / "manifest.json").write_text("{}")
    (tmp_path / "build" / "index.html").write_text("")
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"guidelines": ["a", "c"]}))
    done = _bash(_run_steps()["keep this shard's guidelines for the artifact"], tmp_path, {"BUILD_REPORT": str(report)})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "shard-out").iterdir()) == ["a", "c"]


@pytest.mark.parametrize("built, ok", [(2, True), (1, False)])
def test_merge_step_fails_when_a_guideline_was_built_by_no_shard(tmp_path, built, ok):
    for i in range(2):
        (tmp_path / "content" / f"g{i}").mkdir(parents=True)
        (tmp_path / "content" / f"g{i}" / "guideline.yaml").write_text("id: x\n")
    for i in range(built):
        (tmp_path / "build" / f"g{i}").mkdir(parents=True)
        (tmp_path / "build" / f"g{i}" / "manifest.json").write_text("{}")
    done = _bash(_run_steps()["every guideline was built by one shard"], tmp_path, {})
    assert (done.returncode == 0) == ok, done.stdout
    if not ok:
        assert "::error title=shards::the shards built 1 of 2 guidelines" in done.stdout


def test_site_step_runs_make_site_with_the_cache_outside_the_tree(tmp_path):
    dry = subprocess.run(["make", "-n", "site", "RELEASE_CACHE=/tmp/release-builds"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    line = next(line for line in dry.stdout.splitlines() if "guideline publish" in line)
    assert line.split()[1:] == ["publish", "content", "--out", "site", "--build", "build", "--cache", "/tmp/release-builds"]
    help_text = subprocess.run([str(BIN / "guideline"), "publish", "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "--cache" in help_text.stdout


def test_safe_directory_step_lets_git_read_a_checkout_owned_by_another_user(tmp_path):
    script = _run_steps()["let git read the checkout (the container runs as root, the checkout is the runner's)"]
    config = tmp_path / "gitconfig"
    done = _bash(script, tmp_path, {"GITHUB_WORKSPACE": str(ROOT), "GIT_CONFIG_GLOBAL": str(config)})
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(["git", "config", "--file", str(config), "--get-all", "safe.directory"], capture_output=True, text=True)
    assert listed.stdout.split() == [str(ROOT)]


def test_checkouts_do_not_keep_credentials():
    for job_id, step in _steps():
        if "actions/checkout" in step.get("uses", ""):
            assert step.get("with", {}).get("persist-credentials") is False, job_id


def test_the_workflow_and_ci_run_leave_the_system_packages_to_the_bootstrap():
    """One list of what a machine needs (scripts/bootstrap): the workflow installs only what it takes to
    start make, .ci/run none at all; `make test` and `make pdf` bring the rest."""
    assert _workflow()["env"]["DEBIAN_PACKAGES"].split() == ["make", "git"]
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci_run and "make test" in ci_run and "make pdf" in ci_run
    assert set(_bootstrap_packages("pdf")) < set(_bootstrap_packages("test"))
    assert {"libpango-1.0-0", "libharfbuzz-subset0"} <= set(_bootstrap_packages("pdf"))
    assert "chromium" in _bootstrap_packages("test") and "chromium" not in _bootstrap_packages("pdf")


def test_every_package_the_bootstrap_names_is_a_debian_package():
    if not shutil.which("apt-cache"):
        pytest.skip("not a Debian machine")
    have_lists = any(Path("/var/lib/apt/lists").glob("*_Packages*"))
    for package in _bootstrap_packages("test") + _workflow()["env"]["DEBIAN_PACKAGES"].split():
        installed = subprocess.run(["dpkg-query", "-W", package], capture_output=True, text=True).returncode == 0
        if installed:
            continue
        if not have_lists:
            pytest.skip(f"{package} is not installed and apt has no package lists (run apt-get update)")
        known = subprocess.run(["apt-cache", "show", "--no-all-versions", package], capture_output=True, text=True)
        assert known.returncode == 0 and f"Package: {package}" in known.stdout, f"no Debian package {package!r}"


# --------------------------------------------------------------------------- every run: works here

COVERED = {
    "count guidelines and split them into shards",
    "install the pinned dependencies",
    "check every guideline (problems become annotations on the changed lines)",
    "the committed JSON Schemas match the content model",
    "install make and git (the Makefile's bootstrap installs the rest)",
    "run the test suite",
    "check --strict, then build this shard's guidelines into build/",
    "install make, git and zstd (the Makefile's bootstrap installs the rest)",
    "make the build key (once, on main)",
    "make the restored build key this user's own",
    "keep this shard's guidelines for the artifact",
    "every guideline was built by one shard",
    "write the index page of the built documents",
    "let git read the checkout (the container runs as root, the checkout is the runner's)",
    "build every release and write the site",
    "every needed job passed or was skipped",
}


def test_every_run_step_is_exercised_by_a_test_here():
    assert set(_run_steps()) == COVERED, "a run: step changed; test the new command in this file"


def _bash(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("count, total", [(0, 1), (1, 1), (10, 1), (11, 2), (35, 4), (500, 8)])
def test_matrix_step_splits_the_library_into_shards(tmp_path, count, total):
    for i in range(count):
        (tmp_path / "content" / f"g{i}").mkdir(parents=True)
        (tmp_path / "content" / f"g{i}" / "guideline.yaml").write_text("id: x\n")
    (tmp_path / "content" / "notes").mkdir(parents=True, exist_ok=True)  # not a guideline folder
    out = tmp_path / "github_output"
    env = {k: str(v) for k, v in _workflow()["env"].items()}
    result = _bash(_run_steps()["count guidelines and split them into shards"], tmp_path, {**env, "GITHUB_OUTPUT": str(out)})
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["total"] == str(total)
    assert json.loads(outputs["shards"]) == list(range(1, total + 1))


@pytest.mark.parametrize("results, ok", [
    ("success success success success success", True),
    ("success skipped skipped skipped skipped", True),  # the path filter skipped the work
    ("success success failure skipped success", False),
    ("success cancelled success success success", False),
    ("failure skipped skipped skipped skipped", False),
])
def test_gate_step_fails_on_any_failed_or_cancelled_job(tmp_path, results, ok):
    result = _bash(_run_steps()["every needed job passed or was skipped"], tmp_path, {"RESULTS": results})
    assert (result.returncode == 0) == ok, result.stdout
    if not ok:
        assert "::error title=gate::" in result.stdout


def test_make_targets_the_workflow_calls_exist():
    assert _run_steps()["install the pinned dependencies"] == "make venv"
    assert _run_steps()["run the test suite"] == "make test"
    assert _run_steps()["check --strict, then build this shard's guidelines into build/"] == (
        'make pdf SHARD="$SHARD" BUILD_FLAGS="--shard-by-work --report $BUILD_REPORT --summary $GITHUB_STEP_SUMMARY"')
    for target in ("venv", "test"):
        dry = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, dry.stderr
    dry = subprocess.run(["make", "-n", "pdf", "SHARD=2/3"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    build_line = next(line for line in dry.stdout.splitlines() if "guideline build" in line)
    assert "--shard 2/3" in build_line and "--strict" in build_line  # publishing refuses warnings and TODO:
    dry = subprocess.run(["make", "-n", "pdf", "SHARD=2/3", "BUILD_FLAGS=--shard-by-work --report r.json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    build_line = next(line for line in dry.stdout.splitlines() if "guideline build" in line)
    assert build_line.split()[-4:] == ["2/3", "--shard-by-work", "--report", "r.json"]
    help_text = subprocess.run([str(BIN / "guideline"), "build", "--help"], capture_output=True, text=True, timeout=60)
    for option in ("--shard", "--shard-by-work", "--report", "--summary"):
        assert option in help_text.stdout


def _run_guideline(command: str, cwd: Path) -> subprocess.CompletedProcess:
    assert command.startswith(".venv/bin/guideline ")
    args = command.split()[1:]
    return subprocess.run([str(BIN / "guideline"), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GUIDELINE_TODAY": "2026-06-01"})


def test_check_step_on_valid_content_prints_no_annotation(tmp_path):
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid" / "minimal", tmp_path / "content" / "minimal")
    result = _run_guideline(_run_steps()["check every guideline (problems become annotations on the changed lines)"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout


def test_check_step_refuses_a_scaffolded_guideline(tmp_path):
    """The check job runs --strict: `guideline new`'s TODO: placeholders are errors, so a scaffold fails CI
    (and `make pdf`, which feeds the Pages deployment, builds with --strict too)."""
    new = subprocess.run([str(BIN / "guideline"), "new", "my-guideline", "--dir", str(tmp_path / "content")],
                         capture_output=True, text=True, timeout=120)
    assert new.returncode == 0, new.stdout + new.stderr
    result = _run_guideline(_run_steps()["check every guideline (problems become annotations on the changed lines)"], tmp_path)
    assert result.returncode == 1
    assert any(line.startswith("::error file=content/my-guideline/guideline.yaml,") and "title=placeholder::" in line
               for line in result.stdout.splitlines()), result.stdout


def test_check_step_annotates_the_broken_line(tmp_path):
    case = next(c for c in all_cases() if c.name == "dangling-citation-key")
    case.materialize(tmp_path / "content")
    command = _run_steps()["check every guideline (problems become annotations on the changed lines)"]
    result = _run_guideline(command, tmp_path)
    assert result.returncode == 1
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations, result.stdout
    # Each annotation says what the text format says, as a workflow command GitHub understands.
    text = _run_guideline(command.replace("--format github", "--format text"), tmp_path)
    expected = []
    for line in text.stdout.splitlines():
        m = DISPLAY.match(line)
        if m:
            path, row, col, severity, code, message = m.groups()
            expected.append(f"::{severity} file={path},line={row},col={col},title={code}::{message}")
    assert annotations == expected
    want = case.expect[0]
    assert any(a.startswith(f"::error file=content/minimal/{want['file']},line={want['line']},") and f"title={want['code']}::" in a
               for a in annotations), annotations


def test_schema_step_passes_on_the_committed_schemas():
    result = _run_guideline(_run_steps()["the committed JSON Schemas match the content model"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_index_step_lists_the_merged_shards_with_the_standard_library_only(tmp_path):
    for gid, title in (("alpha", "Alpha guideline"), ("beta", "Beta &amp; more")):
        folder = tmp_path / "build" / gid
        folder.mkdir(parents=True)
        (folder / "clinician-protocol.html").write_text(f"<html><head><title>{title}</title></head></html>")
        (folder / "clinician-protocol.pdf").write_bytes(b"%PDF-1.7\n")
        (folder / "manifest.json").write_text(json.dumps({"outputs": {
            "clinician-protocol-html": {"file": "clinician-protocol.html"},
            "clinician-protocol-pdf": {"file": "clinician-protocol.pdf"},
        }}))
    command = _run_steps()["write the index page of the built documents"]
    assert command == "python3 -m generator.render.site_index build"
    python = shutil.which("python3") or sys.executable  # the system Python: no project dependencies
    result = subprocess.run([python, "-m", "generator.render.site_index", str(tmp_path / "build")], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "build" / "index.html").read_text()
    assert '<a href="alpha/clinician-protocol.pdf">Clinician protocol (PDF)</a>' in page
    assert '<a href="beta/clinician-protocol.html">Clinician protocol (HTML)</a>' in page
    assert "<h2>Alpha guideline</h2>" in page and "<h2>Beta &amp; more</h2>" in page
    assert page.index("alpha/") < page.index("beta/")


# --------------------------------------------------------------------------- pre-commit


def _hooks(path: Path) -> dict[str, dict]:
    data = yaml.safe_load(path.read_text())
    hooks = data if isinstance(data, list) else [h for repo in data["repos"] for h in repo["hooks"]]
    return {h["id"]: h for h in hooks}


@pytest.mark.parametrize("manifest", [".pre-commit-hooks.yaml", ".pre-commit-config.yaml"])
def test_pre_commit_hook_checks_the_changed_guidelines(tmp_path, manifest):
    hook = _hooks(ROOT / manifest)["guideline-check"]
    files = re.compile(hook["files"])
    assert files.search("content/minimal/statements.yaml") and files.search("content/minimal/references.json")
    assert not files.search("README.md") and not files.search("generator/content/models.py")
    assert hook["pass_filenames"] is True
    assert hook["entry"].split()[-2:] == ["guideline", "check"] or hook["entry"].endswith("guideline check")

    shutil.copytree(ROOT / "tests" / "fixtures" / "valid" / "minimal", tmp_path / "content" / "minimal")
    changed = ["content/minimal/statements.yaml", "content/minimal/guideline.yaml"]
    entry = [str(BIN / "guideline"), *hook["entry"].split()[1:]]
    env = {**os.environ, "GUIDELINE_TODAY": "2026-06-01"}
    ok = subprocess.run([*entry, *changed], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert ok.returncode == 0, ok.stdout
    assert "1 guideline checked" in ok.stdout + ok.stderr
    statements = tmp_path / changed[0]
    statements.write_text(statements.read_text().replace("citations: [yu2013]", "citations: [yu2031]"))
    bad = subprocess.run([*entry, *changed], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode == 1
    assert "error[unknown-reference]" in bad.stdout


def test_local_hooks_use_the_current_pre_commit_language_name():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert config["minimum_pre_commit_version"] == "4.4.0"
    # `system` is deprecated since pre-commit 4.4 in favour of `unsupported`
    assert {h["language"] for h in _hooks(ROOT / ".pre-commit-config.yaml").values()} == {"unsupported"}


def test_local_pre_commit_schema_hook_runs_the_schema_check():
    hook = _hooks(ROOT / ".pre-commit-config.yaml")["guideline-schema"]
    assert re.search(hook["files"], "generator/content/models.py")
    result = _run_guideline(hook["entry"], ROOT)
    assert result.returncode == 0, result.stdout


def test_dependabot_config_is_valid_and_watches_the_actions():
    path = ROOT / ".github" / "dependabot.yml"
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    ecosystems = {u["package-ecosystem"] for u in yaml.safe_load(path.read_text())["updates"]}
    assert "github-actions" in ecosystems
    z = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", str(path)], capture_output=True, text=True, timeout=120)
    assert z.returncode == 0, z.stdout + z.stderr
