"""Tables and JSON documents describing workloads (layers, shapes, MACs). Presentation only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from ripple.workload.layer import Layer
from ripple.workload.network import Workload, output_shape


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def workload_table(workload: Workload, notes: Sequence[str] = ()) -> Table:
    """One row per node: operator, producers, output shape, and MACs of the MAC layers."""
    caption = (f"{len(workload.mac_layers)} MAC layers | MACs {workload.macs:,} (padding taps "
               f"excluded) | dense {workload.dense_macs:,} (as published counts)")
    table = Table(title=workload.name, caption="\n".join([caption, *notes]))
    for column in ("layer", "operator", "inputs", "output", "MACs"):
        table.add_column(column, justify="right" if column == "MACs" else "left")
    for node in workload.layers:
        macs = f"{node.macs:,}" if isinstance(node, Layer) else ""
        table.add_row(node.name, node.operator, ", ".join(node.inputs) or "(network input)",
                      _shape(output_shape(node)), macs)
    return table


def workload_document(workload: Workload, notes: Sequence[str] = ()) -> dict[str, Any]:
    """The workload as JSON: its nodes as specified, plus MAC totals and import notes."""
    return {
        "name": workload.name,
        "macs": workload.macs,
        "dense_macs": workload.dense_macs,
        "mac_layers": [layer.name for layer in workload.mac_layers],
        "layers": [node.model_dump(mode="json") for node in workload.layers],
        "notes": list(notes),
    }
