"""The documents a build produces, and what each one depends on.

This is the contract between the renderers and the build engine:

* each document has a `view(guideline) -> dict`: a JSON-serialisable projection holding exactly
  the content the document shows (the patient explainer's view has no clinician text, and so on);
* `render(view, assets) -> bytes` turns the view into the file, using only the view, the templates
  and the assets;
* the build engine hashes the view (plus templates, assets, generator and dependency versions) to
  decide whether an output is stale, writes outputs atomically, and renders documents in parallel.

So an edit that leaves a document's view unchanged cannot change that document, by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentSpec:
    name: str  # stable id used in manifest.json, e.g. "clinician-protocol-pdf"
    filename: str  # file under build/<guideline-id>/
    module: str  # module with view(guideline) and render(view, assets)
    templates: tuple[str, ...] = ()  # folders under templates/ the output depends on
    needs: tuple[str, ...] = ()  # other documents whose bytes this one embeds (e.g. the flowchart)
    pdf: bool = False  # rendered with WeasyPrint (skipped by --html-only)
    extra: dict = field(default_factory=dict)
