"""The digits-trained LeNet-5: accuracy, layer maths against independent computations, shapes
against the zoo's LeNet-5, measured densities and determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ripple.workload.digits_lenet5 import (
    TEST_SIZE,
    TrainedLeNet5,
    conv2d,
    digits_images,
    fit,
    init_params,
    loss_and_grads,
    train_lenet5_digits,
)
from ripple.workload.zoo import lenet5


@pytest.fixture(scope="module")
def model() -> TrainedLeNet5:
    return train_lenet5_digits()


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """An fc layer's (N, C, 1, 1) tensor as the (N, C) matrix the network multiplies."""
    return shape[:2] if shape[2:] in ((), (1, 1)) else shape


def test_images_are_scaled_upsampled_digits() -> None:
    raw = load_digits().images
    test, train = digits_images("test"), digits_images("train")
    assert test.shape == (TEST_SIZE, 1, 32, 32)
    assert train.shape == (len(raw) - TEST_SIZE, 1, 32, 32)
    # every 4x4 block of an upsampled image is its source pixel / 16
    np.testing.assert_allclose(test[:, 0, 3::4, 1::4], raw[-TEST_SIZE:] / 16, rtol=1e-6)
    np.testing.assert_allclose(train[:, 0, ::4, 2::4], raw[:-TEST_SIZE] / 16, rtol=1e-6)


def test_test_accuracy_at_least_90_percent(model: TrainedLeNet5) -> None:
    assert model.test_accuracy >= 0.9
    # recomputed from the last layer's input and weights, against sklearn's own labels
    logits = model.activations(digits_images("test"))["fc3"] @ model.weights["fc3"].T
    labels = load_digits().target[-TEST_SIZE:]
    assert np.mean(logits.argmax(axis=1) == labels) == pytest.approx(model.test_accuracy)


def test_conv_forward_equals_nested_loops() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    expected = np.zeros((2, 4, 5, 5))
    for n, k, oy, ox, c, fy, fx in itertools.product(*map(range, (2, 4, 5, 5, 3, 3, 2))):
        expected[n, k, oy, ox] += x[n, c, oy + fy, ox + fx] * w[k, c, fy, fx]
    np.testing.assert_allclose(conv2d(x, w)[0], expected, rtol=1e-12, atol=1e-12)


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(2)
    params = init_params(rng, np.float64)
    images = rng.standard_normal((3, 1, 32, 32))
    labels = np.array([3, 7, 1])
    _, grads = loss_and_grads(params, images, labels)
    eps = 1e-6
    for name, weight in params.items():
        for _ in range(4):
            index = tuple(int(rng.integers(size)) for size in weight.shape)
            saved = weight[index]
            weight[index] = saved + eps
            up = loss_and_grads(params, images, labels)[0]
            weight[index] = saved - eps
            down = loss_and_grads(params, images, labels)[0]
            weight[index] = saved
            assert grads[name][index] == pytest.approx((up - down) / (2 * eps),
                                                       rel=1e-4, abs=1e-8), (name, index)


def test_activation_and_weight_shapes_match_the_zoo(model: TrainedLeNet5) -> None:
    images = digits_images("test")[:5]
    activations = model.activations(images)
    zoo_layers = lenet5(batch=5).mac_layers
    assert list(activations) == [layer.name for layer in zoo_layers]
    for layer in zoo_layers:
        assert activations[layer.name].shape == _squeezed(layer.tensor_shape("I")), layer.name
        assert model.weights[layer.name].shape == _squeezed(layer.tensor_shape("W")), layer.name
    with pytest.raises(ValueError, match="shape"):
        model.activations(images[:, :, :28, :28])


def test_densities_are_measured_input_sparsity(model: TrainedLeNet5) -> None:
    images = digits_images("test")
    densities = model.densities(images)
    assert all(0 < density <= 1 for density in densities.values()), densities
    assert densities["conv1"] == np.count_nonzero(images) / images.size
    assert densities["conv2"] < 1.0


def test_same_seed_gives_identical_weights(model: TrainedLeNet5) -> None:
    first, second = fit(seed=0, epochs=1), fit(seed=0, epochs=1)
    for name, weight in first.weights.items():
        np.testing.assert_array_equal(weight, second.weights[name])
    other_seed = fit(seed=1, epochs=1)
    assert not np.array_equal(first.weights["conv1"], other_seed.weights["conv1"])
    assert train_lenet5_digits(seed=0) is model
