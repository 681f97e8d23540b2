"""`python -m tests.build_fakes.main OUT JOBS FOLDER...`: a build with the fake documents (for the kill test)."""

import datetime as dt
import sys
from pathlib import Path

from generator.build import engine as builder
from generator.check.run import CheckContext
from tests.build_fakes import DOCUMENTS

out, jobs, *folders = sys.argv[1:]
prepared = builder.prepare([Path(f) for f in folders], CheckContext(today=dt.date(2026, 6, 1)), DOCUMENTS)
report = builder.build(prepared.sources, Path(out), documents=DOCUMENTS, jobs=int(jobs))
print(report.summary())
sys.exit(0 if report.ok else 1)
