"""One clean `guideline build` in a fresh interpreter, as a differently equipped machine would run it.

    python -m tests.pdf_child CONTENT OUT [--no-harfbuzz-subset] [--clock-offset SECONDS]

--no-harfbuzz-subset: WeasyPrint behaves as on a machine without libharfbuzz-subset0. WeasyPrint
    looks the library up once, when weasyprint.text.ffi is imported, and keeps the handle (or None)
    in weasyprint.pdf.fonts.harfbuzz_subset; setting that to None before anything renders takes the
    same branch a missing library does (Font.subset falls back to fontTools). Uninstalling the
    Debian package would change the machine for every other process, so the tests do this instead.
--clock-offset: time.time() runs this many seconds ahead, as a build started later would see it;
    whatever stamps the wall-clock time into the output then shows up as a byte difference.

Without fontconfig's system fonts: set FONTCONFIG_FILE to a configuration that lists no font folder.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("content")
    parser.add_argument("out")
    parser.add_argument("--no-harfbuzz-subset", action="store_true")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    args = parser.parse_args(argv)

    if args.no_harfbuzz_subset:
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None
    if args.clock_offset:
        real_time = time.time
        time.time = lambda: real_time() + args.clock_offset

    from generator.cli import main as cli

    return cli(["build", args.content, "--out", args.out, "--force", "-j", "1"], standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
