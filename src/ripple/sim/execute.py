"""The first pass over the MAC stream: execute it on the tensors and time every output.

Products of the issued MACs are accumulated into the output buffer (a padding tap multiplies a
zero), and for every output element the cycles of its first and last issued MAC are kept: they
give the readiness arrays, and the access pass needs them to tell first contributions (read
elision) and final outputs (final write-back) from partial ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.sim.stream import MacChunk, StreamPlan

I64 = np.int64


class Execution:
    """Accumulates a MAC stream chunk by chunk."""

    def __init__(self, plan: StreamPlan, inputs: NDArray[np.int64],
                 weights: NDArray[np.int64]) -> None:
        shape = plan.output_buffer_shape
        size = int(np.prod(shape))
        self.shape = shape
        # one trailing zero: a padding tap (flat index -1) reads it
        self.inputs = np.append(inputs.ravel(), 0)
        self.weights = weights.ravel()
        self.buffer = np.zeros(size, dtype=I64)
        self.first = np.full(size, np.iinfo(I64).max, dtype=I64)
        self.last = np.full(size, -1, dtype=I64)
        self.macs_issued = 0
        self.macs_valid = 0
        self.cycles = 0

    def feed(self, chunk: MacChunk) -> None:
        self.cycles = chunk.cycles_after
        if chunk.size == 0:
            return
        self.macs_issued += chunk.size
        self.macs_valid += int(np.count_nonzero(chunk.valid))
        products = self.inputs[chunk.i_flat] * self.weights[chunk.w_flat]
        np.add.at(self.buffer, chunk.o_flat, products)
        del products
        cycle = chunk.cycle()
        np.minimum.at(self.first, chunk.o_flat, cycle)
        np.maximum.at(self.last, chunk.o_flat, cycle)

    @property
    def output_buffer(self) -> NDArray[np.int64]:
        return self.buffer.reshape(self.shape)

    def readiness(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(ready, first)``: last-MAC cycle + 1 and first-MAC cycle per output; an output that
        receives no MAC has ready 0 and first -1."""
        touched = self.last >= 0
        ready = np.where(touched, self.last + 1, 0).reshape(self.shape)
        first = np.where(touched, self.first, -1).reshape(self.shape)
        return ready, first
