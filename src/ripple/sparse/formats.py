"""Compressed formats: the data words and metadata bits a tile occupies, as in Sparseloop.

A tile is a fiber tree over ranks ``shape = (n_0, ..., n_{R-1})``, outermost first; the leaf
rank is last and is usually flattened by the caller (a 1-rank format takes a 1-D shape). A
format is a sequence of per-rank formats, one per rank, outermost first: CSR is
``(UOP(), CP())`` over ``(rows, cols)``; Eyeriss is ``(UOP(), RLE())`` over a flattened rank.

Conventions (the same for :func:`expected_footprint` and :func:`encode`):

* Every rank *stores* some coordinates of each of its *present* fibers. The root fiber is
  always present; the fibers of rank ``r + 1`` present are those under the coordinates rank
  ``r`` stores. A coordinate is *empty* when every element below it is zero.
* ``U`` (uncompressed) stores every coordinate; no metadata.
* ``UOP`` (uncompressed offset pair) stores every coordinate and ``n + 1`` offsets per fiber,
  each ``offset_bits`` wide, pointing at where each coordinate's entries in the next rank begin
  (the leaf's next rank is the data). Default width: enough for the offset
  ``n_r * ... * n_{R-1}`` (all elements below the fiber), ``ceil(log2(that + 1))``.
* ``B`` (bitmask) stores the nonempty coordinates and ``n`` one-bit flags per fiber.
* ``CP`` (coordinate payload) stores the nonempty coordinates, each with a ``coord_bits``
  coordinate. Default width ``ceil(log2(n))``; COO over several dimensions is one flattened
  ``CP`` whose width is the sum of the dimensions' widths (:func:`coo`).
* ``RLE`` (run length) stores the nonempty coordinates, each with a ``run_bits`` count of the
  empty coordinates since the previous entry (or the fiber start); trailing empties are not
  encoded. A run longer than ``M = 2**run_bits - 1`` first takes a *padding* entry: run ``M``,
  then an explicitly stored empty coordinate, consuming ``M + 1`` positions; so a run of ``z``
  takes ``z // (M + 1)`` padding entries. Default width ``ceil(log2(n))`` never pads.
* An explicitly stored empty coordinate (of ``U``, ``UOP`` or an RLE padding entry) carries its
  all-zero subtree in the ranks below, encoded by their own formats; at the leaf it is one zero
  data word.
* ``data_words`` counts the payload words of the leaf: its stored coordinates (all elements under
  ``U`` leaves, nonzeros plus padding zeros under ``RLE``). ``metadata_bits`` sums every field
  of every rank in bits; a caller converts to words of its memory's width. The same count is
  the storage a tile occupies and the traffic of moving it whole.

The expectation is exact under the density model (no sampling): by linearity, each rank's
count is a sum over coordinates or runs of probabilities that some coordinates are empty and
others not, all of which follow from :meth:`DensityModel.prob_empty` by inclusion-exclusion.
:func:`encode` is written independently: it walks a real tile's fibers and emits every field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

import numpy as np

from ripple.sparse.distributions import Actual, DensityModel


def _is_count(value: object, least: int) -> bool:
    """Whether ``value`` is an integer (not a bool) of at least ``least``."""
    return (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= least)


def _check_bits(name: str, bits: int | None) -> None:
    if bits is not None and not _is_count(bits, 0):
        raise ValueError(f"{name} must be a non-negative integer or None, got {bits!r}")


@dataclass(frozen=True)
class U:
    """Uncompressed: every coordinate stored, no metadata."""


@dataclass(frozen=True)
class B:
    """Bitmask: one bit per coordinate of a fiber; only nonempty coordinates stored."""


@dataclass(frozen=True)
class RLE:
    """Run length: per stored entry a count of the empty coordinates before it."""

    run_bits: int | None = None

    def __post_init__(self) -> None:
        _check_bits("RLE run_bits", self.run_bits)


@dataclass(frozen=True)
class CP:
    """Coordinate payload: per nonempty coordinate its coordinate."""

    coord_bits: int | None = None

    def __post_init__(self) -> None:
        _check_bits("CP coord_bits", self.coord_bits)


@dataclass(frozen=True)
class UOP:
    """Uncompressed offset pair: per fiber ``n + 1`` offsets into the next rank."""

    offset_bits: int | None = None

    def __post_init__(self) -> None:
        _check_bits("UOP offset_bits", self.offset_bits)


RankFormat: TypeAlias = U | B | RLE | CP | UOP
Format: TypeAlias = Sequence[RankFormat]


@dataclass(frozen=True)
class TileFootprint:
    """Payload words and metadata bits of a tile (an expectation or an exact count)."""

    data_words: float
    metadata_bits: float


def uncompressed() -> tuple[RankFormat, ...]:
    """Dense storage: the baseline every compressed format is weighed against."""
    return (U(),)


def bitmask() -> tuple[RankFormat, ...]:
    """One bit per element, nonzeros only: metadata independent of density."""
    return (B(),)


def rle(run_bits: int | None = None) -> tuple[RankFormat, ...]:
    """Zero runs before each nonzero; narrow ``run_bits`` trade metadata for padding."""
    return (RLE(run_bits),)


def uop_rle(run_bits: int | None = None,
            offset_bits: int | None = None) -> tuple[RankFormat, ...]:
    """Eyeriss's format: offsets per outer coordinate, run lengths in the flattened leaf."""
    return (UOP(offset_bits), RLE(run_bits))


