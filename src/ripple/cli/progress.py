"""The progress bar of the long commands (rich, on stderr).

Drawn only where someone watches: stderr is a terminal and stdout is not carrying the JSON
document (``--json -``), so pipes, logs and captured runs get no control sequences.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Advance = Callable[[int], None]


def wanted(args: argparse.Namespace, console: Console) -> bool:
    """A bar helps only on a terminal, and never beside a JSON document on stdout."""
    return console.is_terminal and getattr(args, "json", None) != "-"


@contextlib.contextmanager
def progress_bar(args: argparse.Namespace, what: str, total: float | None,
                 unit: str) -> Iterator[Advance | None]:
    """An ``advance(n)`` callback moving a bar of ``total`` ``unit``s labelled ``what``, or
    None when no bar is wanted (the work then reports nothing)."""
    console = Console(stderr=True)
    if not wanted(args, console):
        yield None
        return
    columns = [TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, transient=True, console=console) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)
