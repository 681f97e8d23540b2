"""`guideline build` as a user and CI see it: exit codes, what is written, shards, parallel == serial."""

from __future__ import annotations

import pytest

from generator.build import engine as builder
from tests.build_fakes import DOCUMENTS as FAKES
from tests.build_helpers import edit, make_library, run_build, snapshot, stat_snapshot


@pytest.fixture
def fakes(monkeypatch):
    """The command builds the fake documents instead of the real ones."""
    monkeypatch.setattr("generator.render.documents.DOCUMENTS", FAKES)


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path / "content", 1)


def test_build_writes_every_document_and_summarises(cli, library, fakes, tmp_path):
    result = cli("build", "content", "--out", "out", "-j", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out" / "g-00").iterdir()) == [
        "clinician-protocol.html", "clinician-protocol.pdf", "flowchart.svg", "manifest.json",
        "patient-explainer.html", "patient-explainer.pdf",
    ]
    lines = result.output.splitlines()
    assert "built   g-00/flowchart.svg" in "\n".join(lines)  # plain log lines when not on a terminal
    assert lines[-1].startswith("build: 1 guideline into out/: 5 built, 0 skipped, 0 failed in ")
    again = cli("build", "content", "--out", "out")
    assert again.exit_code == 0
    # A no-op build says so in one line, not one line per skipped document.
    (summary,) = again.output.splitlines()
    assert summary.startswith("build: 1 guideline into out/: 0 built, 5 skipped, 0 failed in ")


def test_check_errors_write_nothing_and_keep_the_last_good_build(cli, library, fakes, tmp_path):
    (folder,) = library
    assert cli("build", "content", "--out", "out").exit_code == 0
    before, stats = snapshot(tmp_path / "out"), stat_snapshot(tmp_path / "out")
    edit(folder / "statements.yaml", "You keep taking your tablets.", "You keep taking your medicine.")  # would rebuild
    edit(folder / "statements.yaml", "citations: [yu2013]", "citations: [yu2031]")  # but the check fails
    result = cli("build", "content", "--out", "out")
    assert result.exit_code == 1
    assert "content/g-00/statements.yaml:40:" in result.output
    assert "error[unknown-reference]" in result.output
    assert "nothing written" in result.output
    assert snapshot(tmp_path / "out") == before and stat_snapshot(tmp_path / "out") == stats


def test_check_errors_on_a_clean_tree_create_no_output_folder(cli, library, fakes, tmp_path):
    (folder,) = library
    edit(folder / "guideline.yaml", "\nversion: 1.1.0", "\nversion: one")
    assert cli("build", "content", "--out", "out").exit_code == 1
    assert not (tmp_path / "out").exists()


def test_render_failure_exits_1_with_a_message(cli, library, monkeypatch, tmp_path):
    from generator.render.documents import DocumentSpec

    monkeypatch.setattr("generator.render.documents.DOCUMENTS", (DocumentSpec("failing", "failing.txt", "tests.build_fakes.failing"),))
    (folder,) = library
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "FAIL-RENDER")
    result = cli("build", "content", "--out", "out")
    assert result.exit_code == 1
    assert "error: g-00/failing.txt: RuntimeError: asked to fail" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--shard", "3/2"], "K must be between 1 and N"),
        (["--shard", "half"], "is not a shard like 1/4"),
        (["-j", "0"], "0 is not in the range x>=1"),
        (["missing-folder"], "no such file or directory"),
    ],
)
def test_usage_errors_exit_2(cli, library, fakes, args, message):
    result = cli("build", *(args if args[0] == "missing-folder" else ["content", *args]))
    assert result.exit_code == 2
    assert message in result.output


def test_shards_partition_the_library_and_equal_one_full_build(tmp_path):
    folders = make_library(tmp_path / "content", 7)
    full = tmp_path / "full"
    run_build(folders, full, jobs=1)
    prepared = builder.prepare(folders, _ctx(), FAKES)
    sharded = tmp_path / "sharded"
    seen: list[str] = []
    for k in (1, 2, 3):
        part = builder.select_shard(prepared.sources, (k, 3))
        seen += [s.id for s in part]
        builder.build(part, sharded, documents=FAKES, jobs=1)
    assert sorted(seen) == [f"g-{i:02d}" for i in range(7)]  # each guideline in exactly one shard
    assert snapshot(sharded) == snapshot(full)
    # Stable: the same id lands in the same shard whatever else is in the library.
    assert [builder.shard_of(f"g-{i:02d}", 3) for i in range(7)] == [builder.shard_of(f"g-{i:02d}", 3) for i in range(7)]
    assert builder.select_shard(prepared.sources[:3], (1, 3)) == [s for s in builder.select_shard(prepared.sources, (1, 3)) if s in prepared.sources[:3]]


def test_shard_option_builds_only_its_guidelines(cli, fakes, tmp_path):
    make_library(tmp_path / "content", 4)
    built = []
    for k in (1, 2):
        result = cli("build", "content", "--out", "out", "--shard", f"{k}/2")
        assert result.exit_code == 0, result.output
        built.append({p.name for p in (tmp_path / "out").iterdir()})
    first, both = built
    expected_first = {f"g-{i:02d}" for i in range(4) if builder.shard_of(f"g-{i:02d}", 2) == 1}
    assert first == expected_first
    assert both == {f"g-{i:02d}" for i in range(4)}


def test_parallel_build_equals_serial_build(tmp_path):
    folders = make_library(tmp_path / "content", 4)
    run_build(folders, tmp_path / "serial", jobs=1)
    report = run_build(folders, tmp_path / "parallel", jobs=3)
    assert report.count("built") == 20
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")


def test_two_clean_builds_are_identical(tmp_path):
    folders = make_library(tmp_path / "content", 2)
    run_build(folders, tmp_path / "a", jobs=2)
    run_build(folders, tmp_path / "b", jobs=2)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def _ctx():
    from tests.build_helpers import CTX

    return CTX
