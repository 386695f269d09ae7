"""Sparseloop's ``sparse_optimizations`` file: compressed formats and gating/skipping, read
into the one model's option (:class:`ripple.model.sparse_opt.SparseOptimizations`) with the
figures of Timeloop's architecture each rule needs (metadata width, metadata and
(de)compression energies, port bandwidths in words per cycle)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ripple.arch.timeloop_import import TimeloopTree
from ripple.errors import RippleInputError
from ripple.model.sparse_opt import ActionOptimization as ModelAction
from ripple.model.sparse_opt import MemoryOptions, SparseOptimizations
from ripple.sparse.formats import CP, RLE, UOP, B, RankFormat, U
from ripple.specio import read_yaml, validate
from ripple.workload.timeloop_import import DATASPACES

SpaceName = Literal["Inputs", "Weights", "Outputs"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Rank(_Strict):
    format: Literal["U", "B", "RLE", "CP", "UOP"]
    flattened_rank_ids: list[list[str]] = Field(default_factory=list, alias="flattened-rankIDs")
    payload_word_bits: int | None = Field(default=None, alias="payload-word-bits", gt=0)
    metadata_word_bits: int | None = Field(default=None, alias="metadata-word-bits", gt=0)


class SpaceFormat(_Strict):
    name: SpaceName
    ranks: list[Rank] = Field(min_length=1)


class Representation(_Strict):
    data_spaces: list[SpaceFormat] = Field(alias="data-spaces")


class Option(_Strict):
    target: SpaceName
    condition_on: list[SpaceName] = Field(alias="condition-on", min_length=1)


class ActionOptimization(_Strict):
    type: Literal["gating", "skipping"]
    options: list[Option] = Field(min_length=1)


class Target(_Strict):
    name: str
    representation_format: Representation | None = Field(default=None,
                                                          alias="representation-format")
    action_optimization: list[ActionOptimization] = Field(default_factory=list,
                                                          alias="action-optimization")


class Targets(_Strict):
    targets: list[Target] = Field(default_factory=list)


class SparseOptFile(_Strict):
    sparse_optimizations: Targets = Field(alias="sparse_optimizations")


class ParsedOptimizations:
    """Formats per (level, operand) and action optimisations per (level, operand), with
    operands as Ripple names (``I``, ``W``, ``O``)."""

    def __init__(self, formats: dict[tuple[str, str], list[Rank]],
                 actions: dict[tuple[str, str], tuple[str, frozenset[str]]]):
        self.formats = formats
        self.actions = actions

    @classmethod
    def none(cls) -> ParsedOptimizations:
        return cls({}, {})


def load_sparse_optimizations(path: str | Path, levels: tuple[str, ...]) -> ParsedOptimizations:
    source = str(path)
    parsed = validate(SparseOptFile, read_yaml(path), source).sparse_optimizations
    formats: dict[tuple[str, str], list[Rank]] = {}
    actions: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
    for index, target in enumerate(parsed.targets):
        if target.name not in levels:
            raise RippleInputError(f"unknown target {target.name!r} (storage levels: "
                                   f"{', '.join(levels)})", source=source,
                                   field=f"sparse_optimizations.targets[{index}].name")
        if target.representation_format is not None:
            for space in target.representation_format.data_spaces:
                formats[target.name, DATASPACES[space.name]] = space.ranks
        for optimization in target.action_optimization:
            for option in optimization.options:
                actions[target.name, DATASPACES[option.target]] = (
                    optimization.type, frozenset(DATASPACES[c] for c in option.condition_on))
    return ParsedOptimizations(formats, actions)


def rank_formats(ranks: list[Rank]) -> tuple[RankFormat, ...]:
    """Ripple's per-rank formats; ``payload-word-bits`` is the RLE run or CP coordinate width
    (Sparseloop's name for the metadata field each entry carries)."""
    made: dict[str, Callable[[Rank], RankFormat]] = {
        "U": lambda r: U(), "B": lambda r: B(), "RLE": lambda r: RLE(r.payload_word_bits),
        "CP": lambda r: CP(r.payload_word_bits), "UOP": lambda r: UOP(r.metadata_word_bits),
    }
    return tuple(made[rank.format](rank) for rank in ranks)


#: The ERT actions the rules charge beyond reads and writes.
EXTRA_ACTIONS = ("metadata_read", "metadata_write", "decompression_count", "compression_count")


def model_options(path: str | Path | None, tree: TimeloopTree,
                  memories: tuple[str, ...]) -> SparseOptimizations:
    """The one model's option for the file ``path`` (None: no optimisation, only Timeloop's
    latency) on the architecture ``tree``, whose imported ``memories`` may be targets."""
    opt = ParsedOptimizations.none() if path is None else load_sparse_optimizations(
        path, memories)
    out = {}
    for component in tree.storage:
        name = component.name
        if name not in memories:
            continue
        bandwidths = [component.attr(f"{port}_bandwidth") for port in ("read", "write")]
        out[name] = MemoryOptions(
            formats={op: rank_formats(ranks) for (level, op), ranks in opt.formats.items()
                     if level == name},
            actions={op: ModelAction(kind, condition)  # type: ignore[arg-type]
                     for (level, op), (kind, condition) in opt.actions.items() if level == name},
            metadata_bits=int(component.attr("metadata_datawidth", default=0) or 0),
            energies={a: tree.energies[name][a] for a in EXTRA_ACTIONS
                      if a in tree.energies[name]},
            read_words_per_cycle=None if bandwidths[0] is None else float(bandwidths[0]),
            write_words_per_cycle=None if bandwidths[1] is None else float(bandwidths[1]))
    return SparseOptimizations(out, source=str(path) if path is not None else "sparse_opt")
