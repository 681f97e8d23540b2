"""`Guideline`: one guideline as loaded, the type every stage reads.

It lives beside the models (not in the loader) so that check rules, renderers and exporters name
the type without importing the loader; only what loads guidelines imports generator.content.loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.content.models import (
    AlgorithmFile,
    AlgorithmNode,
    Feature,
    GuidelineMeta,
    Reference,
    Statement,
    Vignette,
    VignettesFile,
)
from generator.content.po import Translation
from generator.content.signoff import SignoffFile
from generator.content.yaml_source import SourceMap


@dataclass
class Guideline:
    """A loaded guideline. Parts that failed to load are None / missing; diagnostics say why."""

    folder: Path
    meta: GuidelineMeta | None = None
    statements: list[Statement] = field(default_factory=list)
    # The guideline's references: its own (references.yaml in its folder) and the entries of the
    # library bibliography (references.yaml beside the guideline folders) that its statements cite.
    references: list[Reference] = field(default_factory=list)
    library_references: list[Reference] = field(default_factory=list)  # every entry of the library bibliography
    library_path: str | None = None  # the library bibliography's displayed path, when there is one
    # The other guidelines of the library (folders beside this one), by id: what `related` links
    # need (title, version, status, documents) and whom they relate to. Filled only when this
    # guideline declares `related`.
    library_guidelines: dict[str, dict] = field(default_factory=dict)
    algorithm: AlgorithmFile | None = None
    nodes: list[AlgorithmNode] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)  # the algorithm's inputs (algorithm.yaml `features:`)
    vignettes: list[Vignette] = field(default_factory=list)  # vignettes.yaml (optional file)
    vignettes_file: VignettesFile | None = None
    signoff: SignoffFile | None = None  # signoff.yaml (optional): panel, interests, approvals, votes
    translations: dict[str, Translation] = field(default_factory=dict)  # translations/<lang>.po, by language
    sources: dict[str, SourceMap] = field(default_factory=dict)  # file name -> source map
    paths: dict[str, str] = field(default_factory=dict)  # file name -> displayed path
    file_hashes: dict[str, str] = field(default_factory=dict)  # file name -> sha256 of its bytes
    texts: dict[str, str] = field(default_factory=dict)  # file name -> its text, as read
    # Ids written in the files, including those of items that failed validation: rules use them
    # so that one broken statement does not also produce "unknown statement" errors elsewhere.
    declared_ids: dict[str, set[str]] = field(default_factory=dict)
    complete: bool = True  # False when any file or item failed to load

    @property
    def id(self) -> str:
        return self.meta.id if self.meta else self.folder.name

    def known_ids(self, kind: str) -> set[str]:
        """Ids of `kind` ("statements", "references", "nodes") as written, valid or not."""
        return self.declared_ids.get(kind, set())

    @property
    def statements_by_id(self) -> dict[str, Statement]:
        return {s.id: s for s in self.statements}

    @property
    def references_by_id(self) -> dict[str, Reference]:
        return {r.id: r for r in self.references}

    @property
    def nodes_by_id(self) -> dict[str, AlgorithmNode]:
        return {n.id: n for n in self.nodes}

    @property
    def features_by_name(self) -> dict[str, Feature]:
        return {f.name: f for f in self.features}
