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
        shape = layer.tensor_shape(name)  # type: ignore[arg-type]
        if given is None:
            out.append(rng.integers(LOW, HIGH, size=shape, dtype=np.int64))
            continue
        array = np.asarray(given)
        what = "inputs" if name == "I" else "weights"
        if array.shape != shape:
            raise RippleInputError(
                f"{what} have shape {array.shape}; layer {layer.name!r} needs {shape} "
                f"({'[N, C, IY, IX]' if name == 'I' else '[K, C/G, FY, FX]'})", field=what)
        if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
            raise RippleInputError(f"{what} must be integers (dtype {array.dtype} given); the "
                                   "simulator compares exactly against the golden convolution",
                                   field=what)
        out.append(array.astype(np.int64))
    return out[0], out[1]


def load_npy(path: str | Path, what: str) -> np.ndarray:
    """A user's tensor from a ``.npy`` file (no pickled objects); shape and type are checked
    by :func:`operand_tensors`."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RippleInputError(f"cannot read a NumPy array: {exc}", source=str(path),
                               field=what) from exc
