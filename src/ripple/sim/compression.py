"""Exact compressed sizes of the tiles the simulator moves (docs/sparsity.md, "Compressed
formats").

At a memory that stores an operand in a format, each fill moves the real tile encoded: its
elements in tensor order (row-major flat index), encoded field by field with
:func:`ripple.sparse.formats.encode`, as stored words at the operand's precision plus metadata
bits. Nothing here derives a size in closed form: the model's expectation is checked against
these encodings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.arch import StoredFormat
from ripple.sparse.formats import encode


def encoded_bits(stored: StoredFormat, values: NDArray[np.int64], group: NDArray[np.int64],
                 inst: NDArray[np.int64], elem: NDArray[np.int64], word_bits: int
                 ) -> NDArray[np.float64]:
    """Per run of equal ``(group, inst)`` in the sorted triples, the bits of its tile: the
    values of its elements (sorted within the run) encoded in ``stored``."""
    if group.size == 0:
        return np.zeros(0, dtype=np.float64)
    change = np.r_[True, (group[1:] != group[:-1]) | (inst[1:] != inst[:-1])]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], group.size]
    ranks = stored.ranks()
    seen: dict[bytes, float] = {}  # a tile's size depends only on where its zeros are
    out = np.empty(starts.size, dtype=np.float64)
    for r, (a, b) in enumerate(zip(starts, ends, strict=True)):
        tile = values[elem[a:b]]
        pattern = (tile != 0).tobytes()
        if pattern not in seen:
            footprint = encode(ranks, tile, stored.shape(tile.size))
            seen[pattern] = footprint.data_words * word_bits + footprint.metadata_bits
        out[r] = seen[pattern]
    return out