def csr(coord_bits: int | None = None,
        offset_bits: int | None = None) -> tuple[RankFormat, ...]:
    """Row offsets over column coordinates of a (rows, cols) tile."""
    return (UOP(offset_bits), CP(coord_bits))


def coo(dims: Sequence[int]) -> tuple[RankFormat, ...]:
    """One flattened CP rank over ``dims``: each nonzero carries all of its coordinates."""
    if not dims or not all(_is_count(d, 1) for d in dims):
        raise ValueError(f"coo dims must be positive integers, got {tuple(dims)!r}")
    return (CP(coord_bits=sum(_bits_for(d - 1) for d in dims)),)


class _Rank(NamedTuple):
    """A rank format placed in a tile: its fiber length, elements per coordinate, field width."""

    format: RankFormat
    n: int
    below: int
    bits: int


def _bits_for(largest: int) -> int:
    """Bits of a field holding the values 0..largest."""
    return int(largest).bit_length()


def _field_bits(rank: RankFormat, n: int, below: int) -> int:
    """Width of one metadata field of ``rank``, checking a given width fits every tile."""
    match rank:
        case U():
            return 0
        case B():
            return 1
        case RLE(run_bits=bits):
            return _bits_for(n - 1) if bits is None else bits
        case CP(coord_bits=bits):
            need = _bits_for(n - 1)
            if bits is not None and bits < need:
                raise ValueError(f"CP coord_bits={bits} cannot address a fiber of {n} "
                                 f"coordinates (needs {need})")
            return need if bits is None else bits
        case UOP(offset_bits=bits):
            need = _bits_for(n * below)
            if bits is not None and bits < need:
                raise ValueError(f"UOP offset_bits={bits} cannot point past {n * below} "
                                 f"elements (needs {need})")
            return need if bits is None else bits
    raise ValueError(f"not a rank format: {rank!r}")


def _place(fmt: Format, shape: Sequence[int]) -> tuple[_Rank, ...]:
    """The format's ranks on ``shape``, checked against it."""
    shape = tuple(shape)
    if not fmt:
        raise ValueError("a format needs at least one rank")
    if not all(_is_count(n, 1) for n in shape):
        raise ValueError(f"rank lengths must be positive integers, got shape {shape}")
    if len(fmt) != len(shape):
        raise ValueError(f"format has {len(fmt)} ranks but shape {shape} has {len(shape)}; "
                         "flatten or split the tile to match")
    ranks = []
    for r, (rank, n) in enumerate(zip(fmt, shape, strict=True)):
        below = math.prod(shape[r + 1:])
        ranks.append(_Rank(rank, n, below, _field_bits(rank, n, below)))
    return tuple(ranks)


# ---------------------------------------------------------------- expectation under a model


