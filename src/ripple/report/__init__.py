"""Presentation of results: tables and JSON documents. Never computes a cost."""

from ripple.report.json_out import write_json
from ripple.report.tables import (
    comparison_table,
    dataflow_table,
    explore_summary,
    layer_table,
)

__all__ = [
    "comparison_table",
    "dataflow_table",
    "explore_summary",
    "layer_table",
    "write_json",
]
