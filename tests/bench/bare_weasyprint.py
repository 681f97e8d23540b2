"""The baseline: WeasyPrint alone turning finished HTML files into PDFs (python -m tests.bench.bare_weasyprint FILE...)."""

import sys
from pathlib import Path

from weasyprint import HTML

for name in sys.argv[1:]:
    path = Path(name).resolve()
    HTML(filename=str(path), base_url=path.parent.as_uri() + "/").write_pdf(pdf_variant="pdf/ua-1")
