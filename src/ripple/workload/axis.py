"""One spatial axis of a convolution and the closed-form count of its valid (position, tap) pairs.

A convolution is separable per spatial axis: along y, output row ``oy`` and tap ``fy`` read input
row ``iy = oy*stride + fy*dilation - pad_before``. A pair is *valid* when that row is inside the
input (not padding) and ``oy`` is a real output row. In an input-indexed (event-driven) nest the
loop runs over ``(iy, fy)`` and the output row is ``(iy + pad_before - fy*dilation) / stride``,
a valid pair only when that is an integer in ``[0, OY)``.

Both views count the same set of integer solutions, so one function serves both: the number of
``(oy, fy)`` with ``oy`` in an output range, ``fy`` in a tap range and the input row in an input
window. For each tap the admissible ``oy`` form one interval, so the count is a sum over taps of
interval lengths: no enumeration of positions, and vectorised over any batch of rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class AxisGeometry:
    """Sizes of one axis: input extent, output extent, taps, stride, dilation, leading pad."""

    inputs: int
    outputs: int
    taps: int
    stride: int = 1
    dilation: int = 1
    pad: int = 0

    @property
    def scatter_extent(self) -> int:
        """Output extent of the full (scatter) accumulation: ``inputs + (taps-1)*dilation``."""
        return self.inputs + (self.taps - 1) * self.dilation


def _ceil_div(num: NDArray[np.int64], den: int) -> NDArray[np.int64]:
    return -((-num) // den)


def count_pairs(
    axis: AxisGeometry,
    out_range: tuple[ArrayLike, ArrayLike],
    tap_range: tuple[ArrayLike, ArrayLike],
    in_window: tuple[ArrayLike, ArrayLike],
) -> NDArray[np.int64]:
    """Number of ``(oy, fy)`` with ``oy`` in ``out_range``, ``fy`` in ``tap_range`` (half-open) and
    ``oy*stride + fy*dilation - pad`` in ``in_window``. Arguments broadcast against each other."""
    o_lo, o_hi = (np.asarray(v, dtype=np.int64) for v in out_range)
    f_lo, f_hi = (np.asarray(v, dtype=np.int64) for v in tap_range)
    i_lo, i_hi = (np.asarray(v, dtype=np.int64) for v in in_window)
    o_lo, o_hi = np.maximum(o_lo, 0), np.minimum(o_hi, axis.outputs)
    f_lo, f_hi = np.maximum(f_lo, 0), np.minimum(f_hi, axis.taps)
    shape = np.broadcast_shapes(o_lo.shape, f_lo.shape, i_lo.shape, o_hi.shape, f_hi.shape,
                                i_hi.shape)
    taps = np.arange(axis.taps, dtype=np.int64).reshape((axis.taps,) + (1,) * len(shape))
    shift = axis.pad - taps * axis.dilation  # oy*stride in [i_lo + shift, i_hi + shift)
    lo = np.maximum(o_lo, _ceil_div(i_lo + shift, axis.stride))
    hi = np.minimum(o_hi, _ceil_div(i_hi + shift, axis.stride))
    in_taps = (taps >= f_lo) & (taps < f_hi)
    return np.where(in_taps, np.maximum(hi - lo, 0), 0).sum(axis=0)


def valid_pairs_in_input_tile(
    axis: AxisGeometry,
    in_range: tuple[ArrayLike, ArrayLike],
    tap_range: tuple[ArrayLike, ArrayLike],
) -> NDArray[np.int64]:
    """Valid pairs of an input-indexed tile: input positions ``in_range`` x taps ``tap_range``."""
    return count_pairs(axis, (0, axis.outputs), tap_range, in_range)


def valid_pairs_in_output_tile(
    axis: AxisGeometry,
    out_range: tuple[ArrayLike, ArrayLike],
    tap_range: tuple[ArrayLike, ArrayLike],
) -> NDArray[np.int64]:
    """Non-padding pairs of an output-indexed tile: outputs ``out_range`` x taps ``tap_range``."""
    return count_pairs(axis, out_range, tap_range, (0, axis.inputs))


def valid_pairs(axis: AxisGeometry) -> int:
    """All valid pairs of the axis."""
    return int(valid_pairs_in_output_tile(axis, (0, axis.outputs), (0, axis.taps)))
