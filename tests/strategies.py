"""Hypothesis strategies: random layers, architectures (1 to 3 levels) and valid mappings."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.mapping import Mapping
from ripple.mapping.nest import OUTPUT_PARALLEL
from ripple.workload import Layer

BANDWIDTHS = (8, 16, 32, 64, 128)
FIRST_READS = ("elide", "read", "when_partial")
MULTICASTS = ("union", "irrelevant", "none")
FILLS = ("whole", "delta")
SPLIT_FILLS = ("owner", "every")
OUTPUT_CAPACITIES = ("larger", "final_above_reductions")
PADDINGS = ("generated", "window")
INPUT_WINDOWS = ("each_fill", "average")
WRITEBACK_PRECISIONS = ("per_word", "per_link")
FIRST_READ_ELISIONS = (False, True, "when_partial", "per_fill")


@st.composite
def layers(draw, max_input: int = 12) -> Layer:
    groups = draw(st.integers(1, 2))
    sy, sx = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dy, dx = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pads = [draw(st.integers(0, 2)) for _ in range(4)]
    # the dilated kernel must fit the padded input
    fy = draw(st.integers(1, min(5, (max_input + pads[0] + pads[1] - 1) // dy + 1)))
    fx = draw(st.integers(1, min(5, (max_input + pads[2] + pads[3] - 1) // dx + 1)))
    iy = draw(st.integers(max(1, dy * (fy - 1) + 1 - pads[0] - pads[1]), max_input))
    ix = draw(st.integers(max(1, dx * (fx - 1) + 1 - pads[2] - pads[3]), max_input))
    bits = st.sampled_from((8, 16))
    return Layer(
        name="random", N=draw(st.integers(1, 2)), G=groups,
        K=groups * draw(st.integers(1, 4)), C=groups * draw(st.integers(1, 3)),
        IY=iy, IX=ix, FY=fy, FX=fx, stride=(sy, sx), dilation=(dy, dx), padding=tuple(pads),
        precision={"I": draw(bits), "W": draw(bits), "O": draw(bits), "O_final": draw(bits)},
    )


def _memory(draw, name: str, operands: list[str], served: list[str] | None,
            narrow: bool = False) -> dict:
    bandwidths = {direction: draw(st.sampled_from(BANDWIDTHS)) for direction in ("read", "write")}
    # narrow accesses (ZigZag's bandwidth_min) on some memories, any width up to the bandwidth
    granules = {f"{direction}_granule_bits": draw(st.integers(1, width))
                for direction, width in bandwidths.items() if narrow and draw(st.booleans())}
    return {
        "name": name, "operands": operands,
        "read_bandwidth": bandwidths["read"], "write_bandwidth": bandwidths["write"],
        **granules,
        "read_energy_pj": draw(st.sampled_from((1.0, 2.5, 10.5))),
        "write_energy_pj": draw(st.sampled_from((1.0, 3.0, 12.8))),
        "served_dims": served,
        "double_buffered": draw(st.booleans()),
        "ports": draw(st.sampled_from(("per_operand", "shared"))),
        "duplex": draw(st.booleans()),
    }


@st.composite
def architectures(draw, narrow: bool = False, window: bool = False) -> Architecture:
    """``narrow``: some memories make narrow accesses (``*_granule_bits``); ``window``: the
    ``padding`` convention may be ``window`` (where no memory fills by deltas; tests that make
    an architecture sparse afterwards leave it out, as sparsity refuses it)."""
    n_dims = draw(st.integers(1, 2))
    array = {f"D{i + 1}": draw(st.integers(1, 4)) for i in range(n_dims)}
    dims = list(array)
    levels = []
    top = draw(st.sampled_from((["I", "W", "O"], ["I"], ["I", "W"])))
    rest = [op for op in ("I", "W", "O") if op not in top]
    memories = [_memory(draw, "top", top, None, narrow)]
    if rest:
        memories.append(_memory(draw, "top2", rest, None, narrow))
    levels.append({"name": "L0", "memories": memories})
    for depth in range(draw(st.integers(0, 2))):
        held = draw(st.lists(st.sampled_from(("I", "W", "O")), min_size=1, max_size=3,
                             unique=True))
        memories = []
        for op in held:
            served = draw(st.none() | st.lists(st.sampled_from(dims), unique=True))
            memories.append(_memory(draw, f"L{depth + 1}_{op}", [op], served, narrow))
        levels.append({"name": f"L{depth + 1}", "memories": memories})
    latch = draw(st.sampled_from((["I", "W"], ["I"], ["W"], [])))
    mac = {"energy_pj": 0.5, "latch": latch,
           "first_read_elision": draw(st.sampled_from(FIRST_READ_ELISIONS))}
    for level in levels:
        for memory in level["memories"]:
            if draw(st.booleans()):
                memory["output_first_read"] = draw(st.sampled_from(FIRST_READS))
            if draw(st.booleans()):
                memory["multicast"] = draw(st.sampled_from(MULTICASTS))
            if draw(st.booleans()):
                memory["fills"] = draw(st.sampled_from(FILLS))
            if draw(st.booleans()):
                memory["split_fill"] = draw(st.sampled_from(SPLIT_FILLS))
    conventions = {"output_first_read": draw(st.sampled_from(FIRST_READS)),
                   "multicast": draw(st.sampled_from(MULTICASTS)),
                   "fills": draw(st.sampled_from(FILLS)),
                   "split_fill": draw(st.sampled_from(SPLIT_FILLS)),
                   "output_capacity": draw(st.sampled_from(OUTPUT_CAPACITIES)),
                   "writeback_precision": draw(st.sampled_from(WRITEBACK_PRECISIONS))}
    if window and all((memory.get("fills") or conventions["fills"]) == "whole"
                      for level in levels for memory in level["memories"]):
        conventions["padding"] = draw(st.sampled_from(PADDINGS))
        conventions["input_window"] = draw(st.sampled_from(INPUT_WINDOWS))
    return Architecture.model_validate({"name": "random", "array": array, "mac": mac,
                                        "conventions": conventions, "levels": levels})


@st.composite
def timeloop_architectures(draw) -> Architecture:
    """Random architectures under Timeloop's conventions as ``--timeloop`` imports them: the
    ``timeloop`` preset everywhere (delta fills, multicast per class of instances differing in a
    relevant loop, returning partial sums into every instance of a reduction group, nothing
    latched at the MACs, a partial sum's first update of each fill not read) and the operands
    of a memory sharing its ports."""
    data = draw(architectures()).model_dump()
    data["conventions"] = "timeloop"
    data["mac"] = {"energy_pj": data["mac"]["energy_pj"]}  # the preset's latch and first read
    for level in data["levels"]:
        for memory in level["memories"]:
            memory.update(fills=None, multicast=None, output_first_read=None, split_fill=None,
                          ports="shared")
    return Architecture.model_validate(data)


def _split(draw, bound: int, overhang: bool = False) -> list[int]:
    """Loop sizes (outermost first) covering ``bound``; only the outermost may overhang.
    ``overhang``: the innermost does not divide ``bound`` where a size can."""
    if bound == 1:
        return []
    sizes = []
    inner = 1
    uneven = [size for size in range(2, bound) if bound % size]
    for attempt in range(draw(st.integers(1 if overhang and uneven else 0, 2))):
        size = draw(st.sampled_from(uneven) if overhang and uneven and attempt == 0
                    else st.integers(1, bound))
        if inner * size >= bound:
            break
        sizes.append(size)
        inner *= size
    sizes.append(math.ceil(bound / inner))
    return [s for s in reversed(sizes) if s > 1] or [bound]


@st.composite
def mappings(draw, layer: Layer, arch: Architecture, sliding: bool = False,
             overhang: bool = False) -> Mapping:
    """A valid mapping; ``sliding``: loops over positions above the loops over taps where the
    architecture has several levels, so that consecutive tiles overlap (sliding windows);
    ``overhang``: the innermost loop of each dimension (the one unrolled, when one is) does not
    divide the dimension where a size can."""
    index = draw(st.sampled_from(("output", "input")))
    pos = ("OY", "OX") if index == "output" else ("IY", "IX")
    bounds = {"N": layer.N, "G": layer.G, "K": layer.K_group, "C": layer.C_group,
              pos[0]: layer.IY if index == "input" else layer.OY,
              pos[1]: layer.IX if index == "input" else layer.OX, "FY": layer.FY, "FX": layer.FX}
    room = dict(arch.array)
    # outputs split over a delta-filled memory's instances are refused: no reduction there
    # (an input-indexed nest's: an output-indexed nest's outputs are filled whole)
    no_reduction = {adim for lvl in arch.levels for m in lvl.memories
                    if index == "input" and "O" in m.operands
                    and arch.convention(m, "fills") == "delta"
                    for adim in arch.array if adim not in arch.served(m)}
    levels = [lvl.name for lvl in arch.levels]
    spatial: dict[str, list[tuple[str, int]]] = {}
    slots: dict[str, list[str]] = {name: [] for name in levels}  # dims, sizes assigned later
    sizes_of: dict[str, list[int]] = {}
    for dim, bound in bounds.items():
        sizes = _split(draw, bound, overhang)
        fits = [d for d, free in room.items() if sizes and free >= sizes[-1]
                and (dim in OUTPUT_PARALLEL or d not in no_reduction)]
        if fits and draw(st.booleans()):
            array_dim = draw(st.sampled_from(fits))
            room[array_dim] //= sizes[-1]
            spatial.setdefault(array_dim, []).append((dim, sizes[-1]))
            sizes = sizes[:-1]
        choices = levels
        if sliding and len(levels) > 1:
            choices = (levels[:-1] if dim in pos else levels[1:] if dim in ("FY", "FX")
                       else levels)
        for _ in sizes:
            slots[draw(st.sampled_from(choices))].append(dim)
        sizes_of[dim] = sizes
    temporal: dict[str, list[tuple[str, int]]] = {}
    for name in levels:  # shuffle each level, then hand out sizes in nest order
        temporal[name] = []
        for dim in draw(st.permutations(slots[name])):
            temporal[name].append((dim, sizes_of[dim].pop(0)))
    boundary = draw(st.sampled_from(("filter", "scatter"))) if index == "input" else "filter"
    skip_padding = index == "output" and draw(st.booleans())
    bypass, placement = _uneven(draw, arch, [lp for name in levels for lp in temporal[name]])
    return Mapping(index=index, boundary=boundary, skip_padding=skip_padding,
                   spatial=spatial, temporal=temporal, bypass=bypass, placement=placement)


def _uneven(draw, arch: Architecture, order: list[tuple[str, int]]
            ) -> tuple[dict[str, list[str]], dict[str, dict[str, list[tuple[str, int]]]]]:
    """Sometimes a bypassed memory (never an operand's outermost) and, per operand, sometimes
    a placement of the loop order on its memories at random cuts (ZigZag's uneven mapping)."""
    bypass: dict[str, list[str]] = {}
    placement: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for operand in ("I", "W", "O"):
        chain = [memory for _, memory in arch.chain(operand)]
        kept = [chain[0]] + [m for m in chain[1:] if draw(st.integers(0, 4)) != 0]
        for memory in chain:
            if memory not in kept:
                bypass.setdefault(memory.name, []).append(operand)
        if draw(st.integers(0, 2)) == 0:
            cuts = sorted(draw(st.integers(0, len(order))) for _ in kept[1:])
            bounds = [0, *cuts, len(order)]
            placement[operand] = {m.name: order[bounds[i]:bounds[i + 1]]
                                  for i, m in enumerate(kept)}
    return bypass, placement
