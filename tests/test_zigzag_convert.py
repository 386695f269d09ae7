"""``ripple convert --from zigzag`` and ``--to zigzag`` back and forth over every accelerator
ZigZag ships that is not in-memory computing: the Ripple architecture is unchanged, ZigZag's
own validator and factory accept what Ripple writes, and writing it again gives the same file
(docs/zigzag.md, "Back to ZigZag"); the same for every shipped mapping file, as constraints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ripple.arch import load_architecture
from ripple.arch.zigzag_export import zigzag_accelerator
from tests.conftest import EXAMPLES, run_main

zigzag = pytest.importorskip("zigzag", reason="ZigZag is an optional test extra")
from zigzag.parser.accelerator_factory import AcceleratorFactory  # noqa: E402
from zigzag.parser.accelerator_validator import AcceleratorValidator  # noqa: E402
from zigzag.parser.mapping_validator import MappingValidator  # noqa: E402

HARDWARE = Path(zigzag.__file__).parent / "inputs" / "hardware"
SHIPPED = sorted(path for path in HARDWARE.glob("*.yaml")
                 if not yaml.safe_load(path.read_text())["operational_array"].get("is_imc"))


def _chains(accelerator: dict) -> dict[str, list[str]]:
    """Each memory operand's memories, lowest first, as ZigZag chains them."""
    return {op: [name for name, memory in accelerator["memories"].items()
                 if op in memory["operands"]] for op in ("I1", "I2", "O")}


def _convert(*args: str) -> None:
    done = run_main("convert", *args)
    assert done.returncode == 0, done.stderr


def test_every_non_imc_accelerator_is_shipped_and_listed():
    assert {path.stem for path in SHIPPED} == {
        "ascend_like", "edge_tpu_like", "eyeriss_like", "gemm_l1", "gemm_l1_l3",
        "generic_array_cacti", "meta_prototype", "tesla_npu_like", "tpu_like"}


@pytest.mark.parametrize("accelerator", SHIPPED, ids=lambda path: path.stem)
def test_back_and_forth_changes_nothing(accelerator, tmp_path):
    ripple_file, zigzag_file = tmp_path / "arch.yaml", tmp_path / "accel.yaml"
    _convert("--from", "zigzag", str(accelerator), "-o", str(ripple_file))
    _convert("--to", "zigzag", str(ripple_file), "-o", str(zigzag_file))
    assert load_architecture(zigzag_file) == load_architecture(ripple_file) == \
        load_architecture(accelerator)
    assert "# note" not in zigzag_file.read_text()  # nothing was lost on the way
    written = yaml.safe_load(zigzag_file.read_text())
    validator = AcceleratorValidator(written)
    assert validator.validate(), validator.errors
    core = AcceleratorFactory(validator.normalized_data).create()
    original = yaml.safe_load(accelerator.read_text())
    assert _chains(written) == _chains(original)
    for level in core.memory_hierarchy.mem_level_list:
        given = original["memories"][level.memory_instance.name]
        assert (level.memory_instance.size, level.memory_instance.r_cost,
                level.memory_instance.w_cost) == (given["size"], given["r_cost"],
                                                  given["w_cost"])
    again = tmp_path / "again.yaml"
    _convert("--to", "zigzag", str(zigzag_file), "-o", str(again))
    assert yaml.safe_load(again.read_text()) == written


def test_what_zigzags_format_cannot_hold_is_noted(tmp_path):
    """The seed's gated architecture: its sparsity and Ripple's conventions do not survive,
    each a note in the written file's header; the rest reads back as written."""
    arch = load_architecture(EXAMPLES / "seed_case" / "arch_gated.yaml")
    written = zigzag_accelerator(arch, "arch_gated.yaml")
    assert any(".sparsity" in note for note in written.notes)
    assert any(note.startswith("conventions.") for note in written.notes)
    assert not any(".read_energy_pj" in note or "capacity_bits" in note or "served" in note
                   for note in written.notes)
    served = {m.name: arch.served(m) for level in arch.levels for m in level.memories}
    assert {name: m["served_dimensions"] for name, m in written.value["memories"].items()} == \
        served  # a memory without served_dims serves every array dimension
    out = tmp_path / "accel.yaml"
    _convert("--to", "zigzag", str(EXAMPLES / "seed_case" / "arch_gated.yaml"), "-o", str(out))
    assert "# note: " in out.read_text()


def test_an_array_dimension_zigzag_cannot_name_is_refused(tmp_path):
    text = (EXAMPLES / "seed_case" / "arch.yaml").read_text()
    arch = yaml.safe_load(text)
    dim = next(iter(arch["array"]))
    path = tmp_path / "arch.yaml"
    path.write_text(text.replace(f"{dim}:", "cols:"))
    out = tmp_path / "accel.yaml"
    done = run_main("convert", "--to", "zigzag", str(path), "-o", str(out))
    assert done.returncode == 2 and not out.exists()
    assert "arch.yaml" in done.stderr and "array.cols" in done.stderr


MAPPINGS = sorted((HARDWARE.parent / "mapping").glob("*.yaml"))


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda path: path.stem)
def test_mapping_hints_back_and_forth_change_nothing(mapping, tmp_path):
    """A shipped mapping file as the constraints of a workload's layers, written back as a
    ZigZag mapping file (one entry per layer, which ZigZag's validator accepts) and read
    again: the same constraints."""
    from tests.test_zigzag_shipped import _model

    model = str(_model(tmp_path / "two.onnx"))
    first, written, second = (tmp_path / name for name in ("c.yaml", "m.yaml", "c2.yaml"))
    _convert("--from", "zigzag", str(mapping), "-w", model, "-o", str(first))
    _convert("--to", "zigzag", str(first), "-o", str(written))
    _convert("--from", "zigzag", str(written), "-w", model, "-o", str(second))
    assert yaml.safe_load(first.read_text()) == yaml.safe_load(second.read_text())
    entries = yaml.safe_load(written.read_text())
    assert [entry["name"] for entry in entries] == ["default", "down", "fc", "pad", "uneven"]
    validator = MappingValidator(entries)
    assert validator.validate()


def test_constraints_zigzag_cannot_hold_are_noted(tmp_path):
    out = tmp_path / "m.yaml"
    _convert("--to", "zigzag", str(EXAMPLES / "seed_case" / "constraints.yaml"), "-o", str(out))
    notes = [line for line in out.read_text().splitlines() if line.startswith("# note: ")]
    assert sorted(note.split(":")[1].strip() for note in notes) == [
        "max_loops_per_level", "partial_order", "utilisation_floor"]
    assert yaml.safe_load(out.read_text()) == [{
        "name": "default", "spatial_mapping": {"D1": ["K, 8"]},
        "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]
