"""Which MACs of the executed stream are ineffectual, and what that removes (docs/sparsity.md).

A MAC is ineffectual when one of the architecture's condition operands is zero in the real
tensors (a padding tap's input is a generated zero). This module marks them chunk by chunk and
counts the effectual MACs and steps; :mod:`ripple.sim.accesses` removes the transfers between
the innermost memories and the MACs that serve none, and finds those of links whose parent
skips or gates the operand. Nothing here is in closed form: every count follows from the marked
stream.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ripple.sim.stream import MacChunk


class Effectual:
    """Marks the effectual MACs of a chunk: every condition operand nonzero (the MACs'
    ``condition_on``, or a memory's: docs/sparsity.md, "Gating and skipping at a memory")."""

    def __init__(self, condition_on: Sequence[str], inputs: NDArray[np.int64],
                 weights: NDArray[np.int64]) -> None:
        self.condition_on = tuple(condition_on)
        # one trailing False: a padding tap (flat index -1) reads a generated zero
        self.nonzero = {"I": np.append(inputs.ravel() != 0, False), "W": weights.ravel() != 0}
        self.densities = {op: float(np.count_nonzero(self.nonzero[op][: tensor.size]))
                          / tensor.size
                          for op, tensor in (("I", inputs), ("W", weights))
                          if op in self.condition_on}

    def __call__(self, chunk: MacChunk) -> NDArray[np.bool_]:
        marked = np.ones(chunk.size, dtype=bool)
        for op in self.condition_on:
            marked &= self.nonzero[op][chunk.i_flat if op == "I" else chunk.w_flat]
        return marked


class EffectualTally:
    """Effectual MACs, and steps with at least one effectual MAC (each chunk holds whole
    steps, so a step is never split between two chunks)."""

    def __init__(self) -> None:
        self.macs = 0
        self.steps = 0

    def feed(self, chunk: MacChunk, effectual: NDArray[np.bool_]) -> None:
        self.macs += int(np.count_nonzero(effectual))
        self.steps += int(np.unique(chunk.mac_step[effectual]).size)
