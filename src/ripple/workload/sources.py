"""One entry point for every workload source: a Ripple YAML file, an ONNX model, or the zoo.

The CLI's ``-w`` and the library's :func:`load_any_workload` take the same string, so a notebook
and a shell command name a workload the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ripple.workload.loader import load_workload
from ripple.workload.network import Workload
from ripple.workload.onnx_import import import_onnx
from ripple.workload.zoo import zoo_workload

ZOO_PREFIX = "zoo:"


@dataclass(frozen=True)
class ImportedWorkload:
    """A workload and what its import had to decide or leave out, one line per note."""

    workload: Workload
    notes: tuple[str, ...] = ()


def import_any_workload(spec: str | Path, *, skip_unsupported: bool = False) -> ImportedWorkload:
    """``zoo:NAME``, a path ending in ``.onnx``, or a Ripple workload YAML file.

    ``skip_unsupported`` applies to ONNX models: unsupported nodes are left out, each with a
    note, instead of stopping the import.
    """
    text = str(spec)
    if text.startswith(ZOO_PREFIX):
        return ImportedWorkload(zoo_workload(text[len(ZOO_PREFIX):]))
    if text.lower().endswith(".onnx"):
        result = import_onnx(text, skip_unsupported=skip_unsupported)
        notes = tuple(f"skipped node {s.name} ({s.op_type}): {s.reason}" for s in result.skipped)
        return ImportedWorkload(result.workload, notes)
    return ImportedWorkload(load_workload(text))


def load_any_workload(spec: str | Path, *, skip_unsupported: bool = False) -> Workload:
    """The workload of :func:`import_any_workload`, without the notes."""
    return import_any_workload(spec, skip_unsupported=skip_unsupported).workload
