"""Hand-counted accesses through a two-level hierarchy, the MAC options, the capacity and
replication checks, bad tensors, and the MAC log formats."""

from __future__ import annotations

import numpy as np
import pytest

from ripple.arch import Architecture
from ripple.errors import MappingError, RippleInputError
from ripple.mapping import Mapping, bind
from ripple.results import OperandAccess
from ripple.sim import read_mac_log, simulate
from ripple.sim.maclog import COORDINATES
from ripple.workload import Layer

LAYER = Layer(K=2, C=1, IY=1, IX=4)  # a 1x1 convolution: outputs (k, ox), k < 2, ox < 4


def arch(*, elision: bool = False, latch: object = ("I", "W"), rf_capacity: int | None = None,
         rf_o_served: list[str] | None = None, first_read: str = "elide") -> Architecture:
    """DRAM holding everything; per-NPE register files for W and O; 16-bit transactions."""
    def mem(name: str, operands: list[str], served: list[str] | None, capacity=None) -> dict:
        return {"name": name, "operands": operands, "read_bandwidth": 16,
                "write_bandwidth": 16, "read_energy_pj": 1, "write_energy_pj": 1,
                "served_dims": served, "capacity_bits": capacity}
    return Architecture.model_validate({
        "array": {"D1": 2}, "conventions": {"output_first_read": first_read},
        "mac": {"energy_pj": 0.1, "latch": list(latch),
                                     "first_read_elision": elision},
        "levels": [{"name": "dram", "memories": [mem("dram", ["I", "W", "O"], None)]},
                   {"name": "rf", "memories": [
                       mem("rf_w", ["W"], [], rf_capacity),
                       mem("rf_o", ["O"], [] if rf_o_served is None else rf_o_served)]}],
    })


MAPPING = Mapping(spatial={"D1": [["K", 2]]}, temporal={"dram": [["OX", 4]]})


def acc(reads: int, writes: int, final: int = 0) -> tuple[int, int, int]:
    return (reads, writes, final)


def counts(a: OperandAccess) -> tuple[int, int, int]:
    return (a.reads, a.writes, a.final_writes)


def test_two_levels_by_hand():
    res = simulate(bind(LAYER, arch(), MAPPING)).result
    a = res.accesses
    assert res.macs_issued == 8 and res.latency.compute == 4
    # I: one input per step, broadcast to both NPEs from DRAM
    assert counts(a["dram"]["I"]) == acc(4, 0)
    # W: OX is irrelevant to W, so each register file is filled once with its own weight
    assert counts(a["dram"]["W"]) == acc(2, 0)
    assert counts(a["rf_w"]["W"]) == acc(2, 2)  # 2 writes by the fill, 2 reads by the latch
    # O: each step fills both register files with one output, never written before, so not
    # read (docs/conventions.md), and writes it back final
    assert counts(a["dram"]["O"]) == acc(0, 8, 8)
    # rf_o: 8 MAC write-backs; 8 MAC reads (the MACs read every step) + 8 read-outs to DRAM
    assert counts(a["rf_o"]["O"]) == acc(16, 8, 8)


def test_outputs_read_before_their_first_write_by_convention():
    a = simulate(bind(LAYER, arch(first_read="read"), MAPPING)).result.accesses
    assert counts(a["dram"]["O"]) == acc(8, 8, 8)
    # rf_o: 8 words received + 8 MAC write-backs; 8 MAC reads + 8 read-outs to DRAM
    assert counts(a["rf_o"]["O"]) == acc(16, 16, 8)


def test_first_read_elision():
    a = simulate(bind(LAYER, arch(elision=True), MAPPING)).result.accesses
    assert counts(a["dram"]["O"]) == acc(0, 8, 8)  # every output starts in its fill
    assert counts(a["rf_o"]["O"]) == acc(8, 8, 8)  # read-outs only; MAC writes only


def test_latch_none_reads_every_step():
    a = simulate(bind(LAYER, arch(latch=[]), MAPPING)).result.accesses
    assert counts(a["rf_w"]["W"]) == acc(8, 2)
    assert counts(a["dram"]["I"]) == acc(4, 0)  # one word per step either way here


def test_capacity_names_memory_operand_and_tile():
    nest = bind(LAYER, arch(rf_capacity=15), MAPPING)
    with pytest.raises(MappingError, match=r"rf_w.*W tile 1 words = 16 bits.*capacity of 15"):
        simulate(nest)
    simulate(bind(LAYER, arch(rf_capacity=16), MAPPING))  # exactly fits


