"""Density models: how a tensor's nonzeros are spread over its elements.

A format's expected footprint depends on the model only through :meth:`prob_empty`, the
probability that a given set of ``k`` distinct elements are all zero (an empty fiber, an empty
coordinate of an upper rank, a run of zeros). Both models are exchangeable: that probability
depends on ``k`` only, not on which elements, so it serves any tile cut from the tensor.

* :class:`Uniform` -- every element is nonzero independently with probability ``density``
  (Bernoulli): ``prob_empty(k) = (1 - density) ** k``.
* :class:`Actual` -- a real tensor's exact count of nonzeros placed uniformly at random among its
  elements (sampling without replacement, hypergeometric):
  ``prob_empty(k) = C(size - nonzeros, k) / C(size, k)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np


def _integer(name: str, value: object) -> int:
    """``value`` as an int, rejecting floats and bools (a count of elements is whole)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _as_counts(k: int | np.ndarray) -> np.ndarray:
    """``k`` as an integer array, rejecting fractional or negative element counts."""
    counts = np.asarray(k)
    if not np.issubdtype(counts.dtype, np.integer):
        raise ValueError(f"element counts must be integers, got dtype {counts.dtype}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"element counts must be >= 0, got {int(counts.min())}")
    return counts


def _like_input(k: int | np.ndarray, values: np.ndarray) -> float | np.ndarray:
    """A float for a scalar ``k``, an array shaped like ``k`` otherwise."""
    return float(values) if np.ndim(k) == 0 else values


@dataclass(frozen=True)
class Uniform:
    """Every element nonzero independently with probability ``density``."""

    density: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.density <= 1.0:
            raise ValueError(f"density must be in [0, 1], got {self.density!r}")

    def prob_empty(self, k: int | np.ndarray) -> float | np.ndarray:
        """Probability that ``k`` given elements are all zero."""
        counts = _as_counts(k)
        return _like_input(k, np.power(1.0 - float(self.density), counts, dtype=float))

    def expected_nonzeros(self, k: int | np.ndarray) -> float | np.ndarray:
        """Expected nonzeros among ``k`` given elements."""
        return _like_input(k, _as_counts(k) * float(self.density))


@dataclass(frozen=True)
class Actual:
    """``nonzeros`` of a tensor's ``size`` elements, placed uniformly at random."""

    nonzeros: int
    size: int

    def __post_init__(self) -> None:
        nonzeros, size = _integer("nonzeros", self.nonzeros), _integer("size", self.size)
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        if not 0 <= nonzeros <= size:
            raise ValueError(f"nonzeros must be in [0, size={size}], got {nonzeros}")
        object.__setattr__(self, "nonzeros", nonzeros)
        object.__setattr__(self, "size", size)

    @classmethod
    def of(cls, tensor: np.ndarray) -> Actual:
        """The model of ``tensor``: its count of nonzeros over its count of elements."""
        tensor = np.asarray(tensor)
        return cls(nonzeros=int(np.count_nonzero(tensor)), size=int(tensor.size))

    @property
    def density(self) -> float:
        return self.nonzeros / self.size

    def _checked(self, k: int | np.ndarray) -> np.ndarray:
        counts = _as_counts(k)
        if counts.size and counts.max() > self.size:
            raise ValueError(f"cannot pick {int(counts.max())} distinct elements of a tensor "
                             f"of {self.size}")
        return counts

    def prob_empty(self, k: int | np.ndarray) -> float | np.ndarray:
        """Probability that ``k`` given elements are all zero: C(size-nnz, k) / C(size, k).

        Computed as the running product of the ratios ``(zeros - i) / (size - i)``, each in
        [0, 1], so it neither overflows nor loses the small probabilities of long zero runs
        to cancellation (as a difference of log-binomials would).
        """
        counts = self._checked(k)
        top = int(counts.max()) if counts.size else 0
        i = np.arange(top, dtype=float)
        ratios = np.maximum(self.size - self.nonzeros - i, 0.0) / (self.size - i)
        table = np.concatenate(([1.0], np.cumprod(ratios)))
        return _like_input(k, table[counts])

    def expected_nonzeros(self, k: int | np.ndarray) -> float | np.ndarray:
        """Expected nonzeros among ``k`` given elements."""
        return _like_input(k, self._checked(k) * self.density)


DensityModel: TypeAlias = Uniform | Actual
