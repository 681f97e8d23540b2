"""The warm-check cache: same answers as a cold check, invalidated by any change that matters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.build import check_cache
from generator.build.check_cache import CheckCache
from generator.build.checked import load_and_check
from generator.check.run import CheckContext
from tests.build_helpers import CTX, edit, make_library
from tests.casekit import all_cases


def _cold(folders, ctx=CTX):
    return load_and_check(folders, ctx).diagnostics


def check_folders_cached(folders, ctx, cache):
    return load_and_check(folders, ctx, cache).diagnostics


def test_warm_check_equals_cold_check_for_every_case(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = CheckCache(tmp_path / "cache")
    for case in all_cases():
        folder = case.materialize(tmp_path / "content")
        ctx = CheckContext(today=CTX.today, strict="--strict" in case.args)
        cold = check_folders_cached([folder], ctx, cache)  # fills the cache
        warm = check_folders_cached([folder], ctx, cache)
        assert warm == cold and cold, case.name
        shutil.rmtree(tmp_path / "content")  # with what a case wrote beside the folder (library bibliography, guidelines)


def test_warm_check_does_not_load_the_yaml(tmp_path, monkeypatch):
    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    check_folders_cached([folder], CTX, cache)
    monkeypatch.setattr("generator.content.loader.load_guideline", lambda *a, **k: pytest.fail("loaded again"))
    assert check_folders_cached([folder], CTX, cache) == []


def test_an_edit_is_seen(tmp_path):
    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    assert check_folders_cached([folder], CTX, cache) == []
    edit(folder / "statements.yaml", "citations: [yu2013]", "citations: [yu2031]")
    diags = check_folders_cached([folder], CTX, cache)
    assert [d.code for d in diags] == ["unknown-reference"]
    (folder / "statments.yaml").write_text("# a stray file\n")  # new files count too
    assert "unknown-file" in [d.code for d in check_folders_cached([folder], CTX, cache)]


def test_today_and_strict_are_part_of_the_key(tmp_path):
    import datetime as dt

    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    assert check_folders_cached([folder], CTX, cache) == []
    later = CheckContext(today=dt.date(2029, 1, 1))
    assert check_folders_cached([folder], later, cache) == _cold([folder], later) != []
    strict = CheckContext(today=CTX.today, strict=True)
    assert check_folders_cached([folder], strict, cache) == _cold([folder], strict)


def test_a_new_generator_invalidates_the_cache(tmp_path, monkeypatch):
    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    key = cache.content_key(folder)
    monkeypatch.setattr(check_cache, "generator_fingerprint", lambda: "another generator")
    assert cache.content_key(folder) != key


def test_generator_fingerprint_covers_the_package_source():
    check_cache.generator_fingerprint.cache_clear()
    first = check_cache.generator_fingerprint()
    check_cache.generator_fingerprint.cache_clear()
    assert check_cache.generator_fingerprint() == first  # stable
    assert len(first) == 64


def test_a_corrupt_or_missing_cache_is_ignored(tmp_path):
    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    check_folders_cached([folder], CTX, cache)
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    edit(folder / "statements.yaml", "citations: [yu2013]", "citations: [yu2031]")
    assert [d.code for d in check_folders_cached([folder], CTX, cache)] == ["unknown-reference"]
    shutil.rmtree(tmp_path / "cache")
    assert [d.code for d in check_folders_cached([folder], CTX, cache)] == ["unknown-reference"]
    json.loads(next((tmp_path / "cache").rglob("*.json")).read_bytes().split(b"\n", 1)[1])  # rewritten, valid


def test_cli_check_uses_the_cache_and_can_be_told_not_to(cli, minimal, tmp_path):
    assert cli("check", str(minimal)).exit_code == 0
    entries = list((tmp_path / ".cache" / "guideline" / "check").glob("*.json"))
    assert len(entries) == 1
    edit(minimal / "guideline.yaml", "C78.0", "C87.0")
    result = cli("check", str(minimal))
    assert result.exit_code == 1 and "invalid-icd10" in result.output
    shutil.rmtree(tmp_path / ".cache")
    assert cli("check", str(minimal), env={"GUIDELINE_NO_CACHE": "1"}).exit_code == 1
    assert not (tmp_path / ".cache").exists()


def test_one_cache_file_per_folder(tmp_path):
    (folder,) = make_library(tmp_path, 1)
    cache = CheckCache(tmp_path / "cache")
    for word in ("medicine", "pills", "tablets again"):
        text = (folder / "statements.yaml").read_text()
        (folder / "statements.yaml").write_text(text.replace("You keep taking your", f"You keep taking your {word} and your", 1))
        check_folders_cached([folder], CTX, cache)
    assert len(list((tmp_path / "cache" / "check").iterdir())) == 1


def test_a_check_reads_each_file_of_a_library_once_not_once_per_guideline(tmp_path, monkeypatch):
    """The key of each guideline covers its siblings' guideline.yaml; one check of a library of n
    guidelines hashes each of them once (a no-op of 200 guidelines hashed 40,000 files)."""
    monkeypatch.chdir(tmp_path)
    folders = make_library(tmp_path / "content", 12)
    cache = CheckCache(tmp_path / "cache")
    load_and_check(folders, CTX, cache)
    hashed = []
    real = check_cache.file_sha256
    monkeypatch.setattr(check_cache, "file_sha256", lambda path, *a, **k: (hashed.append(path.name), real(path, *a, **k))[1])
    warm = load_and_check(folders, CTX, cache)
    assert warm.ok and hashed.count("guideline.yaml") <= len(folders)
    # ... and the memo lives for one run only: a sibling edited before the next check is seen
    edit(folders[3] / "guideline.yaml", "\ntitle: ", "\ntitle: Edited ")
    monkeypatch.setattr(check_cache.CheckCache, "put_check", lambda self, folder, *a: stored.append(Path(folder).name))
    stored: list[str] = []
    load_and_check(folders, CTX, cache)
    assert sorted(stored) == sorted(f.name for f in folders)  # every key covers the edited sibling
