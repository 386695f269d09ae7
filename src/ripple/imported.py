"""The result of importing another tool's file: the Ripple object and what the import decided.

Formats are silent on some points (a relation ZigZag cannot write with a minus sign, a comment
in a Timeloop file saying a size is wrong); an importer records each such decision as one line,
which the CLI prints and ``docs/workloads.md`` explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Imported(Generic[T]):
    """An imported specification and its notes, one line each."""

    value: T
    notes: tuple[str, ...] = ()
