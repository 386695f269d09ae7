"""Compressed-format accounting: hand-encoded tiles, the expectation against exhaustive
enumeration and against the mean of many random tiles, edge densities and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ripple.sparse.distributions import Actual, Uniform
from ripple.sparse.formats import (
    CP,
    RLE,
    UOP,
    B,
    Encoding,
    TileFootprint,
    U,
    bitmask,
    coo,
    csr,
    encode,
    encode_fields,
    expected_footprint,
    rle,
    uncompressed,
    uop_rle,
)

DRAWS = 2000


def _name(fmt) -> str:
    """A test id: the rank formats with any widths given, e.g. ``UOP-RLE1``."""
    return "-".join(type(r).__name__ + "".join(str(v) for v in vars(r).values() if v is not None)
                    for r in fmt)


def _metadata(encoding: Encoding) -> dict[int, list[tuple[str, int]]]:
    """Fields per rank, in the order stored, as (kind, value)."""
    ranks: dict[int, list[tuple[str, int]]] = {}
    for f in encoding.fields:
        ranks.setdefault(f.rank, []).append((f.kind, f.value))
    return ranks


# ---------------------------------------------------------------- hand-encoded tiles

# (format, tile, shape or None, payload as stored, fields per rank, metadata bits)
HAND = [
    # runs 1 and 5 before the nonzeros; run_bits=2 holds at most 3, so the run of 5 stores the
    # zero at index 5 explicitly (run 3) and the 5 follows it after a run of 1
    (rle(2), [0, 3, 0, 0, 0, 0, 0, 5], None, [3, 0, 5],
     {0: [("run", 1), ("run", 3), ("run", 1)]}, 3 * 2),
    # default width for 8 coordinates is 3 bits (runs up to 7): no padding
    (rle(), [0, 3, 0, 0, 0, 0, 0, 5], None, [3, 5], {0: [("run", 1), ("run", 5)]}, 2 * 3),
    # run_bits=1 holds at most 1: the run of 5 stores zeros at indices 1 and 3, then run 1
    (rle(1), [0, 0, 0, 0, 0, 7], None, [0, 0, 7],
     {0: [("run", 1), ("run", 1), ("run", 1)]}, 3 * 1),
    # trailing zeros are not encoded
    (rle(1), [4, 0, 0, 0, 0, 0, 0, 0], None, [4], {0: [("run", 0)]}, 1),
    # one bit per coordinate (index 0 is the most significant bit)
    (bitmask(), [0, 1, 0, 2, 0], None, [1, 2], {0: [("mask", 0b01010)]}, 5),
    (uncompressed(), [[0, 1, 0], [2, 0, 0]], (6,), [0, 1, 0, 2, 0, 0], {}, 0),
    # 10 coordinates need 4-bit coordinates
    (((CP(),)), [0, 0, 9, 0, 0, 0, 0, 0, 0, 1], None, [9, 1],
     {0: [("coord", 2), ("coord", 9)]}, 2 * 4),
    # rows at offsets 0, 1, 1, 3 of the column array, 4 bits each (offsets up to 12);
    # columns 1, 0, 3 at 2 bits each
    (csr(), [[0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 0, 3]], None, [2, 1, 3],
     {0: [("offset", 0), ("offset", 1), ("offset", 1), ("offset", 3)],
      1: [("coord", 1), ("coord", 0), ("coord", 3)]}, 4 * 4 + 3 * 2),
    # flattened coordinates 1, 8, 11 of a 3x4 tile, 2 + 2 bits each
    (coo((3, 4)), [[0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 0, 3]], (12,), [2, 1, 3],
     {0: [("coord", 1), ("coord", 8), ("coord", 11)]}, 3 * 4),
    # offsets 0, 3, 3 (5 bits: up to 16) over the runs of the first example
    (uop_rle(run_bits=2), [[0, 3, 0, 0, 0, 0, 0, 5], [0] * 8], None, [3, 0, 5],
     {0: [("offset", 0), ("offset", 3), ("offset", 3)],
      1: [("run", 1), ("run", 3), ("run", 1)]}, 3 * 5 + 3 * 2),
    # an uncompressed outer rank keeps the empty row's bitmask
    ((U(), B()), [[0, 1, 0, 0], [0, 0, 0, 0]], None, [1],
     {1: [("mask", 0b0100), ("mask", 0)]}, 8),
    # a bitmask outer rank drops it
    ((B(), B()), [[0, 1, 0, 0], [0, 0, 0, 0]], None, [1],
     {0: [("mask", 0b10)], 1: [("mask", 0b0100)]}, 2 + 4),
    # row 3 is preceded by 3 empty rows, more than run_bits=1 holds: row 1 is stored
    # explicitly (run 1) with its zeros, then row 3 (run 1)
    ((RLE(1), U()), [[0, 0], [0, 0], [0, 0], [1, 0], [0, 0]], None, [0, 0, 1, 0],
     {0: [("run", 1), ("run", 1)]}, 2),
    # offsets at the leaf point at payload words: 0..3, 2 bits each
    (((UOP(),)), [0, 5, 0], None, [0, 5, 0],
     {0: [("offset", 0), ("offset", 1), ("offset", 2), ("offset", 3)]}, 4 * 2),
]


@pytest.mark.parametrize(("fmt", "tile", "shape", "payload", "fields", "bits"), HAND,
                         ids=[f"{_name(case[0])}-{i}" for i, case in enumerate(HAND)])
def test_encode_hand_computed(fmt, tile, shape, payload, fields, bits):
    encoding = encode_fields(fmt, np.array(tile), shape)
    assert list(encoding.data) == payload
    assert _metadata(encoding) == fields
    assert all(0 <= f.value < 1 << f.bits for f in encoding.fields)
    assert encode(fmt, np.array(tile), shape) == TileFootprint(len(payload), bits)


# ---------------------------------------------------------------- expectation, exhaustively

SMALL = {
    1: [(10,), [uncompressed(), bitmask(), rle(0), rle(1), rle(2), rle(), (CP(),), (UOP(),),
                coo((2, 5))]],
    2: [(5, 2), [csr(), uop_rle(run_bits=0), (B(), B()), (U(), B()), (RLE(1), U()),
                 (CP(), RLE(0)), (RLE(0), RLE(1)), (B(), U())]],
    3: [(2, 3, 2), [(UOP(), UOP(), CP()), (B(), RLE(0), CP()), (RLE(1), RLE(0), RLE(1)),
                    (U(), CP(), B())]],
}
SMALL_CASES = [(fmt, shape) for shape, fmts in SMALL.values() for fmt in fmts]


def _weights_uniform(nonzeros: np.ndarray, size: int, density: float) -> np.ndarray:
    return density ** nonzeros * (1 - density) ** (size - nonzeros)


def _weights_actual(nonzeros: np.ndarray, size: int, model: Actual) -> np.ndarray:
    """P(a given tile pattern with k nonzeros) when the tile is part of the tensor."""
    rest = model.size - size
    return np.array([math.comb(rest, model.nonzeros - k) if k <= model.nonzeros else 0
                     for k in nonzeros]) / math.comb(model.size, model.nonzeros)


@pytest.mark.parametrize(("fmt", "shape"), SMALL_CASES,
                         ids=[f"{_name(f)}-{s}" for f, s in SMALL_CASES])
def test_expectation_equals_exhaustive_enumeration(fmt, shape):
    size = math.prod(shape)
    patterns = (np.arange(2 ** size)[:, None] >> np.arange(size)) & 1
    counts = np.array([[fp.data_words, fp.metadata_bits]
                       for fp in (encode(fmt, p * 7.0, shape) for p in patterns)])
    nonzeros = patterns.sum(axis=1)
    models = [(Uniform(0.3), _weights_uniform(nonzeros, size, 0.3)),
              (Actual(4, size), _weights_actual(nonzeros, size, Actual(4, size))),
              (Actual(5, 13), _weights_actual(nonzeros, size, Actual(5, 13)))]
    for model, weights in models:
        assert weights.sum() == pytest.approx(1.0)
        got = expected_footprint(fmt, shape, model)
        want = weights @ counts
        np.testing.assert_allclose([got.data_words, got.metadata_bits], want, rtol=0,
                                   atol=1e-12, err_msg=repr(model))


# ---------------------------------------------------------------- expectation vs random tiles

ONE_RANK = [uncompressed(), bitmask(), rle(1), rle(2), rle(), (CP(),)]
TWO_RANK = [csr(), uop_rle(run_bits=1), (B(), B()), (U(), B()), (RLE(1), U()), (CP(), RLE(2))]
THREE_RANK = [(UOP(), UOP(), CP()), (B(), RLE(0), CP()), (U(), CP(), RLE(1))]
CASES = ([(fmt, (37,)) for fmt in ONE_RANK] + [(coo((3, 5)), (15,))]
         + [(fmt, shape) for fmt in TWO_RANK for shape in ((4, 8), (3, 13))]
         + [(fmt, (2, 3, 5)) for fmt in THREE_RANK])
CASE_IDS = [f"{_name(f)}-{s}" for f, s in CASES]


def _assert_mean_matches(fmt, tiles: np.ndarray, expected: TileFootprint) -> None:
    """The sample mean of ``encode`` lies within 5 standard errors of the expectation, plus
    room for rare tiles no draw hit (an empty row at density 0.8 has probability 1e-6, so
    every draw may agree exactly while the expectation differs by 4e-6): tiles of total
    probability up to 10/n can move the mean by that times the span of footprints (seen, or
    of the empty and full tiles), and stay unseen in n draws with probability e**-10."""
    samples = np.array([[fp.data_words, fp.metadata_bits]
                        for fp in (encode(fmt, tile) for tile in tiles)])
    extremes = np.array([[fp.data_words, fp.metadata_bits]
                         for fp in (encode(fmt, t(tiles.shape[1:])) for t in (np.zeros, np.ones))])
    pooled = np.vstack([samples, extremes])
    span = pooled.max(axis=0) - pooled.min(axis=0)
    n = len(samples)
    mean = samples.mean(axis=0)
    error = samples.std(axis=0, ddof=1) / math.sqrt(n)
    want = np.array([expected.data_words, expected.metadata_bits])
    assert np.all(np.abs(mean - want) <= 5 * error + 10 * span / n + 1e-9), (mean, want, error)


@pytest.mark.parametrize("density", [0.05, 0.3, 0.8])
@pytest.mark.parametrize(("fmt", "shape"), CASES, ids=CASE_IDS)
def test_expectation_matches_bernoulli_tiles(fmt, shape, density):
    rng = np.random.default_rng(20240611)
    values = rng.integers(1, 10, size=(DRAWS, *shape)).astype(float)
    tiles = np.where(rng.random((DRAWS, *shape)) < density, values, 0.0)
    _assert_mean_matches(fmt, tiles, expected_footprint(fmt, shape, Uniform(density)))


@pytest.mark.parametrize(("density", "spare"), [(0.05, 0.5), (0.3, 0.0), (0.8, 0.5)])
@pytest.mark.parametrize(("fmt", "shape"), CASES, ids=CASE_IDS)
def test_expectation_matches_permuted_tensor(fmt, shape, density, spare):
    """Tiles are the first elements of random permutations of a fixed tensor (the whole of
    it when ``spare`` is 0, else a part)."""
    rng = np.random.default_rng(20240612)
    size = math.prod(shape)
    tensor = np.zeros(size + int(spare * size))
    nonzeros = round(density * tensor.size)
    tensor[:nonzeros] = rng.integers(1, 10, size=nonzeros)
    order = np.argsort(rng.random((DRAWS, tensor.size)), axis=1)
    tiles = tensor[order][:, :size].reshape(DRAWS, *shape)
    _assert_mean_matches(fmt, tiles, expected_footprint(fmt, shape, Actual.of(tensor)))


def test_padding_is_counted_in_random_cases():
    """The statistical cases exercise padding: without it RLE(1) would store only nonzeros."""
    got = expected_footprint(rle(1), (37,), Uniform(0.05))
    assert got.data_words > 37 * 0.05 + 5


# ---------------------------------------------------------------- edge densities


@pytest.mark.parametrize(("fmt", "shape"), CASES + SMALL_CASES,
                         ids=CASE_IDS + [f"small-{_name(f)}-{s}" for f, s in SMALL_CASES])
def test_empty_and_full_tiles_are_exact(fmt, shape):
    size = math.prod(shape)
    empty, full = np.zeros(shape), np.ones(shape)
    for model, tile in [(Uniform(0.0), empty), (Uniform(1.0), full),
                        (Actual(0, size + 3), empty), (Actual(size, size), full)]:
        assert expected_footprint(fmt, shape, model) == encode(fmt, tile), model


def test_full_tile_counts():
    """Full tiles store every element; compressed ranks then pay metadata for all of them."""
    assert encode(csr(), np.ones((4, 8))) == TileFootprint(32, 5 * 6 + 32 * 3)
    assert encode(rle(1), np.ones(37)) == TileFootprint(37, 37)
    assert expected_footprint(bitmask(), (37,), Uniform(0.0)) == TileFootprint(0, 37)


def test_large_tile_is_finite_and_matches_closed_forms():
    size = 200_000
    model = Actual(nonzeros=20_000, size=4 * size)
    mask = expected_footprint(bitmask(), (size,), model)
    assert mask.data_words == pytest.approx(size * 0.025)
    assert mask.metadata_bits == size
    padded = expected_footprint(rle(2), (size,), model)
    assert size * 0.025 < padded.data_words < size
    assert math.isfinite(padded.metadata_bits)


# ---------------------------------------------------------------- density models


@pytest.mark.parametrize(("nonzeros", "size"), [(0, 7), (3, 7), (7, 7), (5, 40)])
def test_actual_prob_empty_is_hypergeometric(nonzeros, size):
    model = Actual(nonzeros, size)
    k = np.arange(size + 1)
    want = [math.comb(size - nonzeros, int(j)) / math.comb(size, int(j)) for j in k]
    assert model.prob_empty(k) == pytest.approx(want, abs=1e-15)
    assert isinstance(model.prob_empty(2), float)
    assert model.expected_nonzeros(np.array([0, size])) == pytest.approx([0, nonzeros])
    assert model.density == nonzeros / size


def test_uniform_prob_empty_is_bernoulli():
    model = Uniform(0.25)
    assert model.prob_empty(np.array([[0, 1], [2, 3]])) == pytest.approx(
        np.array([[1, 0.75], [0.75 ** 2, 0.75 ** 3]]))
    assert model.prob_empty(3) == pytest.approx(0.75 ** 3)
    assert model.expected_nonzeros(8) == 2.0


def test_actual_of_counts_the_tensor():
    tensor = np.array([[0, 1, 0], [2, 0, 0], [0, 0, -3.5], [0, 0, 0]])
    assert Actual.of(tensor) == Actual(nonzeros=3, size=12)
    assert Actual.of(tensor).density == 0.25


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Uniform(1.5), r"density must be in \[0, 1\], got 1.5"),
    (lambda: Uniform(float("nan")), r"density must be in \[0, 1\]"),
    (lambda: Actual(5, 4), r"nonzeros must be in \[0, size=4\], got 5"),
    (lambda: Actual(-1, 4), r"nonzeros must be in \[0, size=4\], got -1"),
    (lambda: Actual(0, 0), r"size must be >= 1, got 0"),
    (lambda: Actual(1.5, 4), r"nonzeros must be an integer, got 1.5"),
    (lambda: Actual(2, 4).prob_empty(5), r"cannot pick 5 distinct elements of a tensor of 4"),
    (lambda: Uniform(0.5).prob_empty(-1), r"element counts must be >= 0, got -1"),
    (lambda: Uniform(0.5).prob_empty(np.array([1.5])), r"element counts must be integers"),
    (lambda: RLE(-1), r"RLE run_bits must be a non-negative integer or None, got -1"),
    (lambda: CP(coord_bits=2.0), r"CP coord_bits must be a non-negative integer"),
    (lambda: UOP(offset_bits=True), r"UOP offset_bits must be a non-negative integer"),
    (lambda: coo((3, 0)), r"coo dims must be positive integers, got \(3, 0\)"),
    (lambda: expected_footprint((CP(coord_bits=2),), (8,), Uniform(0.5)),
     r"CP coord_bits=2 cannot address a fiber of 8 coordinates \(needs 3\)"),
    (lambda: encode(csr(offset_bits=3), np.ones((2, 4))),
     r"UOP offset_bits=3 cannot point past 8 elements \(needs 4\)"),
    (lambda: expected_footprint(csr(), (16,), Uniform(0.5)),
     r"format has 2 ranks but shape \(16,\) has 1"),
    (lambda: expected_footprint(bitmask(), (0,), Uniform(0.5)),
     r"rank lengths must be positive integers, got shape \(0,\)"),
    (lambda: expected_footprint((), (), Uniform(0.5)), r"a format needs at least one rank"),
    (lambda: expected_footprint(("RLE",), (4,), Uniform(0.5)), r"not a rank format: 'RLE'"),
    (lambda: expected_footprint(bitmask(), (10,), Actual(2, 8)),
     r"a tile of 10 elements does not fit in the modelled tensor of 8"),
    (lambda: encode(bitmask(), np.ones(6), (4,)), r"a tile of 6 elements cannot take shape"),
])
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
