"""Input fills sized by their windows (``padding: window``, ZigZag's tile sizes;
docs/conventions.md): a padding tap reads a word of the padded input, and a fill holds, per
spatial axis, the distinct padded positions its taps reach, at most the axis' unpadded size.

The simulator counts this from the tiles it really issues: the distinct elements of each fill
projected on the batch and channel part, on the padded rows and on the padded columns; the
fill's words are the first count times the other two, each capped. Under ``input_window:
average`` (ZigZag's) a fill holds, per axis, the window of the side's *average* fill instead,
from a first pass over the MACs (:mod:`ripple.sim.average_fills`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest
from ripple.sim.tiles import run_sums, unique_triples

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PaddedInputs:
    """The padded input tensor ``[N, C, rows, cols]`` whose flat indices the window convention
    gives the MACs' inputs (padding taps included), and the unpadded sizes that cap a fill."""

    rows: int
    cols: int
    caps: tuple[int, int]  # the unpadded rows, columns
    size: int

    @classmethod
    def of(cls, nest: LoopNest) -> PaddedInputs | None:
        """The padded tensor of a nest that issues padding taps under ``padding: window``;
        None where the convention changes nothing (no padding tap is issued)."""
        if (nest.arch.conventions.padding != "window" or nest.index != "output"
                or nest.filtered):
            return None
        layer = nest.layer
        ay, ax = layer.axis("y"), layer.axis("x")
        rows = (ay.outputs - 1) * ay.stride + (ay.taps - 1) * ay.dilation + 1
        cols = (ax.outputs - 1) * ax.stride + (ax.taps - 1) * ax.dilation + 1
        return cls(rows, cols, (layer.IY, layer.IX), layer.N * layer.C * rows * cols)

    def words(self, group: IntArray, inst: IntArray, elem: IntArray, n_inst: int,
              average: tuple[int, int] | None = None) -> IntArray:
        """Per run of the sorted distinct ``(group, instance, element)`` triples (the runs of
        :func:`run_sums`), the words of its fill under the window convention; ``average``:
        the rows and columns of the side's average fill, which every fill then holds."""
        plane = self.rows * self.cols
        parts = ((elem // plane, self.size // plane), (elem // self.cols % self.rows, self.rows),
                 (elem % self.cols, self.cols))
        if average is not None:
            parts = parts[:1]
        counts = [run_sums(*unique_triples(group, inst, part, n_inst, bound)[:2])[2]
                  for part, bound in parts]
        rows, cols = counts[1:] if average is None else average
        return counts[0] * np.minimum(rows, self.caps[0]) * np.minimum(cols, self.caps[1])

