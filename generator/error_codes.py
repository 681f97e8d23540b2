"""Every diagnostic code, with what it means and how to fix it (docs/error-codes.md is generated from this)."""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    # files and YAML
    "missing-file": ("a guideline folder lacks one of its files", "add guideline.yaml, statements.yaml, references.yaml (or .json; optional when a library bibliography content/references.yaml exists) and algorithm.yaml (vignettes.yaml is optional)"),
    "duplicate-file": ("both references.yaml and references.json exist", "keep one of them"),
    "unknown-file": ("a YAML/JSON file in the folder is not a guideline file (warning)", "rename it to the file it was meant to be, or move it out"),
    "file-unreadable": ("the file cannot be read (permissions, a broken link)", "fix the file's permissions or restore it"),
    "file-too-large": ("the file is over the 2 MiB limit for content files", "split the content; no guideline file needs to be this large"),
    "encoding-bom": ("the file starts with a UTF-8 byte-order mark", "save as UTF-8 without BOM"),
    "encoding-not-utf8": ("the file holds bytes that are not UTF-8, or a NUL byte", "save the file as UTF-8"),
    "symlink-outside": ("a content file is a symbolic link to a file outside the guideline folder (never read)", "replace the link with the file itself"),
    "symlink-loop": ("a content file is a symbolic link that leads back to itself (`ln -s statements.yaml statements.yaml`)", "replace the link with the file itself"),
    "json-syntax": ("references.json is not strict JSON (a comment, a trailing comma, single quotes)", "fix the JSON at the line shown, or export it again from the reference manager"),
    "yaml-empty": ("the file has no content", "write the file's fields (see README, Content format)"),
    "yaml-syntax": ("the YAML cannot be parsed (tabs, bad indentation, an unclosed quote, a truncated file)", "fix the YAML at the line shown; indent with spaces"),
    "yaml-duplicate-key": ("a mapping has the same key twice; YAML would silently keep the last one", "delete or rename one of the keys"),
    "yaml-tag": ("a YAML tag (!!python/..., !custom) or merge key (<<) is used", "write plain values; tags are never executed and not allowed"),
    "yaml-key": ("a mapping key is not a plain string", "use a plain word as the key"),
    "yaml-alias-limit": ("aliases expand to more than 200,000 values or 4 Mi characters of text (an alias bomb)", "write values out instead of nesting aliases"),
    "yaml-too-deep": ("nesting deeper than 64 levels", "flatten the structure"),
    # model
    "unknown-field": ("a field name the content model does not know (a typo, usually)", "use the field suggested by 'did you mean'"),
    "missing-field": ("a required field is missing", "add the field named in the message"),
    "wrong-type": ("a value has the wrong type (a number where text is needed, a list where a mapping is needed)", "quote numbers meant as text; match the shape in the README"),
    "invalid-value": ("a value is outside what the field allows", "use one of the values the message lists"),
    "invalid-id": ("an id is not a slug (lowercase letters, digits, hyphens)", "rename it, e.g. rec-continue-tki"),
    "invalid-version": ("the version is not semantic (MAJOR.MINOR.PATCH)", "write e.g. 1.0.0"),
    "duplicate-id": ("two statements, references, nodes or sections share an id, or two guideline folders one guideline id", "give each a unique id"),
    # the repository around the guidelines (generator/build/checked.py: tracked_outputs)
    "tracked-output": ("git tracks the generator's cache (`.cache/`) or outputs (`build/`): a committed cache entry or manifest could pass for what the generator wrote", "`git rm -r --cached .cache build` and list both in .gitignore; CI builds from a clean tree"),
    # citations and references
    "missing-citation": ("a statement cites no reference", "add at least one reference key under citations"),
    "unknown-reference": ("a citation key matches no reference (of the guideline, or of the library bibliography)", "fix the key or add the reference to references.yaml (the library's content/references.yaml when other guidelines cite it too)"),
    "unsupported-number": ("a number in a statement (text, evidence row or patient text) appears in no quote or locator of the references it cites (warning)", "quote the passage that gives the number in the citation, or list the number under definition_numbers if the guideline sets it (a threshold); see docs/clinical-content.md"),
    "duplicate-citation": ("a statement cites the same reference twice (warning)", "cite it once"),
    "invalid-doi": ("a DOI is empty, has spaces or is not 10.<registrant>/<suffix>", "copy the DOI from doi.org or the publisher's page"),
    "library-duplicate": ("a guideline's references.yaml holds a reference that the library bibliography (content/references.yaml) also holds (same id or same DOI): two records that can drift apart", "delete the guideline's copy; its statements cite the library entry (by the library's id)"),
    "duplicate-doi": ("two references have the same DOI", "merge them into one reference"),
    # `guideline refs verify` only (answers from Crossref; tested in tests/test_refs_verify.py)
    "doi-not-found": ("Crossref has no record of the DOI *(refs verify)*", "copy the DOI again from the publisher's page; check it resolves at doi.org"),
    "title-mismatch": ("the title differs from the one registered for the DOI *(refs verify)*", "fix the title or the DOI: one of them belongs to another work"),
    "retracted": ("Crossref records a retraction (or withdrawal) of the work, or the DOI is a retraction notice *(refs verify)*", "stop citing it; if it must stay, say why under `caution:` (then it is a warning)"),
    "expression-of-concern": ("Crossref records an expression of concern about the work *(refs verify)*", "weigh the evidence again; record it under `caution:` (then it is a warning)"),
    "doi-unverified": ("Crossref could not be asked (timeout, server error, invalid answer) *(refs verify)*", "run `guideline refs verify --online` again later"),
    "unused-reference": ("a reference is cited by no statement (warning)", "cite it or remove it"),
    # grading
    "missing-grade": ("a recommendation has no level of evidence and strength", "add grade: {level: ..., strength: ...}"),
    "invalid-grade": ("a level or strength is not part of the declared grading system", "use a value the message lists, or change `grading`"),
    "strong-on-low-certainty": ("a strong recommendation rests on low or very low certainty and gives no rationale (GRADE)", "add grade.rationale naming the paradigmatic situation that justifies it, or make the recommendation conditional"),
    "unexpected-grade": ("a statement that is not a recommendation carries a grade", "remove the grade or make it a recommendation"),
    # sections and patient text
    "unknown-section": ("a statement names a section not declared in guideline.yaml", "declare the section or fix the name"),
    "unknown-patient-section": ("patient text names a patient section not declared under patient.sections", "declare it or fix the name"),
    "unknown-statement": ("a statement id (in the algorithm, a question or also_based_on) does not exist", "fix the id"),
    "empty-section": ("a declared section has no statements (warning)", "add statements or remove the section"),
    # related guidelines (guideline.yaml `related`)
    "related-unknown": ("`related` names no other guideline beside this one (a typo, itself, or twice)", "use the id of a guideline folder in the same library (did you mean ...)"),
    "related-one-way": ("a related guideline does not list this one under its own `related` (warning): its documents would not link back", "add this guideline's id to the other guideline's `related`, with the sentence its readers need"),
    # sign-off (signoff.yaml)
    "approval-missing": ("a published guideline's current version lacks a current approval from a required role (the authors with responsibility: approver)", "record each role's approval of this version and fingerprint in signoff.yaml (`guideline signoff` prints what is missing), or keep status: draft"),
    "approval-stale": ("an approval of the current version names another content fingerprint: the content changed after it was approved (an error once published)", "ask the approver to approve the current fingerprint (`guideline signoff`), or revert the change"),
    "approval-unknown-role": ("an approval names a role that is not one of the guideline's approver roles", "use a role of an author with responsibility: approver"),
    "signoff-unknown-member": ("an approval or vote names someone who is not on the panel", "add the member to `panel:` or fix the id"),
    "vote-recused": ("a member recused from a recommendation (a declared interest with management: recused) is counted for or against it", "move the member to `abstain`, or out of the vote"),
    "vote-counted-twice": ("a member appears twice in one vote", "count each member once"),
    # algorithm
    "algorithm-start": ("the algorithm does not have exactly one start node", "keep one node with kind: start"),
    "algorithm-branches": ("a decision has fewer than two branches, duplicate labels, or a non-decision has branches", "give each decision two or more labelled branches"),
    "algorithm-dead-end": ("a path cannot reach an end node", "connect the node with `next` or a branch to a path that ends"),
    "algorithm-unknown-node": ("`next` or a branch points at a node that does not exist", "fix the node id"),
    "algorithm-unreachable": ("a node cannot be reached from the start", "connect it or remove it"),
    "algorithm-cycle": ("the graph loops without a declared back-edge", "mark the intended back-edge with loop: true"),
    "algorithm-uncited": ("a node rests on no statement", "list the statements it rests on under `statements`"),
    # computable pathway: features, conditions, vignettes (see docs/content-format.md)
    "feature-invalid": ("a case feature is declared inconsistently (an integer without `min`, max below min, an enum with fewer than two values or a value twice, `min`/`max`/`unit` on a non-integer, `values` on a non-enum)", "fix the declaration under `features:` in algorithm.yaml"),
    "condition-missing": ("the algorithm declares features (or some branches have conditions) but a branch has no `condition`", "write the FHIRPath condition under which the branch applies, e.g. condition: \"%ecog <= 2\""),
    "condition-syntax": ("a branch condition is not valid FHIRPath, or uses something outside the condition language (a path, a function other than .not(), arithmetic)", "write features as %name, compare them with constants, combine with and/or/not()"),
    "condition-unknown-feature": ("a condition reads a %feature the algorithm does not declare", "declare it under `features:` or fix the name (did you mean ...)"),
    "condition-type": ("a condition mixes types (an integer with true/false, an enum with a code it does not have, order between enum codes) or is not true-or-false", "compare each feature with a value of its type; enums with one of their codes"),
    "branch-gap": ("at a decision, some combination of feature values makes no branch apply (the message gives examples)", "widen a branch's condition, or add a branch for the case"),
    "branch-overlap": ("at a decision, some combination of feature values makes two branches apply (the message gives examples)", "make the conditions exclusive, e.g. add `and not (...)`"),
    "decision-domain-too-large": ("a decision's conditions range over more than 10,000 combinations of feature values, too many to check or to carry in the HTML", "give integer features a smaller `max`, or split the decision"),
    "vignette-unknown-feature": ("a vignette gives a value for a feature the algorithm does not declare", "fix the name, or declare the feature"),
    "vignette-value": ("a vignette's value does not fit its feature (true/false, an integer within min..max, one of an enum's codes)", "give a value of the feature's type"),
    "vignette-incomplete": ("the vignette's walk reaches a decision whose features it does not give", "add values for the features the message names"),
    "vignette-route": ("the vignette's walk ends elsewhere or takes another route than it expects (or names a node that does not exist)", "fix the expected route, or the conditions if the route is right"),
    "branch-uncovered": ("no vignette takes this branch (warning; error with --strict)", "add a vignette to vignettes.yaml whose case takes the branch"),
    # codes and dates
    "invalid-icd10": ("an ICD-10 code is not in the WHO ICD-10 list", "look the code up (secondary malignant neoplasm of lung is C78.0)"),
    "invalid-icd11": ("an ICD-11 code is not well-formed", "write a code such as 2D70"),
    "invalid-dates": ("dates are in an impossible order (review before effective)", "fix the dates"),
    "review-overdue": ("the guideline's review_by date has passed (error when published, warning for a draft)", "review it and move review_by"),
    "statement-review-overdue": ("a statement's review_due date has passed", "review the statement and update last_reviewed/review_due"),
    "changelog-missing-version": ("the changelog has no entry for the current version (warning)", "add a changelog entry"),
    # document size (generator/check/rules/document_size.py; the limit and its calibration: docs/build.md, "Memory")
    "document-too-large": ("the clinician protocol is estimated at more than 300 pages (from the statements' text, evidence rows, references and algorithm nodes); rendering it would need more memory than a build worker is allowed (about 4 MiB per page)", "split the guideline into guidelines of one clinical question each, or move background text out of the statements"),
    # text safety
    "raw-html": ("HTML in content (tags, comments)", "write Markdown; HTML is never rendered"),
    "unsafe-url": ("a javascript:, data:, file: or other non-web URL", "link to an https:// page"),
    "image-not-allowed": ("an image in statement text", "remove it; figures come from the algorithm"),
    "template-syntax": ("{{ }}, {% %} or {# in content", "remove it; content is never evaluated as a template"),
    "bidi-control": ("an invisible bidirectional control character (can make text read differently)", "delete the character"),
    "invisible-character": ("an invisible control or zero-width character", "delete the character"),
    "long-word": ("a word over 60 characters that cannot be laid out on a page", "break it up, or make it a link"),
    "spelling-variant": ("a word is spelled the other way than the guideline's locale asks (\"tumor\" in an en-GB guideline, \"tumour\" in en-US), or a plain `en` guideline mixes both (warning)", "write it the way the message says, or set `language` to the locale you mean"),
    "placeholder": ("a TODO: placeholder from `guideline new` remains (warning; error with --strict)", "replace it with real content"),
    # patient explainer: readability and glossary (see docs/patient-explainer.md)
    "reading-grade": ("a patient text block, or the whole explainer, reads above patient.reading_grade_max (Flesch-Kincaid grade); in a translation, fails its language's gate (Spanish: Fernández-Huerta reading ease; a language without a validated formula: a sentence longer than patient.long_sentence_words), which the message names", "use shorter sentences and everyday words; explain a needed technical term in the glossary"),
    "long-sentence": ("a patient sentence is longer than patient.long_sentence_words (warning)", "split the sentence"),
    "glossary-missing": ("patient text uses a term from patient.jargon that has no glossary entry", "add a patient.glossary entry (or an alias) for it, or use an everyday word"),
    "glossary-unused": ("a glossary entry is used in no patient text (warning)", "remove the entry, or use the term"),
    # translations of the patient explainer: translations/<lang>.po (see docs/translations.md)
    "po-syntax": ("a translation file is not a valid gettext PO file", "fix the file at the line shown (a PO editor such as Poedit or Weblate keeps it valid)"),
    "translation-language": ("a translation file's name is not a language tag, disagrees with its Language header, or is the guideline's own language", "name it translations/<language>.po (es.po, pt-BR.po) with the same Language header"),
    "translation-status": ("X-Translation-Status is not draft or reviewed, or says reviewed without X-Translation-Reviewer", "write draft, or reviewed together with the reviewer's name and role"),
    "translation-missing": ("a patient field has no translation in a language (warning; error with --strict, so an incomplete language is not published)", "translate the entry (run `guideline translate update <lang>` to add entries for new fields)"),
    "translation-fuzzy": ("a translation is marked fuzzy: its source text changed (warning; error with --strict)", "revise the translation against the new source, then remove the fuzzy flag"),
    "translation-stale": ("a translation was made from another source text than the current one and the file was not merged (warning; error with --strict)", "run `guideline translate update <lang>`, then revise the entries it marks fuzzy"),
    "translation-unknown-entry": ("a translation entry names no field of the guideline (a removed statement, a renamed term) (warning)", "run `guideline translate update <lang>`: it keeps such entries as obsolete"),
    "translation-placeholders": ("a translated template string lacks or adds a %(name)s placeholder, or has a stray % (the template fills the placeholders in)", "keep every %(name)s of the source exactly; write %% for a percent sign"),
    "translation-decimal": ("a decimal number in a translation uses another language's decimal mark (2.5 in Spanish, where CLDR writes 2,5) (warning)", "write the decimal as the translation's language does (the message names the mark)"),
    "translation-numbers": ("a translation's numbers differ from its source text's", "give exactly the source's numbers (a decimal comma is fine)"),
    "care-team-placeholder": ("the patient explainer has no `patient.care_team` (it prints a placeholder where patients look for whom to call), or a contact gives no phone or email (warning; error with --strict)", "the committee adds the contacts under patient.care_team (role, phone, hours), or `write_in: true` for lines filled in by hand"),
    "key-point-unsupported": ("a section's key point rests on a statement whose patient text is not in that section, or states a number that text does not", "sum up only what the section's patient text says; name the statements it rests on"),
    "icon-array-unsupported": ("an icon array shows a number its patient text does not state (or more than the whole group)", "picture only the natural frequency the text gives, e.g. '29 in 100 people': count 29, of 100"),
    "patient-caution-missing": ("a reference the patient explainer lists has a `caution` (written for clinicians) but no `patient_caution`", "write the warning for patients in plain words under patient_caution (it passes the reading-grade and glossary gates like other patient text)"),
}


def markdown_table() -> str:
    """The codes as a Markdown table: code, what it means, how to fix it (one line each)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    rows = ["| code | what it means | how to fix it |", "|---|---|---|"]
    rows += [f"| `{code}` | {cell(meaning)} | {cell(fix)} |" for code, (meaning, fix) in CODES.items()]
    return "\n".join(rows) + "\n"


def markdown_document() -> str:
    """docs/error-codes.md, generated: `python -m generator.error_codes > docs/error-codes.md`."""
    return (
        "# Diagnostic codes\n\n"
        "<!-- Generated from generator/error_codes.py by `python -m generator.error_codes > docs/error-codes.md`;\n"
        "     do not edit by hand (tests/test_error_codes_doc.py compares the two). -->\n\n"
        "Every diagnostic reads `path:line:col: severity[code]: message`. `guideline check` (and `build`,\n"
        "which checks first) reports them all, except those marked *(refs verify)*: they come from\n"
        "`guideline refs verify` only ([refs-verify.md](refs-verify.md)). Those whose meaning says\n"
        "(warning) are warnings: they fail only under `--strict`.\n\n"
        + markdown_table()
    )


if __name__ == "__main__":
    print(markdown_document(), end="")
