"""Real activations for the sparsity study: the LeNet-5 trained on scikit-learn's digits.

Two uses: measured densities per layer (the nonzeros of every layer's input over the test
images, as an :class:`~ripple.sparse.distributions.Actual` model, and of its weights), and the
integer tensors of one image for the reference simulator, which computes exactly on integers.
The integer tensors keep the zero pattern exactly: a positive activation never rounds to zero.
"""

from __future__ import annotations

import numpy as np

from ripple.sparse.distributions import Actual
from ripple.workload.densities import DensityTable
from ripple.workload.digits_lenet5 import TrainedLeNet5, digits_images, train_lenet5_digits
from ripple.workload.layer import Layer

LEVELS = 127  # integer levels of the largest magnitude (8-bit symmetric quantisation)


def measured_densities(model: TrainedLeNet5 | None = None) -> DensityTable:
    """Per layer: ``I`` from its input over the test images, ``W`` from its weights."""
    model = model or train_lenet5_digits()
    activations = model.activations(digits_images("test"))
    return DensityTable(per_layer={
        name: {"I": Actual.of(activations[name]), "W": Actual.of(model.weights[name])}
        for name in activations})


def _integers(values: np.ndarray) -> np.ndarray:
    """Symmetric quantisation to ``LEVELS`` that maps exactly the zeros to zero."""
    scale = LEVELS / max(float(np.max(np.abs(values))), np.finfo(np.float32).tiny)
    rounded = np.round(values * scale)
    rounded = np.where((values != 0) & (rounded == 0), np.sign(values), rounded)
    return rounded.astype(np.int64)


def integer_tensors(layer: Layer, image: int = 0, model: TrainedLeNet5 | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs, weights)`` of ``layer`` for test image ``image``, as integers shaped
    ``[N, C, IY, IX]`` and ``[K, C/G, FY, FX]`` (fully connected layers as 1x1 maps)."""
    model = model or train_lenet5_digits()
    images = digits_images("test")[image:image + 1]
    activation = model.activations(images)[layer.name]
    weights = model.weights[layer.name]
    inputs = _integers(activation).reshape(layer.tensor_shape("I"))
    return inputs, _integers(weights).reshape(layer.tensor_shape("W"))
