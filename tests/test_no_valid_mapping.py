"""No valid mapping is an error (exit 2, one line) naming the tightest memory, its capacity
and what the smallest tile needs, not a "complete" run totalling 0 pJ in 0 cycles."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import EXAMPLES, run_main

SEED = EXAMPLES / "seed_case"


def _seed_arch(tmp_path, capacity_bits: int):
    """The seed accelerator with both SRAMs of ``capacity_bits``."""
    arch = yaml.safe_load((SEED / "arch.yaml").read_text())
    for memory in arch["levels"][0]["memories"]:
        memory["capacity_bits"] = capacity_bits
    path = tmp_path / "arch.yaml"
    path.write_text(yaml.safe_dump(arch))
    return path


def _one_error_line(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ripple: error: "), proc.stderr
    return lines[0]


def _seed_tensor_words() -> dict[str, int]:
    """The seed layer's whole tensors, from the workload file (K C FY FX weights, K OY OX
    outputs, C IY IX inputs): the only memory level must hold them whole."""
    layer = yaml.safe_load((SEED / "workload.yaml").read_text())
    oy = layer["IY"] - layer["FY"] + 1
    ox = layer["IX"] - layer["FX"] + 1
    return {"I": layer["C"] * layer["IY"] * layer["IX"],
            "W": layer["K"] * layer["C"] * layer["FY"] * layer["FX"],
            "O": layer["K"] * oy * ox}


@pytest.mark.parametrize("limit", [None, "50"])
def test_explore_without_a_valid_mapping_names_the_tightest_memory(tmp_path, limit):
    arch = _seed_arch(tmp_path, 16)
    export = tmp_path / "space.csv"
    limited = ["--limit", limit] if limit else []
    line = _one_error_line(run_main("explore", "-w", str(SEED / "workload.yaml"), "-a",
                                    str(arch), "--export", str(export), *limited,
                                    "--json", "-"))
    words = _seed_tensor_words()
    need = 16 * (words["W"] + words["O"])  # both 16-bit; the larger of the two SRAMs' needs
    assert need > 16 * words["I"]
    assert "no valid mapping of layer 'seed_conv'" in line
    assert "'weight_output_sram', holds 16 bits" in line
    assert f"needs {need:,} bits (W {words['W']} words x 16 b, O {words['O']} words x 16 b)" \
        in line
    assert ("(--limit 50)" in line) == bool(limit)


def test_explore_with_room_for_some_mapping_still_reports(tmp_path):
    """The same memories large enough for the whole tensors: a result, exit 0."""
    words = _seed_tensor_words()
    arch = _seed_arch(tmp_path, 16 * (words["W"] + words["O"]))
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(arch),
                    "--export", str(tmp_path / "space.parquet"), "--limit", "20", "--json", "-")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("command", [
    ["compare", "--dataflows", "ws,ed"], ["evaluate", "--dataflow", "ed"],
    ["evaluate", "-m", str(SEED / "mapping_event_driven.yaml")]])
def test_presets_and_mappings_name_the_memory_that_overflows(tmp_path, command):
    arch = _seed_arch(tmp_path, 16)
    line = _one_error_line(run_main(command[0], "-w", str(SEED / "workload.yaml"), "-a",
                                    str(arch), *command[1:], "--json", "-"))
    assert "overflows" in line and "capacity is 16 bits" in line


def test_an_empty_space_is_refused_before_any_file_is_written(tmp_path):
    """A utilisation floor of half of the Eyeriss-like 168 PEs on the seed layer (8 filters of
    one channel, 9 outputs a row): no unrolling qualifies, the space has no mapping."""
    constraints = tmp_path / "c.yaml"
    constraints.write_text("utilisation_floor: 0.5\n")
    out = tmp_path / "out"
    line = _one_error_line(run_main("explore", "-w", str(SEED / "workload.yaml"), "-a",
                                    str(EXAMPLES / "eyeriss_like" / "arch.yaml"),
                                    "--constraints", str(constraints),
                                    "--export", str(out / "x.parquet")))
    assert "no valid mapping of layer 'seed_conv'" in line and "no mapping at all" in line
    assert not out.exists()
