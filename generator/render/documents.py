"""The documents a build produces, and what each one depends on.

This is the contract between the renderers (generator/render/) and the build engine:

* each document module has `view(guideline) -> dict`: a JSON-serialisable projection holding
  exactly the content the document shows (the patient explainer's view has no clinician text,
  the flowchart's view has only the algorithm and the statement numbers it shows, ...);
  `view` returns None when the guideline has no such document (no `patient:` block, no patient
  explainer); documents that need an absent one are absent too, and their old outputs are removed;
* and `render(view, deps) -> bytes`, which turns the view into the file using only the view,
  the bytes of the documents listed in `needs` (`deps[name]`), the templates and the assets;
* the build engine hashes the view (plus the template folders, generator and dependency
  versions, and the bytes of `needs`) to decide whether an output is stale, writes outputs
  atomically, and renders independent documents in parallel.

So an edit that leaves a document's view unchanged cannot change that document, by construction.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class DocumentSpec:
    name: str  # stable id used in manifest.json
    filename: str  # file under build/<guideline-id>/
    module: str  # module with view(guideline) -> dict and render(view, deps) -> bytes
    templates: tuple[str, ...] = ()  # folders under templates/ the output depends on
    needs: tuple[str, ...] = ()  # documents whose bytes this one embeds or converts
    pdf: bool = False  # rendered with WeasyPrint (skipped by --html-only)

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("flowchart", "flowchart.svg", "generator.render.flowchart", templates=("flowchart", "fonts")),
    DocumentSpec(
        "clinician-protocol-html",
        "clinician-protocol.html",
        "generator.render.protocol",
        templates=("protocol", "shared"),
        needs=("flowchart",),
    ),
    DocumentSpec(
        "clinician-protocol-pdf",
        "clinician-protocol.pdf",
        "generator.render.protocol_pdf",
        templates=("protocol", "shared"),
        needs=("clinician-protocol-html", "flowchart"),
        pdf=True,
    ),
    DocumentSpec(
        "patient-explainer-html",
        "patient-explainer.html",
        "generator.render.patient_translations",  # and patient-explainer.<lang>.html per translation
        templates=("patient", "shared"),
    ),
    DocumentSpec(
        "patient-explainer-pdf",
        "patient-explainer.pdf",
        "generator.render.patient_pdf",  # and patient-explainer.<lang>.pdf per translation
        templates=("patient", "shared"),
        needs=("patient-explainer-html",),
        pdf=True,
    ),
    # DOI-ready metadata of this version (docs/release.md): citation, DataCite and Zenodo records.
    DocumentSpec("citation-cff", "CITATION.cff", "generator.render.metadata.cff"),
    DocumentSpec("datacite-json", "datacite.json", "generator.render.metadata.datacite"),
    DocumentSpec("zenodo-json", "zenodo.json", "generator.render.metadata.zenodo"),
)

BY_NAME = {d.name: d for d in DOCUMENTS}
