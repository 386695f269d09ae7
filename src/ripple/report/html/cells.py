"""HTML tables whose every number names the JSON field it shows.

A number cell carries ``data-path`` (its place in the result's JSON document, keys and list
indices joined by ``/``) and ``data-decimals``; its text is the value with thousands separators,
integers exact and other numbers rounded to that many decimals, and its ``title`` (shown on
hover) is the exact value. So a reader sees the full number and a test can read every cell
back against the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Num:
    """A number shown in a table, with the JSON path it comes from."""

    value: int | float
    path: Path
    decimals: int = 2


Cell = str | Num | None


def number_text(value: int | float, decimals: int = 2) -> str:
    """The convention of every table: integers exact, other numbers to ``decimals``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{decimals}f}"


def at(document: object, path: Path) -> object:
    """The value at ``path`` in ``document``."""
    for key in path:
        document = document[key]  # type: ignore[index]
    return document


def num(document: object, path: Path, decimals: int = 2) -> Num:
    """The number at ``path`` of ``document`` as a cell."""
    value = at(document, path)
    if not isinstance(value, int | float):
        raise TypeError(f"{'/'.join(map(str, path))} is not a number")
    return Num(value, path, decimals)


def _cell(cell: Cell) -> str:
    if isinstance(cell, Num):
        path = escape("/".join(map(str, cell.path)))
        return (f'<td class="num" data-path="{path}" data-decimals="{cell.decimals}" '
                f'title="{cell.value!r}">{number_text(cell.value, cell.decimals)}</td>')
    return f"<td>{escape('' if cell is None else cell)}</td>"


def table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A captioned table; a row's cells in the order of ``headers``."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return (f'<div class="table-wrap"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>")
