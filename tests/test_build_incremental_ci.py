"""Incremental CI: shards that each restore main's last build re-render only what changed, split the
library by expected work, and say in their report and job summary what they rebuilt and why."""

from __future__ import annotations

import json
import shutil

import pytest

from generator.build import engine as builder
from tests.build_helpers import edit, make_library, run_build, snapshot
from tests.test_build_cli import fakes  # noqa: F401 - the fixture

EDIT = ("Sometimes cancer grows in only a few spots", "Sometimes cancer grows in just a few spots")


def _ci_shards(cli, tmp_path, restored, n):
    """Run N shard builds as the CI does: each from its own copy of the restored build."""
    reports = []
    for k in range(1, n + 1):
        out = tmp_path / f"shard-{k}"
        if restored is not None:
            shutil.copytree(restored, out)
        result = cli("build", "content", "--out", out.name, "--shard", f"{k}/{n}", "--shard-by-work",
                     "--report", f"report-{k}.json", "--summary", "summary.md")
        assert result.exit_code == 0, result.output
        reports.append(json.loads((tmp_path / f"report-{k}.json").read_text()))
    merged = tmp_path / "merged"
    for k, report in enumerate(reports, 1):
        for gid in report["guidelines"]:
            shutil.copytree(tmp_path / f"shard-{k}" / gid, merged / gid)
    return reports, merged


def test_shards_from_main_s_build_rebuild_only_the_changed_guideline(cli, fakes, tmp_path):  # noqa: F811
    folders = make_library(tmp_path / "content", 6)
    assert cli("build", "content", "--out", "main").exit_code == 0  # the last build of main
    edit(folders[3] / "statements.yaml", *EDIT)

    reports, merged = _ci_shards(cli, tmp_path, tmp_path / "main", 2)

    ids = [gid for r in reports for gid in r["guidelines"]]
    assert sorted(ids) == [f"g-{i:02d}" for i in range(6)]  # every guideline in exactly one shard
    rebuilt = [d for r in reports for d in r["documents"] if d["status"] == "built"]
    assert {d["guideline"] for d in rebuilt} == {"g-03"}
    assert all(d["reason"] for d in rebuilt)
    assert any("changed: content" in d["reason"] for d in rebuilt)
    # Balanced by work, not by count: the shard that renders g-03 gets nothing else to do.
    busy = next(r for r in reports if "g-03" in r["guidelines"])
    assert busy["guidelines"] == ["g-03"]
    assert busy["shard"]["expected_work"] > sum(r["shard"]["expected_work"] for r in reports if r is not busy)
    # The merged shards are what one full build of the edited library writes.
    assert cli("build", "content", "--out", "fresh").exit_code == 0
    assert snapshot(merged) == snapshot(tmp_path / "fresh")
    summary = (tmp_path / "summary.md").read_text()
    assert "| g-03 | patient-explainer.html | built | changed: content |" in summary
    assert "Current, not rebuilt: g-00 (5), g-01 (5), g-02 (5), g-04 (5), g-05 (5)." in summary


def test_without_a_restored_build_the_shards_split_the_library_evenly(cli, fakes, tmp_path):  # noqa: F811
    make_library(tmp_path / "content", 6)
    reports, merged = _ci_shards(cli, tmp_path, None, 3)
    assert [len(r["guidelines"]) for r in reports] == [2, 2, 2]
    assert {d["reason"] for r in reports for d in r["documents"]} == {"no earlier build recorded"}
    assert sorted(p.name for p in merged.iterdir()) == [f"g-{i:02d}" for i in range(6)]


def test_a_committed_build_is_no_head_start(cli, fakes, tmp_path):  # noqa: F811
    """A build/ whose manifests the engine did not sign (committed, copied from elsewhere) is expected
    to be rebuilt in full: the split and the build trust only the engine's own records."""
    make_library(tmp_path / "content", 2)
    assert cli("build", "content", "--out", "main").exit_code == 0
    for manifest in (tmp_path / "main").glob("*/manifest.json"):
        data = json.loads(manifest.read_text())
        data["signature"] = "0" * 64
        manifest.write_text(json.dumps(data))
    reports, _ = _ci_shards(cli, tmp_path, tmp_path / "main", 2)
    assert {d["status"] for r in reports for d in r["documents"]} == {"built"}
    assert {d["reason"] for r in reports for d in r["documents"]} == {"no earlier build recorded"}


def test_each_rebuild_names_its_reason(fakes, tmp_path):  # noqa: F811
    folders = make_library(tmp_path / "content", 1)
    out = tmp_path / "out"
    run_build(folders, out, jobs=1)
    (out / "g-00" / "flowchart.svg").unlink()
    report = run_build(folders, out, jobs=1)
    reasons = {o.document: o.reason for o in report.outcomes if o.status == "built"}
    assert reasons["flowchart"] == "its file is missing or not what was written"
    forced = run_build(folders, out, jobs=1, force=True)
    assert {o.reason for o in forced.outcomes} == {"--force"}


@pytest.mark.parametrize("work, n, expected", [
    ({"a": 10.0, "b": 6.0, "c": 5.0, "d": 0.1}, 2, {"a": 1, "b": 2, "c": 2, "d": 1}),
    ({"a": 1.0, "b": 1.0, "c": 1.0}, 3, {"a": 1, "b": 2, "c": 3}),
    ({"a": 1.0}, 4, {"a": 1}),
])
def test_balance_puts_the_largest_work_first_on_the_least_loaded_shard(work, n, expected):
    assert builder.balance(work, n) == expected


def test_report_to_an_unwritable_path_is_one_line_and_keeps_the_build(cli, fakes, tmp_path):  # noqa: F811
    make_library(tmp_path / "content", 1)
    (tmp_path / "blocked").write_text("a file, not a folder")
    result = cli("build", "content", "--out", "out", "--report", "blocked/report.json")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("error: blocked/report.json: cannot write the build report")
    assert "Traceback" not in result.output
    assert (tmp_path / "out" / "g-00" / "manifest.json").is_file()
