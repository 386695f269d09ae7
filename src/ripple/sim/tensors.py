"""The simulator's operand tensors: the user's, checked, or seeded random small integers.

Integers keep the golden comparison exact (no rounding can hide or fake a mismatch).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ripple.errors import RippleInputError
from ripple.workload import Layer

#: Random operands are drawn from ``[LOW, HIGH)``; zeros included, sums stay far from overflow.
LOW, HIGH = -8, 8


def operand_tensors(layer: Layer, inputs: np.ndarray | None, weights: np.ndarray | None,
                    seed: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(I, W)`` as int64 arrays of the layer's shapes ``[N, C, IY, IX]`` and
    ``[K, C/G, FY, FX]``; a missing one is drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for name, given in (("I", inputs), ("W", weights)):
        if given is None:
            shape = layer.tensor_shape(name)  # type: ignore[arg-type]
            out.append(rng.integers(LOW, HIGH, size=shape, dtype=np.int64))
        else:
            out.append(checked_operand(layer, name, given))
    check_exact(layer, out[0], out[1])
    return out[0], out[1]


def checked_operand(layer: Layer, name: str, given: object,
                    source: str | None = None) -> NDArray[np.int64]:
    """A user's tensor of operand ``name`` (``I`` or ``W``) as int64, checked: the layer's
    shape, integer values that int64 holds (``source``: the file it came from)."""
    array = np.asarray(given)
    what = "inputs" if name == "I" else "weights"
    shape = layer.tensor_shape(name)  # type: ignore[arg-type]
    if array.shape != shape:
        raise RippleInputError(
            f"{what} have shape {array.shape}; layer {layer.name!r} needs {shape} "
            f"({'[N, C, IY, IX]' if name == 'I' else '[K, C/G, FY, FX]'})", source=source,
            field=what)
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
        raise RippleInputError(f"{what} must be integers (dtype {array.dtype} given); the "
                               "simulator compares exactly against the golden convolution",
                               source=source, field=what)
    if array.dtype == np.uint64 and array.size and int(array.max()) > np.iinfo(np.int64).max:
        raise RippleInputError(f"{what} hold {int(array.max()):,}; expected values int64 "
                               "holds", source=source, field=what)
    return array.astype(np.int64)


def check_exact(layer: Layer, inputs: NDArray[np.int64], weights: NDArray[np.int64]) -> None:
    """The largest output sum, ``max|I| * max|W| * (C/G * FY * FX)``, fits in int64: beyond,
    the simulator and the golden convolution would both wrap around and agree on a wrong
    output."""
    reduction = layer.C_group * layer.FY * layer.FX
    largest = _magnitude(inputs) * _magnitude(weights) * reduction
    if largest > np.iinfo(np.int64).max:
        raise RippleInputError(f"max|inputs| x max|weights| x C/G*FY*FX = {largest:.3g} exceeds "
                               "2^63-1; expected values whose output sums int64 holds",
                               field="inputs")


def _magnitude(array: NDArray[np.int64]) -> int:
    """The largest absolute value, as a Python integer (``abs`` of int64's minimum wraps)."""
    return max(-int(array.min()), int(array.max())) if array.size else 0


def load_npy(path: str | Path, what: str) -> np.ndarray:
    """A user's tensor from a ``.npy`` file (no pickled objects); shape and type are checked
    by :func:`operand_tensors`."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RippleInputError(f"cannot read a NumPy array: {exc}", source=str(path),
                               field=what) from exc
