"""The documents a build produces, and what each one depends on.

This is the contract between the renderers (generator/render/) and the build engine:

* each document module has `view(guideline, given) -> dict`: a JSON-serialisable projection holding
  exactly the content the document shows (the patient explainer's view has no clinician text,
  the flowchart's view has only the algorithm and the statement numbers it shows, ...);
  `view` returns None when the guideline has no such document (no `patient:` block, no patient
  explainer); documents that need an absent one are absent too, and their old outputs are removed.
  A view reads only the guideline and `given` (a `ViewInputs`: the release history, loaded once per
  guideline by `view_inputs` before any view); it never runs git or reads files;
* and `render(view, deps) -> bytes`, which turns the view into the file using only the view,
  the bytes of the documents listed in `needs` (`deps[name]`), the templates and the assets;
* the build engine hashes the view (plus the template folders, generator and dependency
  versions, and the bytes of `needs`) to decide whether an output is stale, writes outputs
  atomically, and renders independent documents in parallel.

So an edit that leaves a document's view unchanged cannot change that document, by construction.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

# What a view sees when no release history was loaded for it: "What changed in this version" is left out.
NO_HISTORY = {"status": "unknown", "version": "", "reason": "no release history was given"}


@dataclass(frozen=True)
class ViewInputs:
    """What every view is given besides the guideline, computed once per guideline before the views.

    `history` is `generator.history.changes.changes_since_previous_release(guideline)`: what changed
    since the previous release tag (the protocol's "What changed in this version", the explainer's
    change notices). Loading it runs git and loads the old release; the views only read it.
    """

    history: dict = field(default_factory=lambda: dict(NO_HISTORY))


def view_inputs(guideline) -> ViewInputs:
    """The inputs of one guideline's views: its release history, loaded once (the one place views'
    git reading happens; the build engine calls it before computing the views)."""
    from generator.history.changes import changes_since_previous_release

    return ViewInputs(history=changes_since_previous_release(guideline))



@dataclass(frozen=True)
class DocumentSpec:
    name: str  # stable id used in manifest.json
    filename: str  # file under build/<guideline-id>/
    module: str  # module with view(guideline, given) -> dict and render(view, deps) -> bytes
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
