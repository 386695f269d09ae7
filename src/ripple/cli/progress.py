"""The progress bar of the long commands (rich, on stderr).

Drawn only where someone watches: stderr is a terminal and stdout is not carrying the JSON
document (``--json -``), so pipes, logs and captured runs get no control sequences.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """What the work tells the bar: units done, and the total once known. Without a
    ``progress`` (no bar wanted) both do nothing, so the work reports the same either way."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self._progress, self._task = progress, task

    def advance(self, units: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, units)

    def set_total(self, units: float) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=units)


def wanted(args: argparse.Namespace, console: Console) -> bool:
    """A bar helps only on a terminal, and never beside a JSON document on stdout."""
    return console.is_terminal and getattr(args, "json", None) != "-"


@contextlib.contextmanager
def progress_bar(args: argparse.Namespace, what: str, total: float | None,
                 unit: str) -> Iterator[Bar]:
    """A bar of ``total`` ``unit``s (None: not known yet) labelled ``what``, removed when the
    work ends."""
    console = Console(stderr=True)
    if not wanted(args, console):
        yield Bar()
        return
    columns = [TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, transient=True, console=console) as progress:
        yield Bar(progress, progress.add_task(what, total=total))
