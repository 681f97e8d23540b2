"""The one hashing module: bounded, never through a link, and the check cache's key covers exactly what the loader reads."""

from __future__ import annotations

import os
from pathlib import Path

from generator.build import hashing


def test_the_cache_key_names_every_file_the_loader_reads():
    from generator.content.loader import KNOWN_FILES

    assert set(KNOWN_FILES) == set(hashing.CONTENT_FILES)


def test_file_sha256_refuses_links_fifos_and_files_over_the_bound(tmp_path):
    real = tmp_path / "real.pdf"
    real.write_bytes(b"%PDF-1.7 a document")
    assert hashing.file_sha256(real) == hashing.sha256(b"%PDF-1.7 a document")
    (tmp_path / "link.pdf").symlink_to(real)
    assert hashing.file_sha256(tmp_path / "link.pdf") is None
    os.mkfifo(tmp_path / "fifo.pdf")  # opening it blocking would hang
    assert hashing.file_sha256(tmp_path / "fifo.pdf") is None
    assert hashing.file_sha256(real, limit=5) is None
    assert hashing.file_sha256(tmp_path / "missing.pdf") is None


def test_content_key_follows_an_in_folder_link_and_ignores_what_the_loader_never_reads(tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "statements-real.yaml").write_text("statements: []\n")
    (folder / "statements.yaml").symlink_to("statements-real.yaml")
    (folder / "video.mp4").write_bytes(b"x" * 100)
    (folder / "sub").mkdir()
    (folder / "sub" / "a.yaml").write_text("a: 1\n")
    first = hashing.content_files(folder)
    assert set(first) == {"statements.yaml", "statements-real.yaml"}
    (folder / "video.mp4").write_bytes(b"y" * 100)
    (folder / "sub" / "a.yaml").write_text("a: 2\n")
    assert hashing.content_files(folder) == first
    (folder / "statements-real.yaml").write_text("statements: [1]\n")  # the link's target changed
    assert hashing.content_files(folder)["statements.yaml"] != first["statements.yaml"]


def test_tree_files_never_follows_a_link(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.css").write_text("body {}")
    (tmp_path / "t" / "passwd").symlink_to("/etc/passwd")
    (tmp_path / "t" / "__pycache__").mkdir()
    (tmp_path / "t" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    files = hashing.tree_files(tmp_path / "t")
    assert files == {"a.css": hashing.sha256(b"body {}"), "passwd": "link:/etc/passwd"}
    assert hashing.tree_hash(tmp_path / "missing") != hashing.tree_hash(tmp_path / "t")


def test_content_key_covers_the_translations_the_loader_reads(tmp_path):
    import shutil

    folder = tmp_path / "g"
    shutil.copytree(Path(__file__).parent / "fixtures" / "valid" / "translated", folder)
    first = hashing.content_files(folder)
    assert "translations/es.po" in first
    (folder / "translations" / "notes.txt").write_text("not read by the loader\n")
    assert hashing.content_files(folder) == first
    po = folder / "translations" / "es.po"
    po.write_text(po.read_text() + "\n")
    assert hashing.content_files(folder)["translations/es.po"] != first["translations/es.po"]
    (folder / "translations" / "es.pot").write_text("")  # the unknown-file warning: its name counts
    assert "translations/es.pot" in hashing.content_files(folder)
