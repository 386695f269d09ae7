"""Splits by channels and rows at once (a grid of shares) and fused stacks walked one after the
other: the shares cover every output element once, operations follow a grid producer block
by block, every schedule built obeys its data and fits its buffers with the MACs exact, stacks
order the walk, and the allocation search tries both."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ripple.errors import RippleInputError
from ripple.multicore import load_multicore, multicore_from_data, run_multicore
from ripple.multicore.partition import PartitionSpec, even_placement
from ripple.multicore.run import schedule_candidates
from ripple.multicore.tiles import MODES, tile_graph
from ripple.workload import Layer
from tests.conftest import EXAMPLES, SHARED, run_main
from tests.test_multicore import LENET, LENET_MACS, MACHINES
from tests.test_multicore_allocation_search import checked_search
from tests.test_multicore_pipelining import check_capacity, lenet
from tests.test_multicore_schedule import check_schedule

QUAD = EXAMPLES / "multicore" / MACHINES[4]
GRID = {"conv1": {"split": "both"}, "conv2": {"split": "both", "channel_blocks": 2}}


def quad():
    return load_multicore(QUAD)


@settings(max_examples=150, deadline=None)
@given(groups=st.integers(1, 4), per_group=st.integers(1, 6), rows=st.integers(2, 12),
       weights=st.lists(st.integers(1, 4), min_size=2, max_size=7), data=st.data())
def test_grid_shares_cover_the_output_once(groups, per_group, rows, weights, data):
    """Counted cell by cell: every (channel, row) of the output in exactly one share, at most
    one share per core, channel blocks at group boundaries, as many channel blocks as asked
    (when there are enough channels)."""
    layer = Layer(name="l", K=groups * per_group, C=groups, G=groups, IY=rows + 2, IX=5,
                  FY=3, FX=3)
    cores = [f"core{i}" for i in range(len(weights))]
    blocks = data.draw(st.integers(1, len(cores)))
    placement = even_placement(layer, "both", cores, [float(w) for w in weights], 1, blocks)
    unit = per_group if groups > 1 else 1
    owner: dict[tuple[int, int], str] = {}
    for share in placement.shares:
        assert share.channels[0] % unit == 0 and share.channels[1] % unit == 0
        for channel in range(*share.channels):
            for row in range(*share.rows):
                assert (channel, row) not in owner
                owner[(channel, row)] = share.core
    assert len(owner) == layer.K * layer.OY
    assert len({s.core for s in placement.shares}) == len(placement.shares)
    if 1 < blocks < len(cores) and blocks <= layer.K // unit:  # else rows, or channels
        assert placement.split == "both"
        assert len({s.channels for s in placement.shares}) == blocks


def test_default_grid_is_the_most_square():
    layer = Layer(name="l", K=8, C=1, IY=10, IX=10, FY=3, FX=3)
    placement = even_placement(layer, "both", [f"c{i}" for i in range(4)], [1.0] * 4, 1)
    assert sorted((s.channels, s.rows) for s in placement.shares) == [
        ((0, 4), (0, 4)), ((0, 4), (4, 8)), ((4, 8), (0, 4)), ((4, 8), (4, 8))]


@pytest.mark.parametrize("mode", MODES)
def test_lenet5_grid_schedules_obey_their_data(mode):
    """LeNet-5's convolutions on a 2 x 2 grid of the quad core: every candidate of the mode
    checked; the ReLU and the pooling after conv1 follow its grid block by block."""
    spec = PartitionSpec.model_validate({"layers": GRID})
    results = schedule_candidates(lenet(), quad(), mode, partition=spec)
    for result in results:
        assert result.macs == LENET_MACS
        assert check_schedule(lenet(), result) > 0
        check_capacity(result)
    placements = results[0].placements
    assert placements["conv1"].split == "both" and len(placements["conv1"].shares) == 4
    grid = {(s.core, s.channels) for s in placements["conv1"].shares}
    assert {(s.core, s.channels) for s in placements["relu1"].shares} == grid
    assert {(s.core, s.channels) for s in placements["pool1"].shares} == grid


def test_lenet5_event_on_a_grid_never_slower_than_layer():
    spec = PartitionSpec.model_validate({"layers": GRID})
    layer = run_multicore(lenet(), quad(), "layer", partition=spec)
    event = run_multicore(lenet(), quad(), "event", partition=spec)
    assert event.latency_cycles <= layer.latency_cycles


def test_the_split_search_tries_grids():
    """The split search's candidates: every grid between channels only and rows only."""
    from ripple.multicore.allocation import split_candidates

    conv1 = lenet().node("conv1")
    tried = split_candidates(conv1, 4)
    assert ("both", 2) in tried and ("both", 3) in tried
    assert split_candidates(conv1, 2) == [("channels", None), ("rows", None)]
    assert split_candidates(lenet().node("fc1"), 4) == [("channels", None)]


