"""The one base class of the program's own errors (Click's `ClickException` is the model).

Content problems are never exceptions: they are `Diagnostic` values (generator/diagnostics.py).
What is left are problems with how the program was called or with its surroundings: an unknown git
revision, a folder that already exists, a missing Graphviz, a document that refers to a file outside
the project. Each is a `GuidelineError` (or a subclass naming where it comes from) carrying a message
for the user and the exit code the command ends with. The CLI catches `GuidelineError` in one place
(generator/cli.py) and prints `error: <message>` on one line, without a traceback.
"""

from __future__ import annotations

from generator.diagnostics import one_line

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class GuidelineError(Exception):
    """A problem a user can act on: `message` says what and how; the command exits with `exit_code`."""

    exit_code = EXIT_ERRORS

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message

    def format_message(self) -> str:
        """The message as one line of output: control characters (a line break in a folder name,
        a terminal escape) are shown escaped, so it cannot forge a diagnostic or a `::error` line."""
        return one_line(self.message)
