"""Every number of a specification is bounded when it is read: finite floats, non-negative
energies, sizes below 2^31 and products of sizes below 2^53, named by field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ripple.arch import load_architecture
from ripple.dse.constraints import load_constraints
from ripple.errors import RippleInputError
from ripple.mapping import load_mapping
from ripple.multicore import load_multicore, load_partition
from ripple.workload import load_workload
from ripple.workload.densities import load_density_table
from tests.conftest import EXAMPLES

SEED = EXAMPLES / "seed_case"
MULTI = EXAMPLES / "multicore"
BIG = 2**63

# (loader, file, text to replace, replacement, field, words)
CASES: dict[str, tuple[Callable[[Path], object], Path, str, str, str, str]] = {
    "size 2^63": (load_workload, SEED / "workload.yaml", "K: 8", f"K: {BIG}", "K",
                  "less than or equal to 2147483647"),
    "size NaN": (load_workload, SEED / "workload.yaml", "K: 8", "K: .nan", "K", "finite number"),
    "stride 2^63": (load_workload, SEED / "workload.yaml", "stride: 1", f"stride: {BIG}",
                    "stride[0]", "less than or equal"),
    "precision 2^58": (load_workload, SEED / "workload.yaml", "I: 16,", f"I: {2**58},",
                       "precision.I", "less than or equal to 1024"),
    "padding typo": (load_workload, SEED / "workload.yaml", "padding: 0",
                     "padding: {top: 1, lefft: 1}", "padding",
                     "unknown field 'lefft' (did you mean 'left'?)"),
    "padding huge": (load_workload, SEED / "workload.yaml", "padding: 0",
                     "padding: 2147483647", "<root>",
                     "N*K*C/G*OY*OX*FY*FX MACs x widest precision = 2.13e+22 exceeds 2^53"),
    "input-indexed MACs": (load_workload, SEED / "workload.yaml",
                           "IY: 5\nIX: 5\nFY: 3\nFX: 3\nstride: 1",
                           "IY: 2000000000\nIX: 2000000000\nFY: 3\nFX: 3\nstride: 1000000",
                           "<root>", "N*K*C/G*IY*IX*FY*FX MACs x widest precision = 4.61e+21"),
    "energy inf": (load_architecture, SEED / "arch.yaml", "read_energy_pj: 10.5",
                   "read_energy_pj: .inf", "levels[0].memories[0].read_energy_pj",
                   "finite number"),
    "energy negative": (load_architecture, SEED / "arch.yaml", "write_energy_pj: 12.8",
                        "write_energy_pj: -1", "levels[0].memories[0].write_energy_pj",
                        "greater than or equal to 0"),
    "energy huge": (load_architecture, SEED / "arch.yaml", "energy_pj: 0.04",
                    "energy_pj: 1e300", "mac.energy_pj", "less than or equal to"),
    "capacity 2^63": (load_architecture, SEED / "arch.yaml", "capacity_bits: 2097152",
                      f"capacity_bits: {BIG}", "levels[0].memories[0].capacity_bits",
                      "less than or equal to 9007199254740992"),
    "array of 2^32 NPEs": (load_architecture, SEED / "arch.yaml", "array: {D1: 8}",
                           "array: {D1: 65536, D2: 65536}", "<root>", "4.29e+09 NPEs"),
    "loop 2^40": (load_mapping, SEED / "mapping_weight_stationary.yaml", "[FX, 3]",
                  f"[FX, {2**40}]", "temporal.sram[0][1]", "less than or equal to 2147483647"),
    "loop product": (load_mapping, SEED / "mapping_weight_stationary.yaml", "[FX, 3]",
                     "[FX, 2147483647], [FY, 2147483647], [N, 2147483647]", "<root>",
                     "the product of the spatial and temporal loop sizes = 2.14e+30 exceeds"),
    "link bandwidth 2^63": (load_multicore, MULTI / "dual_core.yaml", "bandwidth: 32",
                            f"bandwidth: {BIG}", "links[0].bandwidth", "less than or equal"),
    "link energy NaN": (load_multicore, MULTI / "dual_core.yaml", "energy_pj_per_bit: 0}",
                        "energy_pj_per_bit: .nan}", "links[0].energy_pj_per_bit",
                        "finite number"),
    "offchip energy inf": (load_multicore, MULTI / "dual_core.yaml", "read_energy_pj: 700",
                           "read_energy_pj: .inf", "offchip.read_energy_pj", "finite number"),
    "rows per tile 2^40": (load_partition, MULTI / "pipeline.yaml", "rows_per_tile: 28",
                           f"rows_per_tile: {2**40}", "layers.conv1.rows_per_tile",
                           "less than or equal"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_bounds_is_named(case, tmp_path):
    loader, source, old, new, field, words = CASES[case]
    text = source.read_text()
    assert old in text, f"test setup: {old!r} not in {source.name}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(RippleInputError) as caught:
        loader(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert words in message, message


@pytest.mark.parametrize(("loader", "text", "field", "words"), [
    (load_constraints, "utilisation_floor: .nan\n", "utilisation_floor", "finite number"),
    (load_constraints, "max_loops_per_level: 1000\n", "max_loops_per_level",
     "less than or equal to 64"),
    (load_density_table, "densities:\n  default: {I: .inf}\n", "densities.default.I",
     "finite number"),
    (load_workload, "layers:\n  - {name: p, operator: maxpool, kernel: 2,\n"
                    "     input_shapes: [[100000, 100000, 100000, 10000]]}\n", "layers[0]",
     "elements of input_shapes[0] = 1e+19 exceeds 2^53"),
    (load_workload, "layers:\n  - {name: f, operator: flatten, axis: 99,\n"
                    "     input_shapes: [[1, 4, 2, 2]]}\n", "layers[0].axis",
     "less than or equal to 6"),
])
def test_other_specs_are_bounded(tmp_path, loader, text, field, words):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(RippleInputError) as caught:
        loader(path)
    assert str(caught.value).startswith(f"{path}: {field}: "), str(caught.value)
    assert words in str(caught.value)


def test_run_bits_are_bounded(tmp_path):
    text = (SEED / "arch_compressed.yaml").read_text()
    assert "run_bits: 4" in text
    path = tmp_path / "arch.yaml"
    path.write_text(text.replace("run_bits: 4", "run_bits: 100000", 1))
    with pytest.raises(RippleInputError, match="run_bits: Input should be less than or equal "
                                               "to 64"):
        load_architecture(path)
