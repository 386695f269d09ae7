"""Expected traffic of operands stored compressed (docs/sparsity.md, "Compressed formats").

Every transfer side at a memory that stores an operand in a format moves, per fill of ``n``
tile elements, the tile's stored words at the operand's precision plus its metadata bits, in
transactions of bits over the port's width (packed across fills). The expectation of a fill's
size depends on ``n`` only (the density models are exchangeable), so a side's expected bits are
a sum over the histogram of its fills' tile sizes (``components.fill_sizes``): exact, and no
fill is enumerated. Fills differ in size at the borders, which is why one mean tile will not do.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ripple.arch.sparsity_spec import StoredFormat
from ripple.mapping.nest import LoopNest
from ripple.model.components import fill_sizes, side_totals
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.model.sparsity import DensitiesLike, density_models
from ripple.results.compressed import CodedSides
from ripple.sparse.distributions import DensityModel
from ripple.sparse.formats import expected_footprint


@lru_cache(maxsize=1 << 14)
def expected_fill_bits(stored: StoredFormat, n: int, word_bits: int,
                       model: DensityModel) -> float:
    """Expected bits of one fill of ``n`` elements: stored words and metadata."""
    if n == 0:  # an instance with no part of the tile is not filled
        return 0.0
    footprint = expected_footprint(stored.ranks(), stored.shape(n), model)
    return footprint.data_words * word_bits + footprint.metadata_bits


def _expected_bits(stored: StoredFormat, sizes: NDArray[np.int64], counts: NDArray[np.int64],
                   word_bits: int, model: DensityModel) -> float:
    return float(sum(int(c) * expected_fill_bits(stored, int(n), word_bits, model)
                     for n, c in zip(sizes, counts, strict=True)))


def coded_sides(nest: LoopNest, view: NestFactors, densities: DensitiesLike
                ) -> dict[tuple[str, str], CodedSides]:
    """Per (memory, operand) stored compressed: its transfer sides, dense and expected
    compressed, under the layer's density model of the operand (missing: dense)."""
    models = density_models(densities)
    precision = nest.layer.precision
    out: dict[tuple[str, str], CodedSides] = {}
    for operand in ("I", "W"):
        word_bits = getattr(precision, operand)
        for link in operand_links(nest, operand):
            qs = view.qs(link.prefix)
            for channel, sides in link.channels():
                for side in sides:
                    assert side.memory is not None
                    stored = side.memory.stored_format(operand)
                    if stored is None:
                        continue
                    insts = view.parts(side)
                    transfer = link.transfer(channel, side, precision)
                    tx, bits, _ = side_totals(view.groups, qs, insts, transfer)
                    coded_bits = _expected_bits(stored, *fill_sizes(view.groups, qs, insts,
                                                                    operand),
                                                word_bits, models[operand])
                    part = CodedSides()
                    part.dense.book(side.direction, tx, bits)
                    part.coded.book(side.direction, coded_bits / side.bandwidth, coded_bits)
                    out.setdefault((side.memory.name, operand), CodedSides()).add(part)
    return out

