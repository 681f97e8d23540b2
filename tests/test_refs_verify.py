"""`guideline refs verify` against a local server on 127.0.0.1 that answers like Crossref's REST API."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.tools import refs_verify as rv

TITLE = "Local ablative therapy of oligoprogressive disease prolongs disease control"


def work(doi: str, title: str | list[str] = TITLE, **extra) -> dict:
    """A Crossref /works/{doi} answer, trimmed to the fields that matter (the real one has many more)."""
    message = {
        "indexed": {"date-parts": [[2025, 1, 1]]},
        "publisher": "Elsevier BV",
        "DOI": doi,
        "type": "journal-article",
        "title": [title] if isinstance(title, str) else title,
        "container-title": ["Journal of Thoracic Oncology"],
        "URL": f"https://doi.org/{doi}",
        **extra,
    }
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}


RETRACTION = {"DOI": "10.1000/notice-1", "type": "retraction", "label": "Retraction", "source": "retraction-watch",
              "updated": {"date-parts": [[2024, 5, 2]]}}
CONCERN = {"DOI": "10.1000/notice-2", "type": "expression_of_concern", "label": "Expression of concern",
           "source": "publisher", "updated": {"date-parts": [[2023, 1, 9]]}}

ANSWERS = {
    "10.1000/found": (200, work("10.1000/found", "Local <i>Ablative</i> Therapy of Oligoprogressive Disease",
                                subtitle=["Prolongs disease control"])),
    "10.1000/mismatch": (200, work("10.1000/mismatch", "Pembrolizumab versus chemotherapy for PD-L1-positive NSCLC")),
    "10.1000/retracted": (200, work("10.1000/retracted", **{"updated-by": [RETRACTION]})),
    "10.1000/concern": (200, work("10.1000/concern", **{"updated-by": [CONCERN]})),
    "10.1000/notice": (200, work("10.1000/notice", **{"update-to": [{**RETRACTION, "DOI": "10.1000/original"}]})),
    "10.1000/relation": (200, work("10.1000/relation", relation={"is-retracted-by": [{"id-type": "doi", "id": "10.1000/n"}]})),
    "10.1000/server-error": (500, "Internal Server Error"),
    "10.1000/not-json": (200, "<html><body>Service temporarily unavailable</body></html>"),
    "10.1000/no-message": (200, {"status": "ok", "message": ["not", "a", "work"]}),
    "10.1000/a?b#c": (200, work("10.1000/a?b#c")),
    "10.1000/forged": (200, work("10.1000/forged", "Forged\nx.yaml:1:1: error[fake]: \x1b[2Jgotcha", **{"updated-by": [
        {**RETRACTION, "DOI": "10.1000/n\nx.yaml:1:1: error[fake]: \x1b[31m", "source": "evil\r\n::error::forged"}]})),
}


class Crossref:
    """A threading HTTP server on 127.0.0.1 (port 0) with a log of every request it received."""

    def __init__(self):
        self.requests: list[dict] = []
        self.slow_seconds = 3.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                outer.requests.append({"path": self.path, "ua": self.headers.get("User-Agent", "")})
                prefix = "/works/"
                if not self.path.startswith(prefix):
                    return self._send(404, "Resource not found.")
                from urllib.parse import unquote

                doi = unquote(self.path[len(prefix):]).lower()
                if doi == "10.1000/slow":
                    time.sleep(outer.slow_seconds)
                    return self._send(200, work(doi))
                if doi == "10.1000/drip":  # headers at once, then a byte now and then: never finishes in time
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    for _ in range(40):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.1)
                    return
                if doi == "10.1000/garbage":  # not HTTP at all
                    self.wfile.write(b"garbage\r\n\r\n")
                    self.close_connection = True
                    return
                if doi == "10.1000/cut-off":  # promises 1000 bytes, sends 10, hangs up
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b'{"status":')
                    self.close_connection = True
                    return
                if doi == "10.1000/huge":
                    return self._send(200, {"message": {"title": ["x" * (rv.MAX_RESPONSE_BYTES + 10)]}})
                status, body = ANSWERS.get(doi, (404, "Resource not found."))
                return self._send(status, body)

            def _send(self, status, body):
                raw = (json.dumps(body) if not isinstance(body, str) else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                try:
                    self.wfile.write(raw)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def dois_asked(self) -> list[str]:
        from urllib.parse import unquote

        return [unquote(r["path"][len("/works/"):]) for r in self.requests]


@pytest.fixture
def crossref():
    server = Crossref()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _reference(key: str, doi: str, title: str = TITLE, caution: str | None = None) -> str:
    text = f"  - id: {key}\n    type: article-journal\n    title: {json.dumps(title)}\n    DOI: {json.dumps(doi)}\n"
    if caution:
        text += f"    caution: {caution}\n"
    return text


@pytest.fixture
def guideline(minimal):
    """The minimal fixture with its references replaced by the given ones (returns a writer)."""

    def write(*refs: str) -> Path:
        (minimal / "references.yaml").write_text("references:\n" + "".join(refs), encoding="utf-8")
        return minimal

    return write


def verify(cli, crossref, folder, *extra):
    return cli("refs", "verify", "--online", "--api", crossref.url, "--cache", ".cache/refs", "--timeout", "0.5",
               "--format", "json", *extra, str(folder))


def _diags(result) -> list[dict]:
    return json.loads(result.stdout) if result.stdout.strip() else []


def _line_of(folder: Path, needle: str) -> int:
    lines = (folder / "references.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --------------------------------------------------------------------------- Crossref's answers


def test_found_with_matching_title_passes(cli, crossref, guideline):
    folder = guideline(_reference("a", "https://doi.org/10.1000/FOUND",
                                  "Local ablative therapy of oligoprogressive disease: prolongs disease-control."))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 0, result.output
    assert _diags(result) == []
    assert crossref.dois_asked() == ["10.1000/found"]  # normalised: no doi.org prefix, lower case
    assert crossref.requests[0]["ua"].startswith("guideline-as-code/")
    assert "1 reference verified, 0 failed" in result.stderr


def test_not_found(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/found"), _reference("b", "10.1000/typo"))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 1
    [d] = _diags(result)
    assert (d["code"], d["severity"], d["line"]) == ("doi-not-found", "error", _line_of(folder, "10.1000/typo"))
    assert d["path"].endswith("references.yaml")
    assert "10.1000/typo" in d["message"]


def test_mismatched_title(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/mismatch"))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 1
    [d] = _diags(result)
    assert (d["code"], d["line"]) == ("title-mismatch", _line_of(folder, "title:"))
    assert "Pembrolizumab versus chemotherapy" in d["message"]


def test_retraction(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/retracted"))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 1
    [d] = _diags(result)
    assert (d["code"], d["severity"], d["line"]) == ("retracted", "error", _line_of(folder, "DOI:"))
    assert "10.1000/notice-1" in d["message"] and "retraction-watch" in d["message"]


def test_retraction_acknowledged_by_caution_is_a_warning(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/retracted", caution="Retracted in 2024; kept for the history of the recommendation."))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 0, result.output
    assert [(d["code"], d["severity"]) for d in _diags(result)] == [("retracted", "warning")]


def test_retraction_recorded_as_relation(cli, crossref, guideline):
    result = verify(cli, crossref, guideline(_reference("a", "10.1000/relation")))
    assert result.exit_code == 1
    assert [d["code"] for d in _diags(result)] == ["retracted"]


def test_citing_the_retraction_notice_itself(cli, crossref, guideline):
    result = verify(cli, crossref, guideline(_reference("a", "10.1000/notice")))
    assert result.exit_code == 1
    [d] = _diags(result)
    assert d["code"] == "retracted" and "notice for 10.1000/original" in d["message"]


def test_expression_of_concern(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/concern"))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 1
    [d] = _diags(result)
    assert (d["code"], d["severity"], d["line"]) == ("expression-of-concern", "error", _line_of(folder, "DOI:"))


@pytest.mark.parametrize(
    "doi, why",
    [
        ("10.1000/slow", "no answer within 0.5 s"),
        ("10.1000/drip", "no answer within 0.5 s"),
        ("10.1000/server-error", "HTTP 500"),
        ("10.1000/not-json", "invalid JSON"),
        ("10.1000/no-message", "invalid JSON"),
        ("10.1000/huge", "larger than"),
        ("10.1000/garbage", "invalid answer"),
        ("10.1000/cut-off", "cut off"),
    ],
)
def test_slow_or_failed_answer_is_a_diagnostic_not_a_crash(cli, crossref, guideline, doi, why):
    folder = guideline(_reference("a", doi))
    started = time.monotonic()
    result = verify(cli, crossref, folder)
    assert time.monotonic() - started < 3.0  # the timeout holds, also against a server that drips bytes
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [d] = _diags(result)
    assert d["code"] == "doi-unverified" and why in d["message"] and "could not verify" in d["message"]


def _closed_port() -> int:
    """A loopback port nobody listens on: bind one, then close it."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_unreachable_api_is_said_once_and_fails(cli, guideline, tmp_path, fmt):
    """No network: one line saying the server cannot be reached, not one error per reference."""
    folder = guideline(*(_reference(k, f"10.1000/found-{k}") for k in "abc"))
    api = f"http://127.0.0.1:{_closed_port()}"
    result = cli("refs", "verify", "--online", "--api", api, "--cache", "c", "--format", fmt, str(folder))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    said = [line for line in result.output.splitlines() if "cannot reach" in line]
    assert len(said) == 1 and said[0].startswith(f"refs verify: error: cannot reach {api} (")
    assert "doi-unverified" not in result.output
    assert "refs verify: 0 references verified, 0 failed, 3 not verified" in result.output
    if fmt == "json":
        assert _diags(result) == []


