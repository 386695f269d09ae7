"""Loop orders of one level that every count agrees on, so that a search evaluates one of each.

Every column :meth:`SkeletonBatch.evaluate` gives for an order is a function of its keys
(model/batch.py): each factor's loops in nest order (the factor's tables), and per cut the loops
that lie before the cut's fill prefix, one past the innermost loop above the cut that is relevant
to the operand; where a link fills by deltas, also the factors of those loops in nest order (where
the carries fall). A skeleton's orders permute loops within a level and its cuts lie between
levels, so one level's order enters the keys only through:

1. the relative order of each factor's loops in the level;
2. per operand, which of the level's loops lie up to its innermost relevant loop (none when it
   has none: the prefix of a cut below lies further out), and so before the prefix of every cut
   below the level;
3. under delta fills, the factor of each position of the level.

Two orders of a level equal in these have equal keys for every cut, whatever the other levels
hold: equal energy, latency, tiles and validity. Loops of two factors with the same relevance
commute, for example (``C`` and ``FX`` under a cut of outputs); a level of many such loops has
far fewer classes than orders.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.mapping.skeleton import Loop
from ripple.model.batch import unique_inverse
from ripple.model.factors import FACTOR_NAMES, FACTOR_OF
from ripple.model.relevance import is_relevant
from ripple.workload.layer import OPERANDS, IndexKind

IntArray = NDArray[np.int64]
_BITS_PER_WORD = 62


def class_keys(loops: tuple[Loop, ...], perms: IntArray, index: IndexKind,
               interleaved: bool) -> IntArray:
    """Per permutation of the level's ``loops`` (rows of loop indices, outermost first), a key
    equal for two permutations exactly when they agree in 1-3 above: as packed integer
    columns."""
    n = len(loops)
    position = np.argsort(perms, axis=1)  # position[p, loop]
    factor = np.array([FACTOR_NAMES.index(FACTOR_OF[d]) for d, _ in loops], dtype=np.int64)
    digits: list[tuple[IntArray, int]] = []  # (column, its base)
    for i in range(n):
        for j in range(i + 1, n):
            if factor[i] == factor[j]:
                digits.append(((position[:, i] < position[:, j]).astype(np.int64), 2))
    for operand in OPERANDS:
        relevant = [i for i, (d, _) in enumerate(loops) if is_relevant(index, operand, d)]
        if relevant:
            innermost = position[:, relevant].max(axis=1)
            digits += [((position[:, i] <= innermost).astype(np.int64), 2) for i in range(n)]
    if interleaved:
        digits += [(factor[perms[:, t]], len(FACTOR_NAMES)) for t in range(n)]
    return _packed(digits, len(perms))


def _packed(digits: list[tuple[IntArray, int]], rows: int) -> IntArray:
    """Mixed-radix digits packed into as few int64 columns as hold them."""
    words, word, used = [], np.zeros(rows, dtype=np.int64), 0
    for column, base in digits:
        bits = int(base - 1).bit_length()
        if used + bits > _BITS_PER_WORD:
            words.append(word)
            word, used = np.zeros(rows, dtype=np.int64), 0
        word = (word << bits) | column
        used += bits
    words.append(word)
    return np.stack(words, axis=1)


def representatives(loops: tuple[Loop, ...], perms: IntArray, index: IndexKind,
                    interleaved: bool) -> IntArray:
    """Indices of the first permutation of each class among ``perms``, in their order."""
    if len(loops) < 2 or len(perms) < 2:
        return np.arange(len(perms), dtype=np.int64)
    first, _ = unique_inverse(class_keys(loops, perms, index, interleaved))
    return np.sort(first)
