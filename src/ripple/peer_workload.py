"""A workload read for the architecture it runs on: an ONNX model under a ZigZag accelerator
takes ZigZag's ONNX precisions, and leaves out the nodes ZigZag leaves out.

ONNX stores float tensors, so its word sizes are a convention of the tool that reads it:
Ripple's own is 16 bits for every operand, ZigZag's ONNX parser gives 8-bit activations and
weights and 16-bit partial sums (:data:`ripple.workload.onnx_precision.ZIGZAG_ONNX_PRECISION`).
A ZigZag user who brings their accelerator and their ONNX network expects ZigZag's, so
``evaluate``, ``simulate``, ``compare``, ``explore`` and ``multicore`` (a ZigZag
accelerator is a one-core machine there) take it when ``-a`` is a ZigZag accelerator and ``-w``
an ONNX model, and say so in a note. A node's own ``act_size``/
``weight_size``/``output_size`` attributes win either way.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ripple.arch import is_zigzag_accelerator
from ripple.imported import Imported
from ripple.workload.layer import Precision
from ripple.workload.network import Workload
from ripple.workload.onnx_precision import ZIGZAG_ONNX_PRECISION
from ripple.workload.sources import import_any_workload

PRECISION_NOTE = ("the ONNX model's nodes take ZigZag's ONNX precisions under a ZigZag "
                  "accelerator: 8-bit inputs and weights, 16-bit partial sums, 8-bit final "
                  "outputs (a node's act_size/weight_size/output_size attributes win)")


def onnx_precision_for(workload: str | Path, arch: str | Path | None) -> Precision | None:
    """ZigZag's ONNX precisions when ``workload`` is an ONNX model and ``arch`` a ZigZag
    accelerator file; None (Ripple's own) otherwise."""
    if arch is None or not str(workload).lower().endswith(".onnx"):
        return None
    return ZIGZAG_ONNX_PRECISION if is_zigzag_accelerator(arch) else None


def import_workload_for(workload: str | Path, arch: str | Path | None, *,
                        skip_unsupported: bool = False) -> Imported[Workload]:
    """The workload (any source :func:`ripple.workload.sources.import_any_workload` takes) as
    it runs on ``arch``, with the notes of its import and of its precisions.

    An ONNX model under a ZigZag accelerator leaves out the nodes Ripple does not model, as
    ZigZag's ONNX parser evaluates only Conv, Gemm and MatMul nodes (ZigZag's MobileNetV2 has
    35 Clip nodes, its AlexNet LRN and Softmax): one note counts them per operator."""
    precision = onnx_precision_for(workload, arch)
    if precision is None:
        return import_any_workload(workload, skip_unsupported=skip_unsupported)
    from ripple.workload.onnx_import import import_onnx  # onnx is slow to import

    onnx = import_onnx(workload, skip_unsupported=True, precision=precision)
    notes = (PRECISION_NOTE, *onnx.folded)
    if onnx.skipped:
        counts = Counter(node.op_type for node in onnx.skipped)
        notes += (f"skipped {len(onnx.skipped)} ONNX node(s) Ripple does not model, as ZigZag's "
                  f"ONNX parser leaves them out of its evaluation "
                  f"({', '.join(f'{op} {n}' for op, n in counts.items())}; 'ripple workload "
                  "--skip-unsupported' lists them)",)
    return Imported(onnx.workload, notes)


def load_workload_for(workload: str | Path, arch: str | Path | None, *,
                      skip_unsupported: bool = False) -> Workload:
    """The workload of :func:`import_workload_for`, without the notes."""
    return import_workload_for(workload, arch, skip_unsupported=skip_unsupported).value