def test_unreachable_api_still_reports_what_the_cache_knows(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/found"), _reference("b", "10.1000/not-found"))
    assert verify(cli, crossref, folder).exit_code == 1  # b is not registered: cached as not found
    api = f"http://127.0.0.1:{_closed_port()}"
    result = cli("refs", "verify", "--online", "--api", api, "--cache", ".cache/refs", "--format", "json", str(folder))
    assert result.exit_code == 1
    assert [d["code"] for d in _diags(result)] == ["doi-not-found"]
    assert "2 answered from the cache" in result.output and "cannot reach" not in result.output


def test_doi_characters_are_escaped_in_the_url(cli, crossref, guideline):
    result = verify(cli, crossref, guideline(_reference("a", "10.1000/a?b#c")))
    assert result.exit_code == 0, result.output
    assert crossref.requests[0]["path"] == "/works/10.1000/a%3Fb%23c"


def test_server_text_cannot_forge_output_lines(cli, crossref, guideline):
    result = cli("refs", "verify", "--online", "--api", crossref.url, "--cache", "c", str(guideline(_reference("a", "10.1000/forged"))))
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert not any(line.startswith(("x.yaml", "::error")) for line in result.output.splitlines()), result.output
    assert sorted(line.split("error[")[1].split("]")[0] for line in result.output.splitlines() if "error[" in line) == ["retracted", "title-mismatch"]


def test_api_must_be_http(cli, guideline):
    folder = guideline(_reference("a", "10.1000/found"))
    for api in ("file:///etc/passwd", "ftp://example.org", "not a url"):
        assert cli("refs", "verify", "--online", "--api", api, str(folder)).exit_code == 2


# --------------------------------------------------------------------------- cache and offline mode


def test_second_run_is_answered_from_the_cache(cli, crossref, guideline, tmp_path):
    folder = guideline(_reference("a", "10.1000/found"), _reference("b", "10.1000/retracted"))
    first = verify(cli, crossref, folder)
    assert len(crossref.requests) == 2
    second = verify(cli, crossref, folder)
    assert len(crossref.requests) == 2  # no request at all
    assert _diags(second) == _diags(first) and second.exit_code == first.exit_code == 1
    assert "2 answered from the cache" in second.stderr
    files = sorted((tmp_path / ".cache" / "refs").glob("*.json"))
    assert len(files) == 2
    record = json.loads(files[0].read_text())
    assert record["doi"] in {"10.1000/found", "10.1000/retracted"}
    assert dt.datetime.fromisoformat(record["fetched"]).tzinfo is not None

    verify(cli, crossref, folder, "--refresh")
    assert len(crossref.requests) == 4


def test_failures_are_not_cached(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/server-error"))
    verify(cli, crossref, folder)
    verify(cli, crossref, folder)
    assert len(crossref.requests) == 2


def test_old_cache_entries_are_asked_again(cli, crossref, guideline, tmp_path):
    folder = guideline(_reference("a", "10.1000/found"))
    verify(cli, crossref, folder)
    [file] = (tmp_path / ".cache" / "refs").glob("*.json")
    record = json.loads(file.read_text())
    record["fetched"] = "2020-01-01T00:00:00+00:00"
    file.write_text(json.dumps(record))
    verify(cli, crossref, folder)
    assert len(crossref.requests) == 2
    verify(cli, crossref, folder, "--max-age", "100000")
    assert len(crossref.requests) == 2


def test_corrupt_cache_is_ignored(cli, crossref, guideline, tmp_path):
    folder = guideline(_reference("a", "10.1000/found"))
    verify(cli, crossref, folder)
    [file] = (tmp_path / ".cache" / "refs").glob("*.json")
    file.write_text("{not json")
    result = verify(cli, crossref, folder)
    assert result.exit_code == 0 and len(crossref.requests) == 2
    file.write_text("[1, 2]")
    result = verify(cli, crossref, folder)
    assert result.exit_code == 0 and len(crossref.requests) == 3


@pytest.mark.parametrize("field, value", [("titles", 5), ("updated_by", [{"type": 1}]), ("status", "error"), ("doi", "10.1000/other"), ("fetched", "2020-01-01T00:00:00"), ("fetched", 7)])
def test_tampered_cache_record_is_asked_again(cli, crossref, guideline, tmp_path, field, value):
    folder = guideline(_reference("a", "10.1000/found"))
    verify(cli, crossref, folder)
    [file] = (tmp_path / ".cache" / "refs").glob("*.json")
    record = json.loads(file.read_text())
    record[field] = value
    file.write_text(json.dumps(record))
    result = verify(cli, crossref, folder)
    assert result.exit_code == 0, result.output
    assert len(crossref.requests) == 2


def test_offline_by_default_reports_cached_results_only(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/retracted"), _reference("b", "10.1000/concern"))
    offline = cli("refs", "verify", "--api", crossref.url, "--cache", ".cache/refs", "--format", "json", str(folder))
    assert offline.exit_code == 0
    assert crossref.requests == []
    assert offline.stderr.startswith("offline:") and "--online" in offline.stderr
    assert "2 not in the cache (not verified)" in offline.stderr
    assert _diags(offline) == []

    verify(cli, crossref, folder)  # fills the cache
    asked = len(crossref.requests)
    offline = cli("refs", "verify", "--api", crossref.url, "--cache", ".cache/refs", "--format", "json", str(folder))
    assert offline.exit_code == 0
    assert len(crossref.requests) == asked
    assert sorted(d["code"] for d in _diags(offline)) == ["expression-of-concern", "retracted"]
    assert "offline:" in offline.stderr


def test_text_format_and_summary(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/found"), _reference("b", "10.1000/typo"))
    result = cli("refs", "verify", "--online", "--api", crossref.url, "--cache", "c", str(folder))
    assert result.exit_code == 1
    line = _line_of(folder, "10.1000/typo")
    assert f"content/minimal/references.yaml:{line}:" in result.output
    assert "error[doi-not-found]" in result.output
    assert "refs verify: 2 references verified, 1 failed" in result.output


def test_broken_references_file_is_reported_not_counted_as_passing(cli, crossref, guideline):
    folder = guideline("  - id: a\n    title: A title: with a colon\n")
    result = verify(cli, crossref, folder)
    assert result.exit_code == 1
    assert [d["code"] for d in _diags(result)] == ["yaml-syntax"]
    assert crossref.requests == []


def test_check_and_build_never_ask_crossref(cli, crossref, guideline):
    folder = guideline(_reference("a", "10.1000/typo"))
    cli("check", str(folder))
    assert crossref.requests == []


# --------------------------------------------------------------------------- title normalisation


@pytest.mark.parametrize(
    "cited, registered",
    [
        ("Local ablative therapy", "LOCAL ABLATIVE THERAPY"),
        ("Local ablative therapy.", "Local ablative therapy"),
        ("Erlotinib in EGFR-mutant NSCLC", "Erlotinib in <i>EGFR</i>‐mutant NSCLC"),  # tags, Unicode hyphen
        ("Erlotinib in EGFR-mutant NSCLC", "Erlotinib in &lt;i&gt;EGFR&lt;/i&gt;-mutant NSCLC"),
        ("Osimertinib: the FLAURA trial", "Osimertinib — the FLAURA trial"),
        ("Treatment  of\nlung cancer", "Treatment of lung cancer"),
        ("Efficacy of ﬁrst-line therapy", "Efficacy of first-line therapy"),  # NFKC: the ﬁ ligature
        ("Ｓｔａｇｅ IV", "Stage IV"),  # NFKC: full-width letters
        ("Ménière's disease", "Ménière’s disease"),  # composed/decomposed, curly apostrophe
    ],
)
def test_titles_that_match(cited, registered):
    assert rv.titles_match(cited, [registered])


@pytest.mark.parametrize(
    "cited, registered",
    [
        ("Local ablative therapy", "Local ablative therapy in breast cancer"),
        ("Stage III", "Stage IV"),
        ("", ""),
    ],
)
def test_titles_that_differ(cited, registered):
    assert not rv.titles_match(cited, [registered])


# --------------------------------------------------------------------------- any answer shape


from hypothesis import given, settings
from hypothesis import strategies as st

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from(["title", "subtitle", "type", "updated-by", "update-to", "relation", "original-title", "short-title", "DOI"])


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(message=st.dictionaries(_keys, _json, max_size=6), title=st.text(max_size=60))
def test_any_work_record_is_judged_without_raising(message, title):
    from generator.content.models import Reference

    ref = Reference.model_validate({"id": "a", "type": "article-journal", "title": title or "x", "DOI": "10.1000/x"})
    lookup = rv.parse_work("10.1000/x", message)
    for d in rv.judge(ref, lookup):
        assert d.code in {"title-mismatch", "retracted", "expression-of-concern"}
        assert "\n" not in d.message and "\x1b" not in d.message
