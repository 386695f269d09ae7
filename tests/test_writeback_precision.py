"""ZigZag's ``writeback_precision: per_link`` (docs/conventions.md, "Precision of written-back
outputs"): a link's write-backs carry every output at the partial precision when a reduction
loop lies above its child, at the final one otherwise; ``per_word`` writes each output final
once its reduction is complete. Counted by hand, by the model and by the simulator."""

from __future__ import annotations

import pytest

from ripple.arch import Architecture
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload import Layer

# Two outputs, each the sum over two channels: 16-bit partial sums, 8-bit final values.
LAYER = Layer.model_validate({"name": "fc", "operator": "conv", "K": 2, "C": 2,
                              "precision": {"I": 8, "W": 8, "O": 16, "O_final": 8}})


def _arch(writeback_precision: str) -> Architecture:
    def memory(name: str, operands: list[str]) -> dict:
        return {"name": name, "operands": operands, "read_bandwidth": 64,
                "write_bandwidth": 64, "read_energy_pj": 1.0, "write_energy_pj": 1.0}

    return Architecture.model_validate({
        "name": "two", "array": {"D1": 1}, "mac": {"energy_pj": 0.1},
        "conventions": {"preset": "zigzag", "writeback_precision": writeback_precision},
        "levels": [{"name": "dram", "memories": [memory("dram", ["I", "W", "O"])]},
                   {"name": "buf", "memories": [memory("buf", ["O"])]}]})


def _bits(writeback_precision: str, dram: list, buf: list) -> list[tuple[int, int]]:
    """(DRAM, buffer) output write bits, by the model and by the simulator."""
    mapping = Mapping.model_validate({"name": "m", "temporal": {"dram": dram, "buf": buf}})
    nest = bind(LAYER, _arch(writeback_precision), mapping)
    return [(result.accesses["dram"]["O"].write_bits, result.accesses["buf"]["O"].write_bits)
            for result in (evaluate(nest), simulate(nest).result)]


@pytest.mark.parametrize(("rule", "dram_bits", "buf_bits"), [
    # C above the buffer: its two outputs stay there over both channels and return once,
    # final; the buffer's fill reads them (16-bit, ZigZag's when_partial: 32 bits), then the
    # MACs write 2 partial sums and 2 final values
    ("per_word", 2 * 8, 32 + 2 * 16 + 2 * 8),
    ("per_link", 2 * 16, 32 + 4 * 16),  # a reduction above both children: all partial
])
def test_a_reduction_above_the_buffer(rule, dram_bits, buf_bits):
    assert _bits(rule, [["C", 2]], [["K", 2]]) == [(dram_bits, buf_bits)] * 2


@pytest.mark.parametrize(("rule", "buf_bits"), [("per_word", 2 * 16 + 2 * 8),
                                                ("per_link", 4 * 16)])
def test_a_reduction_inside_the_buffer(rule, buf_bits):
    # the buffer returns final values only, under both; the MACs' writes follow the rule
    assert _bits(rule, [["K", 2]], [["C", 2]]) == [(2 * 8, buf_bits)] * 2
