"""The golden convolution: the same layer computed by an independent route.

The simulator's output comes from accumulating the products of its own MAC stream; this module
computes the reference with no loop nest at all (a zero-padded input, a strided and dilated
sliding-window view, and one ``einsum`` per layer), so that a wrong index in the stream shows up
as a mismatch instead of being reproduced twice.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from ripple.workload import Layer


def golden_convolution(layer: Layer, inputs: NDArray[np.int64],
                       weights: NDArray[np.int64]) -> NDArray[np.int64]:
    """``O[n, k, oy, ox] = sum I_pad[n, c, oy*s + fy*d, ox*s + fx*d] * W[k, c, fy, fx]`` over the
    input channels ``c`` of ``k``'s group; shape ``(N, K, OY, OX)``, int64."""
    top, bottom, left, right = layer.padding
    padded = np.pad(inputs.astype(np.int64, copy=False),
                    ((0, 0), (0, 0), (top, bottom), (left, right)))
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    span_y, span_x = (layer.FY - 1) * dy + 1, (layer.FX - 1) * dx + 1
    windows = sliding_window_view(padded, (span_y, span_x), axis=(2, 3))
    windows = windows[:, :, ::sy, ::sx][:, :, : layer.OY, : layer.OX, ::dy, ::dx]
    n, g = layer.N, layer.G
    windows = windows.reshape(n, g, layer.C_group, layer.OY, layer.OX, layer.FY, layer.FX)
    kernel = weights.astype(np.int64, copy=False).reshape(
        g, layer.K_group, layer.C_group, layer.FY, layer.FX)
    out = np.einsum("ngcyxuv,gkcuv->ngkyx", windows, kernel)
    return out.reshape(n, layer.K, layer.OY, layer.OX)


def scatter_rows(layer: Layer) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows and columns of the enlarged scatter buffer that hold the layer's outputs.

    A pair ``(iy, fy)`` lands in buffer row ``q = iy - fy*d + (FY-1)*d``; it is a valid
    contribution to output row ``oy`` exactly when ``iy + pad - fy*d = oy*s``, i.e. at
    ``q = oy*s - pad + (FY-1)*d`` (likewise for columns). Some may fall outside the buffer.
    """
    ay, ax = layer.axis("y"), layer.axis("x")
    qy = np.arange(layer.OY) * ay.stride - ay.pad + (ay.taps - 1) * ay.dilation
    qx = np.arange(layer.OX) * ax.stride - ax.pad + (ax.taps - 1) * ax.dilation
    return qy, qx


def crop_scatter(layer: Layer, buffer: NDArray[np.int64]) -> NDArray[np.int64]:
    """The layer's output from the enlarged buffer of a scatter nest (:func:`scatter_rows`).
    Rows outside the buffer receive nothing (all padding): zero."""
    qy, qx = scatter_rows(layer)
    in_y = (qy >= 0) & (qy < buffer.shape[2])
    in_x = (qx >= 0) & (qx < buffer.shape[3])
    picked = buffer[:, :, np.clip(qy, 0, buffer.shape[2] - 1)][
        :, :, :, np.clip(qx, 0, buffer.shape[3] - 1)]
    return np.where(in_y[:, None] & in_x[None, :], picked, 0)
