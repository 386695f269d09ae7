"""The counting conventions in which the peers differ, and each peer's preset
(docs/conventions.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ripple.workload.layer import StrictModel

FillStyle = Literal["whole", "delta"]
Multicast = Literal["union", "irrelevant", "none"]
FirstRead = Literal["elide", "read", "when_partial"]
SplitFill = Literal["owner", "every"]
OutputCapacity = Literal["larger", "final_above_reductions"]
Padding = Literal["generated", "window"]
WritebackPrecision = Literal["per_word", "per_link"]
InputWindow = Literal["each_fill", "average"]


class Conventions(StrictModel):
    """The counting conventions in which the peers differ (docs/conventions.md); each memory
    may override them for the transfers it takes part in.

    ``output_first_read``: whether a fill above the MACs reads outputs that were never written
    (``read``), only those that were (``elide``), or its whole tile when a loop irrelevant to
    the outputs lies above it and nothing otherwise (``when_partial``, ZigZag); the MACs follow
    ``mac.first_read_elision``.
    ``fills``: a memory refilled with a new tile receives all of it (``whole``) or only the
    words its previous tile did not hold (``delta``, Timeloop's sliding windows); under
    ``delta`` outputs leave when the tile no longer covers them. ``multicast``: the parent
    reads a word once for every child instance that needs it (``union``), once per group of
    instances that differ only in spatial loops irrelevant to the operand (``irrelevant``,
    Timeloop), or once per instance (``none``). ``split_fill``: partial sums returning to a
    memory whose instances hold parts of one reduction go to one instance of the group (``owner``;
    the others start from zero) or are written into every one (``every``, Timeloop).
    ``output_capacity``: the bits a memory reserves per output word: the larger of the partial
    and final precision (``larger``), or the final precision where no loop that leaves outputs
    unreduced (over C, a tap, or, input-indexed, an input position) lies above the memory, in
    its cut or unrolled along an array dimension it does not serve (``final_above_reductions``,
    ZigZag's allocator).
    ``padding``: the input a padding tap multiplies is a zero made at the MACs, which no memory
    holds or moves (``generated``), or a word of the padded input: a fill holds, per spatial
    axis, the padded positions its taps reach, at most as many as the axis' unpadded size, and
    a padding tap reads its word (``window``, ZigZag's tile sizes; the architecture's only).
    ``writeback_precision``: outputs written back up a link travel at the final precision once
    their reduction is complete, at the partial one before (``per_word``), or all at the
    partial precision when a loop that leaves them unreduced lies above the child (the link's
    fills then read partial sums back) and all at the final one otherwise (``per_link``,
    ZigZag's ``psum_flag``; the architecture's only).
    ``input_window`` (with ``padding: window``): a fill holds, per spatial axis, the padded
    positions its own taps reach (``each_fill``), or the window of the side's *average* fill:
    ``(p - 1) * stride + (t - 1) * dilation + 1`` positions (fewer where the taps skip some),
    ``p`` and ``t`` the average numbers of distinct output positions and taps per fill rounded
    down (``average``, ZigZag's tile sizes, which spread an unrolling that does not divide the
    layer evenly and round the spread down; the architecture's only).
    """

    output_first_read: FirstRead = Field(default="elide",
                                         description="which never-written outputs a fill reads")
    fills: FillStyle = Field(default="whole", description="whole tiles, or only what is new")
    multicast: Multicast = Field(default="union",
                                 description="how often a parent reads a shared word")
    split_fill: SplitFill = Field(default="owner",
                                  description="where partial sums of a split reduction return")
    output_capacity: OutputCapacity = Field(
        default="larger", description="the bits a memory reserves per output word")
    padding: Padding = Field(default="generated",
                             description="whether padding taps' zeros are words that fills move")
    writeback_precision: WritebackPrecision = Field(
        default="per_word", description="the precision of the outputs a write-back moves")
    input_window: InputWindow = Field(
        default="each_fill", description="each fill's own input window, or the average fill's")


#: Each peer's conventions, and the MAC conventions it implies where the file gives none.
CONVENTION_PRESETS: dict[str, tuple[Conventions, dict[str, object]]] = {
    "ripple": (Conventions(), {}),
    "zigzag": (Conventions(output_first_read="when_partial",
                           output_capacity="final_above_reductions", padding="window",
                           writeback_precision="per_link", input_window="average"),
               {"latch": ["I", "W"], "first_read_elision": "when_partial"}),
    "timeloop": (Conventions(fills="delta", multicast="irrelevant", split_fill="every"),
                 {"latch": [], "first_read_elision": "per_fill"}),
}