def _expected_padding(n: int, below: int, run_bits: int, model: DensityModel) -> float:
    """Expected RLE padding entries in one fiber of ``n`` coordinates of ``below`` elements.

    A run of ``z`` empty coordinates ended by a nonempty one takes ``z // cap`` paddings
    (``cap = 2**run_bits``). Such a run starts at the fiber (1 way; ``z`` given coordinates
    empty, 1 nonempty) or after a nonempty coordinate (``n - z - 1`` ways; ``z`` empty, 2
    nonempty). With ``e(j)`` the probability that ``j`` given coordinates are all empty,
    inclusion-exclusion gives ``P(z empty, 1 not) = e(z) - e(z+1)`` and
    ``P(z empty, 2 not) = e(z) - 2 e(z+1) + e(z+2)``, exact for any exchangeable model.
    """
    cap = 1 << run_bits
    if n - 1 < cap:
        return 0.0
    j = np.arange(cap, n + 1)
    e = np.asarray(model.prob_empty(j * below), dtype=float)  # e[i] = e(cap + i)
    z = j[:-1]  # runs cap .. n-1
    one_nonempty = e[:-1] - e[1:]
    two_nonempty = np.zeros_like(one_nonempty)
    two_nonempty[:-1] = e[:-2] - 2.0 * e[1:-1] + e[2:]
    per_run = one_nonempty + (n - z - 1) * two_nonempty
    return float(np.sum((z // cap) * per_run))


def _check_fits(shape: Sequence[int], model: DensityModel) -> None:
    if isinstance(model, Actual) and math.prod(shape) > model.size:
        raise ValueError(f"a tile of {math.prod(shape)} elements does not fit in the modelled "
                         f"tensor of {model.size}")


def expected_footprint(fmt: Format, shape: Sequence[int],
                       model: DensityModel) -> TileFootprint:
    """Expected data words and metadata bits of a tile of ``shape`` under ``model``.

    Rank by rank: the expected present fibers (the previous rank's stored coordinates) and the
    expected nonempty coordinates (every nonempty coordinate is present: its ancestors are
    nonempty, so every format stores them).
    """
    ranks = _place(fmt, shape)
    _check_fits(shape, model)
    present = 1.0  # the root fiber
    metadata = 0.0
    fibers = 1  # potential fibers at this rank
    for rank in ranks:
        nonempty = fibers * rank.n * (1.0 - float(model.prob_empty(rank.below)))
        match rank.format:
            case U():
                stored = present * rank.n
            case UOP():
                stored = present * rank.n
                metadata += present * (rank.n + 1) * rank.bits
            case B():
                stored = nonempty
                metadata += present * rank.n
            case CP():
                stored = nonempty
                metadata += stored * rank.bits
            case RLE():
                padding = _expected_padding(rank.n, rank.below, rank.bits, model)
                stored = nonempty + fibers * padding
                metadata += stored * rank.bits
        present = stored
        fibers *= rank.n
    return TileFootprint(data_words=present, metadata_bits=metadata)


# ---------------------------------------------------------------- exact encoding of a tile


class Field(NamedTuple):
    """One metadata field as stored: its rank, kind, value and width in bits."""

    rank: int
    kind: str  # "offset", "mask", "coord" or "run"
    value: int
    bits: int


@dataclass(frozen=True)
class Encoding:
    """A tile as stored: the leaf payload in order and every metadata field."""

    data: tuple[float, ...]
    fields: tuple[Field, ...]

    def footprint(self) -> TileFootprint:
        return TileFootprint(data_words=float(len(self.data)),
                             metadata_bits=float(sum(f.bits for f in self.fields)))


class _Encoder:
    """Walks a tile's fiber tree depth-first, emitting payload and metadata fields."""

    def __init__(self, ranks: tuple[_Rank, ...]):
        self.ranks = ranks
        self.data: list[float] = []
        self.fields: list[Field] = []
        self.entries = [0] * len(ranks)  # stored coordinates emitted so far, per rank

    def _emitted(self, r: int) -> int:
        """Entries emitted so far at rank ``r`` (the data words below the leaf)."""
        return len(self.data) if r == len(self.ranks) else self.entries[r]

    def fiber(self, r: int, fiber: np.ndarray) -> None:
        rank = self.ranks[r]
        nonempty = fiber.reshape(rank.n, -1).any(axis=1)
        match rank.format:
            case U():
                for c in range(rank.n):
                    self._store(r, fiber, c)
            case UOP():
                self._offsets(r, fiber)
            case B():
                mask = int("".join("1" if f else "0" for f in nonempty), 2)
                self.fields.append(Field(r, "mask", mask, rank.n))
                for c in np.flatnonzero(nonempty):
                    self._store(r, fiber, int(c))
            case CP():
                for c in np.flatnonzero(nonempty):
                    self.fields.append(Field(r, "coord", int(c), rank.bits))
                    self._store(r, fiber, int(c))
            case RLE():
                self._runs(r, fiber, nonempty)

    def _store(self, r: int, fiber: np.ndarray, c: int) -> None:
        """Store coordinate ``c``: its payload word at the leaf, its child fiber above it."""
        self.entries[r] += 1
        if r + 1 == len(self.ranks):
            self.data.append(fiber[c].item())
        else:
            self.fiber(r + 1, fiber[c])

    def _offsets(self, r: int, fiber: np.ndarray) -> None:
        start = self._emitted(r + 1)
        offsets = [0]
        for c in range(self.ranks[r].n):
            self._store(r, fiber, c)
            offsets.append(self._emitted(r + 1) - start)
        bits = self.ranks[r].bits
        self.fields.extend(Field(r, "offset", off, bits) for off in offsets)

    def _runs(self, r: int, fiber: np.ndarray, nonempty: np.ndarray) -> None:
        bits = self.ranks[r].bits
        longest = (1 << bits) - 1
        previous = -1
        for c in np.flatnonzero(nonempty):
            while c - previous - 1 > longest:  # too many empties: store one explicitly
                previous += longest + 1
                self.fields.append(Field(r, "run", longest, bits))
                self._store(r, fiber, previous)
            self.fields.append(Field(r, "run", int(c - previous - 1), bits))
            self._store(r, fiber, int(c))
            previous = int(c)


def encode_fields(fmt: Format, tile: np.ndarray,
                  shape: Sequence[int] | None = None) -> Encoding:
    """Encode ``tile`` (reshaped to ``shape``, default its own) field by field."""
    tile = np.asarray(tile)
    shape = tile.shape if shape is None else tuple(shape)
    ranks = _place(fmt, shape)
    if math.prod(shape) != tile.size:
        raise ValueError(f"a tile of {tile.size} elements cannot take shape {shape}")
    encoder = _Encoder(ranks)
    encoder.fiber(0, tile.reshape(shape))
    return Encoding(data=tuple(encoder.data), fields=tuple(encoder.fields))


def encode(fmt: Format, tile: np.ndarray, shape: Sequence[int] | None = None) -> TileFootprint:
    """Exact data words and metadata bits of ``tile`` (reshaped to ``shape``) in ``fmt``."""
    return encode_fields(fmt, tile, shape).footprint()
