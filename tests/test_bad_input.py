"""Bad input: one line naming the file, the field path and what was expected; exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, run_main

SEED = Path(__file__).resolve().parents[1] / "src" / "ripple" / "examples" / "seed_case"
WS = "mapping_weight_stationary.yaml"

# (file to corrupt, text to replace, replacement, expected field path, expected words)
CASES = {
    "missing field": ("arch.yaml", "        write_bandwidth: 128\n", "",
                      "levels[0].memories[0].write_bandwidth", "required field is missing"),
    "misspelt field": ("arch.yaml", "mac:", "macx:", "macx", "did you mean 'mac'?"),
    "unknown dimension": (WS, "[FX, 3]", "[FZ, 3]", "temporal.sram[0][0]", "'FX'"),
    "wrong type": ("workload.yaml", "K: 8", "K: eight", "K", "expected a number, not a string"),
    # pydantic would read these as 8 and 1
    "quoted number": ("workload.yaml", "K: 8", 'K: "8"', "K", "expected a number, not a string"),
    "boolean number": ("arch.yaml", "read_bandwidth: 128", "read_bandwidth: true",
                       "levels[0].memories[0].read_bandwidth", "not a boolean"),
    "negative bandwidth": ("arch.yaml", "read_bandwidth: 128", "read_bandwidth: -5",
                           "levels[0].memories[0].read_bandwidth", "greater than 0"),
    "not covering": (WS, "[OY, 3]", "[OY, 2]", "temporal", "cover 2 of 3"),
    "overhanging": (WS, "[OY, 3]", "[OY, 4]", "temporal", "only the last iteration"),
    "mixing OY with IY": (WS, "[OY, 3]", "[IY, 3]", "temporal", "mixes output-indexed"),
    "array overflow": (WS, "[[K, 8]]", "[[K, 16]]", "spatial.D1", "dimension of size 8"),
    "unknown level": (WS, "sram:", "dram:", "temporal.dram", "unknown level"),
    "skip_padding on events": ("mapping_event_driven.yaml", "boundary: filter",
                               "boundary: filter\nskip_padding: true", "skip_padding",
                               "output-indexed nests only"),
    # the first capacity in the file is the input SRAM's
    "capacity": ("arch.yaml", "capacity_bits: 2097152", "capacity_bits: 64", "temporal",
                 "'input_sram' overflows"),
    "broken YAML": ("workload.yaml", "K: 8", "K: [8,", "line", "invalid YAML"),
    # past Python's int conversion limit: PyYAML's ValueError used to escape as a traceback
    "integer of 5000 digits": ("workload.yaml", "K: 8", "K: " + "9" * 5000, "line 6, column 4",
                               "an integer of 5,000 characters; expected at most 4,300 digits"),
}
# a capacity overflow is the mapping's fault: its tiles do not fit the memory
BLAMED = {"capacity": WS}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_clear_line(case, tmp_path):
    target, old, new, field, words = CASES[case]
    files = {}
    mapping = target if target.startswith("mapping") else WS
    for name in ("workload.yaml", "arch.yaml", mapping):
        text = (SEED / name).read_text()
        if name == target:
            assert old in text, f"test setup: {old!r} not in {name}"
            text = text.replace(old, new, 1)
        files[name] = tmp_path / name
        files[name].write_text(text)
    out = tmp_path / "result.json"
    proc = run_cli("evaluate", "-w", str(files["workload.yaml"]), "-a", str(files["arch.yaml"]),
                   "-m", str(files[mapping]), "--json", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(files[BLAMED.get(case, target)]) in lines[0]
    assert f": {field}" in lines[0]
    assert words in lines[0]
    assert not out.exists(), "no result file may be left behind"
    assert not list(tmp_path.glob(".result.json*")), "no partial file may be left behind"


def test_missing_file(tmp_path):
    proc = run_cli("evaluate", "-w", str(tmp_path / "nope.yaml"), "-a", str(SEED / "arch.yaml"),
                   "-m", str(SEED / WS))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"ripple: error: {tmp_path / 'nope.yaml'}: file not found"


def _one_line(proc, path: Path, field: str, words: str) -> None:
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ripple: error: {path}: {field}: "), lines[0]
    assert words in lines[0], lines[0]


def test_a_top_level_list_that_is_no_zigzag_workload(tmp_path):
    """A top-level list is ZigZag's workload format: an entry that is none of its layers is
    refused naming both formats, not the importer's classes."""
    for text in ("- 1\n- 2\n", "- {name: conv, K: 8}\n"):
        path = tmp_path / "list.yaml"
        path.write_text(text)
        proc = run_main("evaluate", "-w", str(path), "-a", str(SEED / "arch.yaml"),
                        "-m", str(SEED / WS))
        _one_line(proc, path, "[0]", "a top-level list is read as ZigZag's workload format")
        assert "ZigZagLayer" not in proc.stderr


def test_a_misspelt_zigzag_key_is_named(tmp_path):
    """One of ZigZag's two top-level keys is enough to read the file as ZigZag's, so that a
    misspelt other is named (it was reported as the stock file's duplicate 'ports')."""
    zigzag = pytest.importorskip("zigzag", reason="ZigZag's shipped accelerators: a test extra")
    text = (Path(zigzag.__file__).parent / "inputs" / "hardware" / "tpu_like.yaml").read_text()
    path = tmp_path / "tpu.yaml"
    path.write_text(text.replace("\noperational_array:", "\noperational_arrray:"))
    proc = run_main("explore", "-a", str(path), "-w", "zoo:lenet5", "--objective", "energy")
    _one_line(proc, path, "operational_arrray", "did you mean 'operational_array'?")


def test_an_option_given_twice_is_refused():
    proc = run_main("compare", "-w", "zoo:lenet5", "-n", "zoo:alexnet", "-a",
                    str(SEED / "arch.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ripple: error: ripple compare: -w/-n/--workload/--network given more than once "
        "(-n zoo:alexnet repeats it); give it once (see 'ripple compare --help')"]


def test_a_missing_core_file_names_its_field(tmp_path):
    machine = tmp_path / "machine.yaml"
    machine.write_text("name: m\ncores:\n  - {name: core0, arch: nope.yaml}\n")
    proc = run_main("multicore", "-a", str(machine), "-w", "zoo:lenet5")
    _one_line(proc, machine, "cores[0].arch", "no file 'nope.yaml' in this file's folder")

