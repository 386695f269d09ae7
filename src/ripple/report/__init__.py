"""Presentation of results: tables and JSON documents. Never computes a cost.

The names are loaded on first use (PEP 562): importing a submodule such as
``ripple.report.console`` must not pull in the result classes, NumPy and pydantic, which the
command line's ``--help`` does not need."""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {"write_json": "ripple.report.json_out", "comparison_table": "ripple.report.tables",
          "dataflow_table": "ripple.report.tables", "explore_summary": "ripple.report.tables",
          "search_summary": "ripple.report.tables",
          "layer_table": "ripple.report.tables"}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ripple.report' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
