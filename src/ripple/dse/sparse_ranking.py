"""A search under densities (``ripple explore --density``/``--digits``): mappings ranked by
their expected sparse counts (docs/exploration.md, "Densities").

Zero operands keep the schedule and remove actions (docs/sparsity.md), so a mapping's sparse
costs are bounded below by what they cannot remove: the energy of every transfer side that
sparsity leaves as in the dense schedule (:meth:`SkeletonBatch.floors` with ``dense_only``),
and, where the MACs skip, no latency at all (a skipped step takes no cycle). With those floors
the search prunes as it does dense, and evaluates the mappings that may still win with the
sparse model, one at a time, as ``ripple evaluate --density`` counts them: under the
architecture's own sparsity (``mac.sparsity``, a memory's ``sparsity`` and ``formats``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.errors import MappingError, RippleInputError
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.model.batch import SkeletonBatch
from ripple.model.sparsity import DensitiesLike
from ripple.workload.layer import Layer

Columns = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]


@dataclass(frozen=True)
class SparseRanking:
    """One layer's densities, on the architecture the search runs on."""

    densities: DensitiesLike
    arch: Architecture

    def floors(self, batch: SkeletonBatch, orders: NDArray[np.int64], energy: bool = True
               ) -> tuple[NDArray[np.float64] | None, NDArray[np.int64]]:
        """Floors of the orders' expected sparse energy and latency."""
        least, compute = batch.floors(orders, energy, dense_only=True)
        sparsity = self.arch.mac.sparsity
        if sparsity is not None and sparsity.action == "skip":
            compute = np.zeros_like(compute)
        return least, compute

    def evaluate(self, layer: Layer, mappings: list[Mapping]) -> Columns:
        """Each mapping's expected sparse energy and latency, and whether it fits."""
        energy = np.full(len(mappings), np.inf)
        latency = np.zeros(len(mappings), dtype=np.float64)
        valid = np.zeros(len(mappings), dtype=bool)
        for i, mapping in enumerate(mappings):
            nest = bind(layer, self.arch, mapping, source="exploration")
            try:
                result = evaluate(nest, self.densities)
            except MappingError:  # its tiles overflow a memory
                continue
            except ValueError as exc:  # a measured tensor smaller than a tile of its operand
                raise RippleInputError(f"layer {layer.name!r}: {exc}; measure the density on "
                                       "that layer's own tensor", field="--density") from None
            energy[i], latency[i], valid[i] = result.energy_pj, result.latency.total, True
        return energy, latency, valid


def counts_change(arch: Architecture) -> bool:
    """Whether zero operands change any count on ``arch``: its MACs skip or gate them, or a
    memory does or stores them compressed."""
    return arch.mac.sparsity is not None or any(
        memory.formats or memory.sparsity for level in arch.levels for memory in level.memories)

