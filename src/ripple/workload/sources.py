"""One entry point for every workload source: a Ripple YAML file, an ONNX model, the zoo, or
another tool's YAML (a ZigZag workload is a list of layers; a Timeloop problem has ``problem:``).

The CLI's ``-w`` and the library's :func:`load_any_workload` take the same string, so a notebook
and a shell command name a workload the same way.
"""

from __future__ import annotations

from pathlib import Path

from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.specio import read_peer_yaml, read_yaml
from ripple.workload.layer import Layer, Precision
from ripple.workload.loader import workload_from_data
from ripple.workload.network import Workload
from ripple.workload.timeloop_import import import_timeloop_problem
from ripple.workload.zigzag_import import import_zigzag_workload
from ripple.workload.zoo import zoo_workload

ZOO_PREFIX = "zoo:"


def import_any_workload(spec: str | Path, *, skip_unsupported: bool = False,
                        onnx_precision: Precision | None = None) -> Imported[Workload]:
    """``zoo:NAME``, a path ending in ``.onnx``, or a YAML file: Ripple's, ZigZag's or
    Timeloop's (its densities are dropped here; see
    :func:`ripple.workload.timeloop_import.import_timeloop_problem`).

    ``skip_unsupported`` applies to ONNX models: unsupported nodes are left out, each with a
    note, instead of stopping the import; ``onnx_precision`` is their nodes' default
    precision (:func:`ripple.workload.onnx_import.import_onnx`).
    """
    text = str(spec)
    if text.startswith(ZOO_PREFIX):
        return Imported(zoo_workload(text[len(ZOO_PREFIX):]))
    if text.lower().endswith(".onnx"):
        from ripple.workload.onnx_import import import_onnx  # onnx is slow to import

        result = import_onnx(text, skip_unsupported=skip_unsupported, precision=onnx_precision)
        notes = tuple(f"skipped node {s.name} ({s.op_type}): {s.reason}" for s in result.skipped)
        return Imported(result.workload, result.folded + notes)
    peer_data, _ = read_peer_yaml(text, "ZigZag")  # ZigZag's files may repeat a key
    if isinstance(peer_data, list):
        return import_zigzag_workload(text)
    if isinstance(peer_data, dict) and "problem" in peer_data:
        problem = import_timeloop_problem(text)
        layer = problem.value.layer
        return Imported(Workload(name=layer.name, layers=[layer]), problem.notes)
    return Imported(workload_from_data(read_yaml(text), text))


def load_any_workload(spec: str | Path, *, skip_unsupported: bool = False) -> Workload:
    """The workload of :func:`import_any_workload`, without the notes."""
    return import_any_workload(spec, skip_unsupported=skip_unsupported).value


def choose_layer(workload: Workload, layer: str | None, source: str) -> Layer:
    """The MAC layer named ``layer``, or the only one when ``layer`` is None."""
    macs = workload.mac_layers
    if layer is None:
        if len(macs) != 1:
            names = ", ".join(lyr.name for lyr in macs)
            raise RippleInputError(f"the workload has {len(macs)} MAC layers ({names}); choose "
                                   "one with --layer", source=source)
        return macs[0]
    for candidate in macs:
        if candidate.name == layer:
            return candidate
    raise RippleInputError(f"no MAC layer named {layer!r}", source=source)
