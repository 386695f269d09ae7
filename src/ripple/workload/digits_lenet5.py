"""A LeNet-5 trained in NumPy on scikit-learn's bundled digits, for measured sparsity.

The sparsity study needs activation densities and event streams that come from a network
that really solves a task, not from random tensors. This module trains the zoo's LeNet-5
(:func:`ripple.workload.zoo.lenet5`: same shapes, same layer names, no biases, max pooling)
on ``sklearn.datasets.load_digits`` — bundled with scikit-learn, so nothing is downloaded —
and exposes the input tensor of every MAC layer, keyed by the zoo's layer names.

Data: the 8x8 images (values 0..16) are scaled to [0, 1] and upsampled to 32x32 by
nearest-neighbour replication (``np.kron`` with a 4x4 block of ones). Nearest-neighbour
keeps the background pixels exactly zero, so the first layer's input density is the
digit's true ink fraction; inputs are not mean-centred for the same reason. The last
:data:`TEST_SIZE` images are the test split, the others the training split.

Training is plain NumPy: im2col convolution (``sliding_window_view``), max pooling, ReLU,
softmax cross-entropy and Adam, all seeded by ``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

Params = dict[str, np.ndarray]

#: MAC layers in network order, named as in the zoo's LeNet-5.
CONV_LAYERS = ("conv1", "conv2")
FC_LAYERS = ("fc1", "fc2", "fc3")

#: Weight shapes as Ripple's layers state them: conv (K, C, FY, FX), fc (out, in).
WEIGHT_SHAPES: dict[str, tuple[int, ...]] = {
    "conv1": (6, 1, 5, 5),
    "conv2": (16, 6, 5, 5),
    "fc1": (120, 400),
    "fc2": (84, 120),
    "fc3": (10, 84),
}

TEST_SIZE = 297
UPSAMPLE = 4
EPOCHS = 12
BATCH_SIZE = 32
LEARNING_RATE = 2e-3


# ----- data -----------------------------------------------------------------------------------
@functools.cache
def _split(split: Literal["train", "test"]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, 32, 32) float32 in [0, 1] and labels (N,) of one split, read-only because
    the cached arrays are shared by every caller."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    images = np.kron(images, np.ones((1, UPSAMPLE, UPSAMPLE), dtype=np.float32))[:, None]
    labels = digits.target
    part = slice(-TEST_SIZE, None) if split == "test" else slice(None, -TEST_SIZE)
    images, labels = images[part], labels[part]
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def digits_images(split: Literal["train", "test"]) -> np.ndarray:
    """The split's images as the network reads them: (N, 1, 32, 32) float32 in [0, 1]."""
    return _split(split)[0]


