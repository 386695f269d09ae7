"""ZigZag's ``output_capacity`` convention (docs/conventions.md): a memory above every loop that
leaves outputs unreduced reserves them at the final precision. The model and the simulator
decide the same, on a buffer sized between the two precisions' needs."""

from __future__ import annotations

import pytest

from ripple.arch import Architecture
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload import Layer

# I 4x8x8 at 8 b = 2,048 b; W 4x4x3x3 at 8 b = 1,152 b; O 4x6x6: 1,152 b final, 2,304 b partial.
LAYER = Layer.model_validate({"name": "conv", "operator": "conv", "N": 1, "K": 4, "C": 4,
                              "IY": 8, "IX": 8, "FY": 3, "FX": 3,
                              "precision": {"I": 8, "W": 8, "O": 16, "O_final": 8}})
FINAL_NEED = 2048 + 1152 + 1152
PARTIAL_NEED = 2048 + 1152 + 2304


def _arch(capacity: int, output_capacity: str) -> Architecture:
    def memory(name: str, operands: list[str], bits: int | None) -> dict:
        return {"name": name, "operands": operands, "capacity_bits": bits,
                "read_bandwidth": 64, "write_bandwidth": 64,
                "read_energy_pj": 1.0, "write_energy_pj": 1.0}

    return Architecture.model_validate({
        "name": "buffered", "array": {"D1": 4}, "mac": {"energy_pj": 0.1},
        "conventions": {"preset": "zigzag", "output_capacity": output_capacity},
        "levels": [{"name": "dram", "memories": [memory("dram", ["I", "W", "O"], None)]},
                   {"name": "buf", "memories": [memory("buf", ["I", "W", "O"], capacity)]},
                   {"name": "reg", "memories": [memory("reg", ["O"], 64)]}]})


def _mapping(c_above: int) -> Mapping:
    """K unrolled; ``c_above`` of C's iterations above the buffer (1: none)."""
    buf = [["C", 4 // c_above], ["OY", 6], ["OX", 6]]
    return Mapping.model_validate({
        "name": "m", "spatial": {"D1": [["K", 4]]},
        "temporal": {"dram": [["C", c_above]] if c_above > 1 else [],
                     "buf": buf, "reg": [["FY", 3], ["FX", 3]]}})


def _fits(capacity: int, output_capacity: str, c_above: int) -> tuple[bool, bool]:
    """Whether the model and the simulator accept the mapping."""
    nest = bind(LAYER, _arch(capacity, output_capacity), _mapping(c_above))
    verdicts = []
    for run in (evaluate, simulate):
        try:
            run(nest)
            verdicts.append(True)
        except MappingError as exc:
            assert "'buf'" in str(exc)
            verdicts.append(False)
    return verdicts[0], verdicts[1]


@pytest.mark.parametrize(("capacity", "rule", "expected"), [
    (FINAL_NEED, "final_above_reductions", True),
    (FINAL_NEED - 1, "final_above_reductions", False),
    (FINAL_NEED, "larger", False),
    (PARTIAL_NEED, "larger", True),
])
def test_a_buffer_above_every_reduction_holds_final_outputs(capacity, rule, expected):
    assert _fits(capacity, rule, c_above=1) == (expected, expected)


def test_a_reduction_loop_above_keeps_partial_precision():
    # C split: the buffer holds I 1,024 b + W 576 b + O 144 words; partial sums at 16 b.
    need = 1024 + 576 + 2304
    assert _fits(need, "final_above_reductions", c_above=2) == (True, True)
    assert _fits(need - 1, "final_above_reductions", c_above=2) == (False, False)