def test_outputs_split_over_instances_are_summed_on_the_way_up():
    """C unrolled over D1 with a psum register file per NPE: each file holds its NPE's part
    of an output; the parts are summed as they go up to DRAM, one word per output."""
    layer = Layer(K=1, C=2, IY=1, IX=4)
    mapping = Mapping(spatial={"D1": [["C", 2]]}, temporal={"dram": [["OX", 4]]})
    res = simulate(bind(layer, arch(), mapping)).result
    # DRAM: no output is ever read back (each is new at its fill), 4 reduced final writes
    assert counts(res.accesses["dram"]["O"]) == acc(0, 4, 4)
    # rf_o: the MACs read and write their file every step (2 files x 4 steps), and each file's
    # partial sum is read out at the end of its fill: 8 + 8 reads, none of them final
    assert counts(res.accesses["rf_o"]["O"]) == acc(16, 8, 0)
    # served along D1, the C reduction is summed in the array: one word per output
    res = simulate(bind(layer, arch(rf_o_served=["D1"]), mapping)).result
    assert counts(res.accesses["dram"]["O"]) == acc(0, 4, 4)


def test_outputs_never_summed_are_rejected():
    layer = Layer(K=1, C=2, IY=1, IX=4)
    mapping = Mapping(spatial={"D1": [["C", 2]]}, temporal={"dram": [["OX", 4]]})
    spec = arch().model_dump()
    spec["levels"][0]["memories"][0]["served_dims"] = []  # DRAM per NPE: nothing sums
    with pytest.raises(MappingError, match=r"dram.*outermost.*D1.*C.*never be summed"):
        simulate(bind(layer, Architecture.model_validate(spec), mapping))


def test_bad_tensors():
    nest = bind(LAYER, arch(), MAPPING)
    with pytest.raises(RippleInputError, match=r"inputs have shape \(1, 1, 4, 4\)"):
        simulate(nest, inputs=np.zeros((1, 1, 4, 4), dtype=np.int64))
    with pytest.raises(RippleInputError, match="weights must be integers"):
        simulate(nest, weights=np.zeros((2, 1, 1, 1)))
    with pytest.raises(RippleInputError, match="unknown MAC log format"):
        simulate(nest, log_path="log.txt")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_log_round_trip(tmp_path, suffix):
    layer = Layer(K=2, C=2, IY=4, IX=3, FY=3, FX=2, padding=1)
    mapping = Mapping(spatial={"D1": [["K", 2]]},
                      temporal={"dram": [["C", 2], ["OY", 4]], "rf": [["OX", 4], ["FY", 3],
                                                                       ["FX", 2]]})
    path = tmp_path / f"macs{suffix}"
    sim = simulate(bind(layer, arch(), mapping), log_path=path, chunk_macs=7)
    log = read_mac_log(path)
    assert list(log) == ["cycle", "npe_D1", "input", "weight", "output", *COORDINATES, "valid"]
    assert sim.mac_log_rows == len(log["cycle"]) == sim.result.macs_issued == 2 * 2 * 4 * 4 * 6
    assert int(log["valid"].sum()) == sim.result.macs_valid
    assert ((log["input"] == -1) == ~log["valid"]).all()  # padding taps read no input
    assert (np.diff(log["cycle"]) >= 0).all() and log["cycle"].max() == 2 * 4 * 4 * 3 * 2 - 1
    # replaying the log reproduces the output
    flat_in, flat_w = sim.inputs.ravel(), sim.weights.ravel()
    out = np.zeros(sim.output.size, dtype=np.int64)
    real = log["input"] >= 0
    np.add.at(out, log["output"][real], flat_in[log["input"][real]] * flat_w[log["weight"][real]])
    assert np.array_equal(out.reshape(sim.output.shape), sim.golden)
    assert not list(tmp_path.glob(".*partial"))


def test_failed_run_leaves_no_log(tmp_path):
    path = tmp_path / "macs.parquet"
    with pytest.raises(MappingError):
        simulate(bind(LAYER, arch(rf_capacity=8), MAPPING), log_path=path)
    assert not list(tmp_path.iterdir())


def test_double_buffered_memory_needs_two_tiles():
    data = arch(rf_capacity=16).model_dump()
    data["levels"][1]["memories"][0]["double_buffered"] = True
    double = Architecture.model_validate(data)
    with pytest.raises(MappingError, match=r"rf_w.*double-buffered.*32 bits exceeds .* 16 bits"):
        simulate(bind(LAYER, double, MAPPING))
