"""Sparsity validations (``sparsity table7``, ``sparsity lenet5``): their rows as a table, nested
fields as ``outer.inner`` columns, and a figure of Ripple's figure next to the reference."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ripple.report.html.cells import Cell, at, num, table
from ripple.report.html.figures import figure

#: The rows' key, the x label of a row, and the pairs of (path, legend) the figure compares.
FIGURES: dict[str, tuple[tuple[str, ...], list[tuple[tuple[str, ...], str]], str]] = {
    "table7": (("layer",), [(("energy_uJ", "ripple"), "Ripple"),
                            (("energy_uJ", "sparseloop"), "Sparseloop")], "energy (µJ)"),
    "lenet5_digits": (("layer", "dataflow"), [(("energy_simulated_pj",), "simulated"),
                                              (("energy_expected_pj",), "model's expectation")],
                      "energy (pJ)"),
}


def sparsity_section(doc: dict[str, Any], key: str) -> list[str]:
    rows = doc[key]
    columns = _columns(rows[0]) if rows else []
    body = [[_cell(doc, (key, i, *column)) for column in columns] for i in range(len(rows))]
    labels, pairs, unit = FIGURES[key]
    x = [" ".join(str(row[k]) for k in labels) for row in rows]
    bars = [go.Bar(x=x, y=[at(row, path) for row in rows], name=name) for path, name in pairs]
    return [table(key, [".".join(c) for c in columns], body),
            figure(f"{key}_energy", go.Figure(bars, layout={"barmode": "group", "title": unit,
                                                            "yaxis": {"title": unit}}),
                   f"{pairs[0][1]} next to {pairs[1][1]}, per row of the table.")]


def _columns(row: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    columns = []
    for key, value in row.items():
        columns += _columns(value, (*prefix, key)) if isinstance(value, dict) \
            else [(*prefix, key)]
    return columns


def _cell(doc: dict[str, Any], path: tuple) -> Cell:
    value = at(doc, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None if value is None else str(value)
    fine = any(word in path[-1] for word in ("rel_error", "density"))
    return num(doc, path, 6 if fine else 2)
