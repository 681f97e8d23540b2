"""The flowchart, the protocol's step list and the vignettes (checked and printed as worked examples)
are all drawn from one graph (content/pathway.py): change the algorithm, and all three change.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from generator.check.run import CheckContext, run_rules
from generator.content.loader import load_guideline
from tests.render_kit import render_all

PATHWAY = Path(__file__).parent / "fixtures" / "valid" / "pathway"


def _outputs(folder: Path) -> tuple[str, str, str, list]:
    g = load_guideline(folder).guideline
    rendered = render_all(g, pdf=False)
    html = rendered.html.decode()
    steps = html[html.index('<ol class="pathway">'): html.index("</ol>", html.index('<ol class="pathway">'))]
    examples = html[html.index('id="worked-examples"'):]
    examples = examples[: examples.index('id="walk"')] if 'id="walk"' in examples else examples
    return rendered.svg.decode(), steps, examples, run_rules(g, CheckContext())


def _step_of(steps_html: str, label: str) -> int:
    match = re.search(r'<li id="step-(\d+)"[^>]*>\s*<span class="step-kind">[^<]*</span>\s*' + re.escape(label), steps_html)
    assert match, label
    return int(match.group(1))


def test_a_new_step_appears_in_the_flowchart_the_step_list_and_the_vignettes(tmp_path):
    folder = tmp_path / "pathway"
    shutil.copytree(PATHWAY, folder)
    svg, steps, examples, diagnostics = _outputs(folder)
    assert not [d for d in diagnostics if d.severity == "error"]
    assert "Reassessment" not in svg + steps + examples
    follow_up_before = _step_of(steps, "New progression?")

    # Insert an action between local therapy and follow-up.
    algorithm = folder / "algorithm.yaml"
    text = algorithm.read_text()
    text = text.replace("    statements: [rec-local-therapy, rec-continue-tki]\n    next: follow-up\n",
                        "    statements: [rec-local-therapy, rec-continue-tki]\n    next: reassessment\n"
                        "  - id: reassessment\n    kind: action\n    label: Reassessment\n"
                        "    statements: [rec-continue-tki]\n    next: follow-up\n", 1)
    assert "next: reassessment" in text
    algorithm.write_text(text)
    svg2, steps2, examples2, diagnostics2 = _outputs(folder)

    # the flowchart draws it
    assert "Reassessment" in svg2 and svg2 != svg
    # the step list lists it, and the steps after it move down
    new = _step_of(steps2, "Reassessment")
    assert _step_of(steps2, "New progression?") == follow_up_before + 1 == new + 1
    # the worked examples that pass local therapy now pass it too, with the new step numbers
    assert f'href="#step-{new}">step {new}</a> (Reassessment)' in examples2
    # and check walks the vignettes through the new graph: those with a written route no longer match
    routes = {d.message.split("'")[1] for d in diagnostics2 if d.code == "vignette-route"}
    assert routes == {"three-lesions-fit", "new-limited-progression"}


def test_a_changed_threshold_changes_the_route_of_a_vignette_and_its_worked_example(tmp_path):
    folder = tmp_path / "pathway"
    shutil.copytree(PATHWAY, folder)
    _, _, examples, _ = _outputs(folder)
    unfit = examples[examples.index('id="example-unfit"'):]
    assert "(Switch systemic therapy)" in unfit[: unfit.index("</div>\n")]

    algorithm = folder / "algorithm.yaml"
    text = algorithm.read_text().replace('"%ecog <= 2"', '"%ecog <= 3"').replace('"%ecog > 2"', '"%ecog > 3"')
    algorithm.write_text(text)
    _, _, examples2, diagnostics2 = _outputs(folder)
    unfit2 = examples2[examples2.index('id="example-unfit"'):]
    assert "(Local ablative therapy, continue TKI)" in unfit2[: unfit2.index("</div>\n")]
    assert any(d.code == "vignette-incomplete" and "'unfit'" in d.message for d in diagnostics2)  # it now needs a follow-up answer
