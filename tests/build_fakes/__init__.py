"""Cheap stand-ins for the real document modules, with the same registry shape and the same
projections (the patient documents see only patient text, the flowchart only the algorithm).

They let the build-engine tests exercise incremental decisions, atomicity and parallelism in
milliseconds. FAKE_RENDER_DELAY (seconds) slows each render down, for the kill test.
"""

from __future__ import annotations

import hashlib
import io
import os
import time

from generator.render.documents import DocumentSpec

P = "tests.build_fakes."

DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("flowchart", "flowchart.svg", P + "flowchart", templates=("flowchart",)),
    DocumentSpec("clinician-protocol-html", "clinician-protocol.html", P + "protocol", templates=("protocol", "shared"), needs=("flowchart",)),
    DocumentSpec("clinician-protocol-pdf", "clinician-protocol.pdf", P + "protocol_pdf", templates=("protocol", "shared"),
                 needs=("clinician-protocol-html", "flowchart"), pdf=True),
    DocumentSpec("patient-explainer-html", "patient-explainer.html", P + "patient", templates=("patient", "shared")),
    DocumentSpec("patient-explainer-pdf", "patient-explainer.pdf", P + "patient_pdf", templates=("patient", "shared"),
                 needs=("patient-explainer-html",), pdf=True),
)


def slow() -> None:
    delay = float(os.environ.get("FAKE_RENDER_DELAY", "0") or 0)
    if delay:
        time.sleep(delay)


def pad() -> int:
    """Bytes of padding per document (FAKE_RENDER_PAD), so writes take long enough to be interrupted."""
    return int(os.environ.get("FAKE_RENDER_PAD", "0") or 0)


def pdf_from(title: str, body: bytes) -> bytes:
    """A real, deterministic PDF whose content depends on `body`."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = DecodedStreamObject()
    digest = hashlib.sha256(body).hexdigest()
    filler = b"%" + b"x" * 70 + b"\n"
    stream.set_data(b"BT /F1 12 Tf 72 770 Td (" + digest.encode() + b") Tj ET\n" + filler * (pad() // len(filler)))
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": title, "/Subject": digest})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
