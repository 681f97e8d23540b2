"""Run `guideline ARGS...` in this process and print its peak resident memory in MiB (Linux)."""

import resource
import sys

from generator.cli import main

try:
    main(sys.argv[1:], standalone_mode=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"PEAK_RSS_MIB {peak_kib / 1024:.1f}", file=sys.stderr)
sys.exit(code)
