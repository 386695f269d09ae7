"""Where the command line prints its tables: never cut.

rich sizes its output to the terminal, and to 80 columns when stdout is a pipe, a file or a
log, and it ends a cell that does not fit with an ellipsis (``3,971…``, ``layer1.0.conv…``: the
very names ``--layer`` needs). Here a table goes out whole: off a terminal as wide as it is
(nothing wraps), on a terminal within its width, a long cell folded onto the next line rather
than cut.
"""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console
from rich.table import Table

#: The width of output that is not a terminal: wider than any table Ripple prints, so that a
#: table takes its natural width (a table does not expand to the console's width).
UNBOUNDED_WIDTH = 100_000


class WrappingConsole(Console):
    """A console whose tables fold a cell that does not fit onto more lines instead of cutting
    it."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        for table in objects:
            if isinstance(table, Table):
                for column in table.columns:
                    column.overflow = "fold"
        super().print(*objects, **kwargs)


def output_console(file: IO[str] | None = None) -> Console:
    """The console for a command's results on stdout (or ``file``)."""
    console = WrappingConsole(file=file)
    if console.is_terminal or console.is_jupyter:
        return console
    return WrappingConsole(file=file, width=UNBOUNDED_WIDTH)