# ----- layers ---------------------------------------------------------------------------------
def conv2d(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stride-1, unpadded convolution (LeNet-5's only kind) as one matrix product.

    Returns the output (N, K, OY, OX) and the im2col matrix (N*OY*OX, C*FY*FX), which the
    backward pass reuses for the weight gradient."""
    k, _, fy, fx = w.shape
    n, _, iy, ix = x.shape
    oy, ox = iy - fy + 1, ix - fx + 1
    windows = sliding_window_view(x, (fy, fx), axis=(2, 3))  # (N, C, OY, OX, FY, FX)
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oy * ox, -1)
    out = cols @ w.reshape(k, -1).T
    return out.reshape(n, oy, ox, k).transpose(0, 3, 1, 2), cols


def conv2d_backward(dout: np.ndarray, cols: np.ndarray, w: np.ndarray,
                    x_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d` with respect to its input and its weights.

    The input gradient scatters each filter tap's share back (col2im), one tap at a time:
    FY*FX vectorised additions instead of a loop over output positions."""
    k, c, fy, fx = w.shape
    n, _, oy, ox = dout.shape
    grad = dout.transpose(0, 2, 3, 1).reshape(-1, k)
    dw = (grad.T @ cols).reshape(w.shape)
    dcols = (grad @ w.reshape(k, -1)).reshape(n, oy, ox, c, fy, fx)
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for i in range(fy):
        for j in range(fx):
            dx[:, :, i:i + oy, j:j + ox] += dcols[..., i, j].transpose(0, 3, 1, 2)
    return dx, dw


def maxpool2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling with stride 2 on even-sized maps (28x28 and 10x10 in LeNet-5).

    Returns the pooled map and, per window, the index (0..3) of the element that won, so the
    gradient goes to exactly one element even when the window holds ties (ReLU zeros)."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    winner = windows.argmax(axis=-1)
    return np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0], winner


def maxpool2_backward(dout: np.ndarray, winner: np.ndarray) -> np.ndarray:
    """Gradient of :func:`maxpool2`: each window's gradient goes to its winning element."""
    n, c, h, w = dout.shape
    grad = np.zeros((n, c, h, w, 4), dtype=dout.dtype)
    np.put_along_axis(grad, winner[..., None], dout[..., None], axis=-1)
    return grad.reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


# ----- network --------------------------------------------------------------------------------
@dataclass
class Tape:
    """What the forward pass keeps for the backward pass, per layer name."""

    inputs: dict[str, np.ndarray] = field(default_factory=dict)  # what each MAC layer reads
    cols: dict[str, np.ndarray] = field(default_factory=dict)  # im2col of conv inputs
    pre_relu: dict[str, np.ndarray] = field(default_factory=dict)  # outputs before ReLU
    winners: dict[str, np.ndarray] = field(default_factory=dict)  # max-pool winners


def forward(params: Params, images: np.ndarray) -> tuple[np.ndarray, Tape]:
    """Logits (N, 10) of the zoo's LeNet-5: (conv, ReLU, max pool) x 2, flatten, fc 120,
    ReLU, fc 84, ReLU, fc 10; no biases."""
    tape = Tape()
    h = images
    for name in CONV_LAYERS:
        tape.inputs[name] = h
        z, tape.cols[name] = conv2d(h, params[name])
        tape.pre_relu[name] = z
        h, tape.winners[name] = maxpool2(np.maximum(z, 0))
    h = h.reshape(len(h), -1)
    for name in FC_LAYERS:
        tape.inputs[name] = h
        h = h @ params[name].T
        if name != FC_LAYERS[-1]:
            tape.pre_relu[name] = h
            h = np.maximum(h, 0)
    return h, tape


def backward(params: Params, tape: Tape, dlogits: np.ndarray) -> Params:
    """Weight gradients from the gradient of the logits, walking :func:`forward` backwards."""
    grads: Params = {}
    grad = dlogits
    for name in reversed(FC_LAYERS):
        if name in tape.pre_relu:
            grad = grad * (tape.pre_relu[name] > 0)
        grads[name] = grad.T @ tape.inputs[name]
        grad = grad @ params[name]
    grad = grad.reshape(tape.winners[CONV_LAYERS[-1]].shape)
    for name in reversed(CONV_LAYERS):
        grad = maxpool2_backward(grad, tape.winners[name]) * (tape.pre_relu[name] > 0)
        grad, grads[name] = conv2d_backward(grad, tape.cols[name], params[name],
                                            tape.inputs[name].shape)
    return grads


def loss_and_grads(params: Params, images: np.ndarray,
                   labels: np.ndarray) -> tuple[float, Params]:
    """Mean softmax cross-entropy of the batch and its weight gradients."""
    logits, tape = forward(params, images)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    loss = -float(log_probs[rows, labels].mean())
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1
    return loss, backward(params, tape, dlogits / len(labels))


def init_params(rng: np.random.Generator, dtype: npt.DTypeLike = np.float32) -> Params:
    """He-normal weights (std sqrt(2 / fan_in)), suited to the ReLU after every layer."""
    params = {}
    for name, shape in WEIGHT_SHAPES.items():
        fan_in = int(np.prod(shape[1:]))
        params[name] = (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(dtype)
    return params


class _Adam:
    """Adam (Kingma & Ba) with the usual defaults; chosen over SGD because it trains this
    bias-free net reliably in a few epochs without learning-rate tuning per layer."""

    def __init__(self, params: Params, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}
        self.steps = 0

    def step(self, params: Params, grads: Params) -> None:
        """Update ``params`` in place."""
        self.steps += 1
        scale = self.lr * np.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
        for name, grad in grads.items():
            self.m[name] += (1 - self.beta1) * (grad - self.m[name])
            self.v[name] += (1 - self.beta2) * (grad * grad - self.v[name])
            params[name] -= scale * self.m[name] / (np.sqrt(self.v[name]) + self.eps)


# ----- trained model --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TrainedLeNet5:
    """The trained network: weights per zoo layer name and its accuracy on the test split.

    Frozen and with read-only weights because one cached instance is shared by every caller;
    compared by identity (``eq=False``) since arrays have no single truth value."""

    weights: dict[str, np.ndarray]
    test_accuracy: float

    def activations(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """The input tensor of every MAC layer for a batch (N, 1, 32, 32), keyed by layer
        name: the image for conv1, the pooled ReLU output of conv1 for conv2, and the
        flattened (N, features) vector for the fc layers — the data each layer's input
        events come from."""
        if images.ndim != 4 or images.shape[1:] != (1, 32, 32):
            raise ValueError(f"expected images of shape (N, 1, 32, 32), got {images.shape}")
        return forward(self.weights, images)[1].inputs

    def densities(self, images: np.ndarray) -> dict[str, float]:
        """Fraction of nonzero elements of each MAC layer's input tensor over the batch."""
        return {name: np.count_nonzero(a) / a.size
                for name, a in self.activations(images).items()}


def accuracy(params: Params, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of images whose largest logit is the label."""
    return float((forward(params, images)[0].argmax(axis=1) == labels).mean())


@threadpool_limits.wrap(limits=1, user_api="blas")
def fit(seed: int, epochs: int) -> TrainedLeNet5:
    """Train from scratch (uncached): the same seed always gives the same weights, because
    the initial weights and every epoch's shuffle come from one seeded generator.

    BLAS runs single-threaded here: the matrices are small, and a multithreaded BLAS made
    training about ten times slower on a busy 2-core machine (threads spin-wait for cores).
    One thread also fixes the summation order whatever the machine's core count."""
    rng = np.random.default_rng(seed)
    params = init_params(rng)
    images, labels = _split("train")
    adam = _Adam(params, LEARNING_RATE)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            adam.step(params, loss_and_grads(params, images[batch], labels[batch])[1])
    for weight in params.values():
        weight.flags.writeable = False
    return TrainedLeNet5(weights=params, test_accuracy=accuracy(params, *_split("test")))


@functools.cache
def _fit_cached(seed: int, epochs: int) -> TrainedLeNet5:
    return fit(seed, epochs)


def train_lenet5_digits(seed: int = 0, epochs: int = EPOCHS) -> TrainedLeNet5:
    """The trained LeNet-5 for ``seed``; trained once per process and (seed, epochs), since
    every sparsity experiment reads the same network. Arguments are passed on positionally
    so that ``(0)`` and ``(seed=0)`` share one cache entry."""
    return _fit_cached(seed, epochs)
