"""The average fill of one side of an input link, for ``input_window: average`` (ZigZag's tile
sizes, docs/conventions.md): a fill holds, per spatial axis, the window that the side's
average numbers of output positions and taps per fill (rounded down) reach. A first pass over
the MAC stream counts them from the fills the simulator really issues."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.sim.stream import MacChunk, StreamPlan
from ripple.sim.tiles import ClosedTiles, TileStream, run_sums

IntArray = NDArray[np.int64]


class AverageFills:
    """One side of an input link under ``input_window: average``: over its fills (each
    distinct ``(group, instance)``), the distinct output rows, filter rows, output columns and
    filter columns the MACs of each fill use, summed, and the number of fills."""

    def __init__(self, plan: StreamPlan, n_inst: int) -> None:
        layer = plan.nest.layer
        self.plan = plan
        self.shape = (plan.out_y, layer.FY, plan.out_x, layer.FX)
        self.streams = [TileStream(n_inst, size) for size in self.shape]
        self.distinct = [0, 0, 0, 0]
        self.fills = 0

    def feed(self, chunk: MacChunk, group: IntArray, inst: IntArray,
             step_group: IntArray) -> None:
        """Add one chunk's MACs: per MAC its fill group and the side's instance, per issued
        step its group."""
        out_y, taps_y, out_x, taps_x = self.shape
        values = (chunk.o_flat // out_x % out_y, chunk.w_flat // taps_x % taps_y,
                  chunk.o_flat % out_x, chunk.w_flat % taps_x)
        for k, (stream, value) in enumerate(zip(self.streams, values, strict=True)):
            self._add(k, stream.feed(group, inst, value, step_group, chunk.step_cycles))

    def finish(self) -> None:
        for k, stream in enumerate(self.streams):
            self._add(k, stream.flush())

    def _add(self, k: int, closed: ClosedTiles) -> None:
        self.distinct[k] += closed.size
        if k == 0:
            self.fills += len(run_sums(closed.group, closed.inst)[0])

    def window(self) -> tuple[int, int]:
        """The rows and columns of the average fill: the distinct input positions its
        average output positions and taps (rounded down) reach, listed."""
        layer = self.plan.nest.layer
        if not self.fills:  # a side that moves nothing
            return 0, 0
        out: list[int] = []
        for axis, (positions, taps) in zip("yx", (self.distinct[:2], self.distinct[2:]),
                                           strict=True):
            geom = layer.axis(axis)
            reach = np.add.outer(np.arange(positions // self.fills) * geom.stride,
                                 np.arange(taps // self.fills) * geom.dilation)
            out.append(len(np.unique(reach)))
        return out[0], out[1]
