"""Dataflow presets: a valid mapping for any layer on any architecture (issue: timing and the
LeNet-5 comparison)."""

from __future__ import annotations

import pytest

from ripple.arch import load_architecture
from ripple.dse import PRESETS, preset_mapping
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.workload import Layer
from tests.conftest import EXAMPLES

LENET5 = [
    Layer(name="conv1", K=6, C=1, IY=32, IX=32, FY=5, FX=5),
    Layer(name="conv2", K=16, C=6, IY=14, IX=14, FY=5, FX=5),
    Layer(name="fc1", operator="fc", K=120, C=400),
    Layer(name="fc2", operator="fc", K=84, C=120),
    Layer(name="fc3", operator="fc", K=10, C=84),
]
ARCHS = ["seed_case", "seed_dram", "eyeriss_like"]


@pytest.mark.parametrize("arch_name", ARCHS)
@pytest.mark.parametrize("dataflow", sorted(PRESETS))
def test_lenet5_macs_under_every_dataflow(arch_name, dataflow):
    arch = load_architecture(EXAMPLES / arch_name / "arch.yaml")
    valid = issued = 0
    for layer in LENET5:
        mapping = preset_mapping(layer, arch, dataflow)
        assert mapping.index == PRESETS[dataflow].index
        result = evaluate(bind(layer, arch, mapping))
        valid += result.macs_valid
        issued += result.macs_issued
    assert valid == 117_600 + 240_000 + 48_000 + 10_080 + 840 == 416_520
    assert issued == valid  # no padding in LeNet-5, and the event-driven nest filters


def test_event_driven_preset_is_input_indexed_and_filters():
    arch = load_architecture(EXAMPLES / "eyeriss_like" / "arch.yaml")
    padded = Layer(name="padded", K=4, C=2, IY=9, IX=9, FY=3, FX=3, stride=2, padding=1)
    mapping = preset_mapping(padded, arch, "ed")
    result = evaluate(bind(padded, arch, mapping))
    assert mapping.index == "input" and mapping.boundary == "filter"
    assert result.macs_issued == result.macs_valid == padded.macs < padded.dense_macs


def test_preset_that_cannot_fit_names_memory_operand_tile_and_capacity():
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    tiny = arch.model_copy(update={"levels": [arch.levels[0].model_copy(update={"memories": [
        m.model_copy(update={"capacity_bits": 100}) if m.name == "input_sram" else m
        for m in arch.levels[0].memories]})]})
    with pytest.raises(MappingError) as error:
        preset_mapping(LENET5[1], tiny, "ws")
    message = str(error.value)
    assert "'input_sram'" in message and "I 1176 words x 16 b" in message
    assert "capacity is 100 bits" in message


def test_presets_fit_a_per_column_accumulator():
    """Stream's 16-MAC core keeps one 32-bit accumulator per column (it serves D2): a preset
    whose preferred unrolling puts several outputs on a column falls back to one that fits."""
    import yaml

    from ripple.arch import Architecture
    from ripple.workload import Precision

    spec = yaml.safe_load((EXAMPLES / "multicore" / "core_16mac.yaml").read_text())
    accumulator = next(m for m in spec["levels"][1]["memories"] if m["operands"] == ["O"])
    accumulator["served_dims"] = ["D2"]
    arch = Architecture.model_validate(spec)
    int8 = Precision(I=8, W=8, O=32, O_final=8)
    for dataflow in sorted(PRESETS):
        for layer in LENET5:
            layer = layer.model_copy(update={"precision": int8})
            result = evaluate(bind(layer, arch, preset_mapping(layer, arch, dataflow)))
            assert result.macs_valid == layer.macs