def test_stacks_order_the_walk():
    """Every tile of a stack comes before every tile of the next in the scheduler's order; a
    stack per node walks node by node (the layer order of row tiles)."""
    workload = lenet()
    base = run_multicore(workload, quad(), "fused")
    placements = base.placements
    starts = ["conv2", "fc1"]
    graph = tile_graph(workload, placements, "fused", starts)
    position = {index: rank for rank, index in enumerate(graph.order)}
    boundaries = [workload.layers.index(workload.node(name)) for name in starts]

    def stack(tile) -> int:
        return sum(tile.node_index >= b for b in boundaries)

    for a in graph.tiles:
        for b in graph.tiles:
            if stack(a) < stack(b):
                assert position[a.index] < position[b.index]
    names = [node.name for node in workload.layers]
    per_node = tile_graph(workload, placements, "fused", names)
    walked = [per_node.tiles[i].node_index for i in per_node.order]
    assert walked == sorted(walked)
    depth_first = [base.graph.tiles[i].node_index for i in base.graph.order]
    assert depth_first != sorted(depth_first)


@pytest.mark.parametrize("mode", ["fused", "event"])
def test_stacked_schedules_obey_their_data(mode):
    """Stream's own fused groups of LeNet-5 (conv1..pool1, conv2..pool2, the fc layers)."""
    spec = PartitionSpec(stacks=["conv1", "conv2", "fc1"])
    for result in schedule_candidates(lenet(), quad(), mode, partition=spec):
        assert result.macs == LENET_MACS
        assert check_schedule(lenet(), result) > 0
        check_capacity(result)
        if result.order == "depth-first":
            assert result.stacks == ("conv2", "fc1")
            assert result.to_dict(tiles=False)["stacks"] == ["conv2", "fc1"]


def test_allocation_search_moves_stacks_and_grids():
    """With a budget the event mode's search tries grid splits and stack starts; every
    schedule it builds is checked; never worse than no search."""
    best, tried, built = checked_search(quad(), "event", 40, stacked=True)
    assert tried <= 41
    assert any(r.stacks for r in built)
    assert any(p.split == "both" for r in built for p in r.placements.values())
    assert best.latency_cycles <= run_multicore(lenet(), quad(), "event").latency_cycles


@pytest.mark.parametrize(("partition", "field"), [
    ({"stacks": ["conv9"]}, "stacks[0]"),
    ({"stacks": ["flatten"]}, "stacks[0]"),
    ({"layers": {"conv1": {"split": "rows", "channel_blocks": 2}}},
     "layers.conv1.channel_blocks"),
    ({"layers": {"conv1": {"split": "both", "channel_blocks": 7}}},
     "layers.conv1.channel_blocks"),
    ({"layers": {"fc3": {"split": "both"}}}, "layers.fc3.split"),
])
def test_bad_partition_is_one_line(tmp_path, partition, field):
    import yaml

    path = tmp_path / "partition.yaml"
    path.write_text(yaml.safe_dump(partition))
    result = run_main("multicore", "-w", str(LENET), "-a", str(QUAD), "--partition", str(path))
    err = result.stderr
    assert result.returncode == 2, err
    assert field in err and "partition.yaml" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_partition_is_refused_before_work():
    with pytest.raises(RippleInputError, match="stacks"):
        schedule_candidates(lenet(), quad(), "event", partition=PartitionSpec(stacks=["x"]))


STREAM_QUAD = SHARED / "reference" / "stream_resnet18" / "hardware" / "tpu_like_quad_core.yaml"


@pytest.mark.parametrize(("layers", "field", "words"), [
    ({"conv1": {"split": "both", "channel_blocks": 5}}, "layers.conv1.channel_blocks",
     "4 cores that run conv"),
    ({"conv1": {"cores": ["core0", "core4"]}}, "layers.conv1.cores", "does not run conv"),
    ({"conv1": {"cores": ["core0", "core0"]}}, "layers.conv1.cores", "named twice"),
])
def test_cores_that_do_not_run_a_node_are_refused_with_the_file(tmp_path, layers, field, words):
    """On Stream's quad core (four compute cores, a pooling and a SIMD core) a grid cannot have
    more channel blocks than the cores that run the layer: nothing is dropped silently."""
    import yaml

    path = tmp_path / "partition.yaml"
    path.write_text(yaml.safe_dump({"layers": layers}))
    result = run_main("multicore", "-w", str(LENET), "-a", str(STREAM_QUAD), "--mode", "layer",
                      "--partition", str(path))
    assert result.returncode == 2, result.stdout
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "partition.yaml" in err and field in err
    assert words in err


def test_a_prime_core_count_has_no_grid_move():
    """On five cores the most square grid is one column (rows): the allocation search does
    not schedule it twice, and a split by both of one block is reported as rows."""
    from ripple.multicore.allocation_search import moves
    from ripple.multicore.partition import NodePlacementSpec

    five = {"name": "five", "cores": [{"name": f"c{i}", "arch": "core_16mac.yaml"}
                                     for i in range(5)],
            "links": [{"name": "bus", "endpoints": [f"c{i}" for i in range(5)],
                       "bandwidth": 64}]}
    machine = multicore_from_data(five, "test", EXAMPLES / "multicore")
    conv1 = lenet().node("conv1")
    tried = [(m.split, tuple(m.cores or ())) for m in moves(conv1, machine, NodePlacementSpec())]
    assert ("both", ()) not in tried and len(tried) == len(set(tried))
    placement = even_placement(conv1, "both", machine.cores, [1.0] * 5, 1)
    assert placement.split == "rows"
