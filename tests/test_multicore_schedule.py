"""Schedules obey their data: no tile starts before every producer row it reads is final and
has arrived on its core, no resource does two things at once. Checked in every mode on LeNet-5
(1, 2, 4 cores, and a pipelined allocation) and on ResNet-18's stem and first blocks.

The rows a tile needs are derived here again from the layer geometry, independently of
``ripple.multicore.regions``."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from ripple.multicore import (
    MODES,
    MulticoreResult,
    PartitionSpec,
    load_multicore,
    load_partition,
    multicore_from_data,
    run_multicore,
)
from ripple.specio import read_yaml
from ripple.workload import Layer, Operation, Workload, load_any_workload
from ripple.workload.network import output_shape
from tests.conftest import EXAMPLES, SHARED
from tests.test_multicore import MACHINES

LENET = SHARED / "reference" / "onnx" / "lenet5.onnx"
PIPELINE = load_partition(EXAMPLES / "multicore" / "pipeline.yaml")


def rows_of(shape: tuple[int, ...]) -> int:
    return shape[2] if len(shape) > 2 else 1


Span = tuple[int, int]


def needed(workload: Workload, name: str, rows: Span,
           channels: Span) -> list[tuple[str | None, Span, Span]]:
    """(producer, its rows, its channels) that the output piece ``rows`` x ``channels`` of
    ``name`` reads; views see through. Convolutions here have one group."""
    node = workload.node(name)
    out = []
    offset = 0
    for slot, producer in enumerate(node.inputs or [None]):
        if isinstance(node, Layer):
            shape = node.tensor_shape("I")
        else:
            shape = tuple(node.input_shapes[slot])
        size = rows_of(shape)
        width = shape[1] if len(shape) > 1 else shape[0]
        if isinstance(node, Layer) and node.operator == "conv":
            window = (node.FY, node.stride[0], node.dilation[0], node.padding[0])
        elif isinstance(node, Operation) and node.operator in ("maxpool", "avgpool"):
            window = (node.kernel[0], node.stride[0], 1, node.padding[0])
        else:
            window = None
        need_rows: Span | None = None
        need_channels: Span | None = channels
        if window is not None:
            kernel, stride, dilation, pad = window
            need_rows = (max(rows[0] * stride - pad, 0),
                         min((rows[1] - 1) * stride + (kernel - 1) * dilation - pad + 1, size))
        elif isinstance(node, Operation) and node.operator in ("relu", "add", "concat"):
            need_rows = rows
        if isinstance(node, Layer):
            need_channels = None  # every input channel
        elif node.operator == "concat":
            lo, hi = max(channels[0] - offset, 0), min(channels[1] - offset, width)
            offset += width
            if lo >= hi:
                continue
            need_channels = (lo, hi)
        while producer is not None and workload.node(producer).operator in ("flatten",
                                                                             "reshape"):
            producer, need_rows, need_channels = (workload.node(producer).inputs or [None])[0], \
                None, None
        if producer is not None:
            shape = tuple(output_shape(workload.node(producer)))
            if isinstance(node, Layer) and node.operator == "fc":
                need_rows = need_channels = None  # an fc layer reads all of a feature map
        out.append((producer, need_rows or (0, rows_of(shape)),
                    need_channels or (0, shape[1] if len(shape) > 1 else shape[0])))
    return out


def check_schedule(workload: Workload, result: MulticoreResult) -> int:
    """Assert every dependency and resource rule; returns the number of edges checked."""
    runs = result.schedule.runs
    by_node = defaultdict(list)
    for run in runs:
        by_node[run.tile.node].append(run)
    transfers = result.schedule.transfers
    checked = 0
    for run in runs:
        tile = run.tile
        for producer, rows, channels in needed(workload, tile.node, tile.rows, tile.channels):
            reader = tile.index if result.spilled else None
            if producer is None:
                if result.machine.offchip is not None:
                    arrived = _arrival(transfers, "input", None, tile.core, rows, reader)
                    assert arrived <= run.start, (tile, "input")
                continue
            layer_end = max(p.end for p in by_node[producer])
            for source in by_node[producer]:
                lo, hi = max(rows[0], source.tile.rows[0]), min(rows[1], source.tile.rows[1])
                if lo >= hi or not _meets(source.tile.channels, channels):
                    continue
                checked += 1
                final = max(_row_final(result, source, r) for r in range(lo, hi))
                assert final <= run.start, (tile, source.tile, final, run.start)
                if result.mode == "layer":
                    assert layer_end <= run.start, (tile, "layer barrier")
                if result.spilled:  # evicted off chip, refetched by this very tile
                    evicted = [t.end for t in transfers if t.what == "evict"
                               and t.tile == source.tile.index]
                    arrived = _arrival(transfers, "refetch", source.tile.index, tile.core,
                                       (lo, hi), reader)
                    assert len(evicted) == 1 and evicted[0] <= arrived <= run.start
                elif source.tile.core != tile.core:
                    arrived = _arrival(transfers, "activations", source.tile.index, tile.core,
                                       (lo, hi))
                    assert arrived <= run.start, (tile, source.tile, "arrival")
        if tile.mac and result.machine.offchip is not None:
            fetched = [t for t in transfers if t.what == "weights" and t.node == tile.node
                       and t.target == tile.core and t.channels == tile.channels
                       and (not result.spilled or t.reader == tile.index)]
            assert len(fetched) == 1 and fetched[0].end <= run.start, (tile, "weights")
    for transfer in transfers:  # data leaves once final
        if transfer.what in ("activations", "output", "evict"):
            source = runs[transfer.tile]
            assert max(_row_final(result, source, r) for r in range(*transfer.rows)) \
                <= transfer.start
    _no_double_booking(result)
    return checked


def _meets(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return max(a[0], b[0]) < min(a[1], b[1])


def _row_final(result: MulticoreResult, run, row: int) -> int:
    """When ``row`` of ``run`` is final: the tile's end, or in event mode its readiness from
    the single-core model (wall clock: fill, stalls spread, drain)."""
    if result.mode != "event":
        return run.end
    offset = run.cost.row_final[row - run.tile.rows[0]]
    assert 0 < offset <= run.end - run.start
    return run.start + offset


def _arrival(transfers, what: str, tile: int | None, core: str, rows: tuple[int, int],
             reader: int | None = None) -> int:
    """The cycle by which transfers of ``what`` to ``core`` (from producer tile ``tile``; for
    tile ``reader`` alone, when given) have delivered every row of ``rows``."""
    when = {}
    for transfer in transfers:
        if transfer.what == what and transfer.target == core and \
                (tile is None or transfer.tile == tile) and \
                (reader is None or transfer.reader == reader):
            for row in range(*transfer.rows):
                when[row] = min(when.get(row, transfer.end), transfer.end)
    missing = [r for r in range(*rows) if r not in when]
    assert not missing, (what, tile, core, missing)
    return max(when[r] for r in range(*rows))


def _no_double_booking(result: MulticoreResult) -> None:
    booked = defaultdict(list)
    for run in result.schedule.runs:
        booked[(run.tile.core, run.tile.mac)].append((run.start, run.end))
    for transfer in result.schedule.transfers:
        for resource in (*transfer.links, *([transfer.port] if transfer.port else [])):
            booked[resource].append((transfer.start, transfer.end))
    for resource, spans in booked.items():
        spans.sort()
        for (_, end), (start, _) in pairwise(spans):
            assert end <= start, resource


@cache
def lenet() -> Workload:
    return load_any_workload(LENET)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cores", [1, 2, 4])
def test_lenet5_dependencies(cores, mode):
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[cores])
    result = run_multicore(lenet(), machine, mode)
    assert check_schedule(lenet(), result) > 0


@pytest.mark.parametrize("mode", MODES)
def test_lenet5_pipelined_allocation_dependencies(mode):
    machine = load_multicore(EXAMPLES / "multicore" / "dual_core.yaml")
    result = run_multicore(lenet(), machine, mode, partition=PIPELINE, dataflow="ed")
    assert check_schedule(lenet(), result) > 0
    conv1, = (r for r in result.schedule.runs if r.tile.node == "conv1")
    conv2 = [r for r in result.schedule.runs if r.tile.node == "conv2"]
    assert {r.tile.core for r in conv2} == {"core1"} and conv1.tile.core == "core0"
    if mode == "event":  # event-driven rows: conv2 starts while conv1 still runs
        assert min(r.start for r in conv2) < conv1.end
    else:
        assert min(r.start for r in conv2) > conv1.end


def test_event_mode_pipelines_faster_than_fused_on_an_event_driven_producer():
    machine = load_multicore(EXAMPLES / "multicore" / "dual_core.yaml")
    fused, event = (run_multicore(lenet(), machine, mode, partition=PIPELINE, dataflow="ed")
                    for mode in ("fused", "event"))
    assert event.latency_cycles < 0.9 * fused.latency_cycles
    assert event.energy_pj == pytest.approx(fused.energy_pj)  # same tiles, other times


def resnet18_head() -> Workload:
    """The stem and the first three basic blocks (one with a strided 1x1 projection)."""
    network = load_any_workload("zoo:resnet18")
    names = [node.name for node in network.layers]
    return Workload(name="resnet18_head",
                    layers=network.layers[: names.index("layer2.0.relu") + 1])


def roomy_quad() -> object:
    """The 4-core LeNet machine with unbounded SRAMs: ResNet-18 at 224x224 does not fit 64 KiB."""
    core = read_yaml(EXAMPLES / "multicore" / "core_16mac.yaml")
    del core["levels"][0]["memories"][0]["capacity_bits"]
    data = read_yaml(EXAMPLES / "multicore" / "quad_core.yaml")
    for entry in data["cores"]:
        entry["arch"] = core
    return multicore_from_data(data, "test", Path("."))


@pytest.mark.parametrize("mode", MODES)
def test_resnet18_first_blocks_dependencies(mode):
    workload = resnet18_head()
    assert {n.operator for n in workload.layers} >= {"add", "maxpool", "relu", "conv"}
    # the dependencies do not depend on the tiles' preset: one preset, not each tile's best
    result = run_multicore(workload, roomy_quad(), mode, dataflow="ed" if mode == "event"
                           else "ws")
    assert result.macs == workload.macs
    assert check_schedule(workload, result) > 0
    adds = [r for r in result.schedule.runs if r.tile.node.endswith(".add")]
    assert adds and all(r.start > 0 for r in adds)


@pytest.mark.parametrize("mode", MODES)
def test_fc_reading_a_feature_map_waits_for_all_of_it(mode):
    """A fully connected layer flattening a feature map itself (no flatten node) reads every
    row of it."""
    conv = Layer(name="conv", K=8, C=1, IY=12, IX=12, FY=3, FX=3)
    fc = Layer(name="fc", operator="fc", K=10, C=8 * 10 * 10, inputs=("conv",))
    workload = Workload(name="conv_fc", layers=[conv, fc])
    machine = load_multicore(EXAMPLES / "multicore" / "dual_core.yaml")
    result = run_multicore(workload, machine, mode,
                           partition=PartitionSpec.model_validate(
                               {"layers": {"conv": {"split": "rows"}}}))
    assert check_schedule(workload, result) > 0
    conv_end = max(r.end for r in result.schedule.runs if r.tile.node == "conv")
    assert all(r.start >= conv_end for r in result.schedule.runs if r.tile.node == "fc")


def branches() -> Workload:
    """Two convolutions concatenated along channels, pooled, and convolved."""
    a = Layer(name="a", K=4, C=1, IY=12, IX=12, FY=3, FX=3, padding=1)
    b = Layer(name="b", K=6, C=1, IY=12, IX=12, FY=3, FX=3, padding=1)
    cat = Operation(name="cat", operator="concat", inputs=("a", "b"),
                    input_shapes=[(1, 4, 12, 12), (1, 6, 12, 12)])
    pool = Operation(name="pool", operator="maxpool", inputs=("cat",),
                     input_shapes=[(1, 10, 12, 12)], kernel=2, stride=2)
    c = Layer(name="c", K=8, C=10, IY=6, IX=6, FY=3, FX=3, inputs=("pool",))
    return Workload(name="branches", layers=[a, b, cat, pool, c])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers", [
    {},
    {"a": {"split": "channels"}, "b": {"split": "channels"}},
    {"a": {"cores": ["core0"]}, "b": {"cores": ["core1"]}},
])
def test_concatenated_branches_dependencies(mode, layers):
    workload = branches()
    machine = load_multicore(EXAMPLES / "multicore" / "dual_core.yaml")
    result = run_multicore(workload, machine, mode,
                           partition=PartitionSpec.model_validate({"layers": layers}))
    assert result.macs == workload.macs
    assert check_schedule(workload, result) > 0
