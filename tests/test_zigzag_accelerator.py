"""A ZigZag accelerator wherever an architecture is taken (docs/zigzag.md, "A ZigZag accelerator
as a Ripple architecture"): recognised by its content, converted as ``ripple convert --from
zigzag`` writes it, and the written file reads back as the same architecture."""

from __future__ import annotations

import json

import pytest
import yaml

from ripple.arch import load_architecture
from ripple.arch.zigzag_import import import_zigzag_architecture
from tests.conftest import EXAMPLES, SHARED, run_cli

ACCELERATOR = SHARED / "reference" / "zigzag" / "lenet5" / "accelerator_dram.yaml"


def test_a_zigzag_accelerator_loads_as_its_import():
    assert load_architecture(ACCELERATOR) == import_zigzag_architecture(ACCELERATOR).value


def test_convert_writes_a_ripple_file_that_reads_back_the_same(tmp_path):
    out = tmp_path / "arch.yaml"
    proc = run_cli("convert", "--from", "zigzag", str(ACCELERATOR), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert text.startswith("# converted by 'ripple convert --from zigzag'")
    assert "operational_array" not in yaml.safe_load(text)  # Ripple's own format
    assert load_architecture(out) == load_architecture(ACCELERATOR)


def test_every_command_taking_an_architecture_takes_the_accelerator(tmp_path):
    """The same preset evaluation on the ZigZag file and on its conversion: the same JSON."""
    converted = tmp_path / "arch.yaml"
    assert run_cli("convert", "--from", "zigzag", str(ACCELERATOR), "-o",
                   str(converted)).returncode == 0
    documents = []
    for arch in (ACCELERATOR, converted):
        proc = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", str(arch),
                       "--dataflow", "ws", "--json", "-")
        assert proc.returncode == 0, proc.stderr
        documents.append(json.loads(proc.stdout))
    assert documents[0] == documents[1]
    assert documents[0]["total"]["energy_pj"] > 0


def test_an_in_memory_computing_accelerator_is_one_clear_line(tmp_path):
    spec = yaml.safe_load(ACCELERATOR.read_text())
    spec["operational_array"]["is_imc"] = True
    accelerator = tmp_path / "imc.yaml"
    accelerator.write_text(yaml.safe_dump(spec, sort_keys=False))
    proc = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", str(accelerator),
                   "--dataflow", "ws")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(accelerator) in lines[0], proc.stderr
    assert "operational_array.is_imc" in lines[0] and "in-memory computing" in lines[0]


def test_convert_into_a_directory_or_under_a_file_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for target in (tmp_path, blocker / "arch.yaml"):
        proc = run_cli("convert", "--from", "zigzag", str(ACCELERATOR), "-o", str(target))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
        assert str(target) in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing left behind


def test_a_key_written_twice_keeps_its_last_value_as_zigzag_reads_it(tmp_path):
    """ZigZag's own tpu_like.yaml writes ``ports`` twice; PyYAML, and so ZigZag, keeps the last.
    The import reads it the same way and says so; a Ripple file with a repeated key is refused."""
    text = ACCELERATOR.read_text()
    first_memory = next(iter(yaml.safe_load(text)["memories"]))
    doubled = text.replace(f"  {first_memory}:\n", f"  {first_memory}:\n    size: 1\n", 1)
    accelerator = tmp_path / "doubled.yaml"
    accelerator.write_text(doubled)
    imported = import_zigzag_architecture(accelerator)
    assert imported.value == import_zigzag_architecture(ACCELERATOR).value
    assert any("duplicate key 'size'" in note and "the last is kept, as ZigZag reads it" in note
               for note in imported.notes), imported.notes
    assert load_architecture(accelerator) == imported.value
    ripple_file = tmp_path / "arch.yaml"
    ripple_file.write_text("name: x\nname: y\n")
    proc = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", str(ripple_file),
                   "--dataflow", "ws")
    assert proc.returncode == 2 and "duplicate key 'name'" in proc.stderr, proc.stderr


def test_areas_are_carried_through_and_multiplied_out(tmp_path):
    """ZigZag's ``unit_area`` per MAC and ``area`` per memory instance: the JSON's ``area``
    counts a MAC per NPE and a memory per combination of the array dimensions it does not
    serve, here a 2x4 array (D1 of 2 served by the SRAMs, D2 of 4 not)."""
    spec = yaml.safe_load(ACCELERATOR.read_text())
    spec["operational_array"].update(dimensions=["D1", "D2"], sizes=[2, 4], unit_area=0.25)
    areas = {name: 10.0 * (i + 1) for i, name in enumerate(spec["memories"])}
    for name, memory in spec["memories"].items():
        memory["area"] = areas[name]
    accelerator = tmp_path / "areas.yaml"
    accelerator.write_text(yaml.safe_dump(spec, sort_keys=False))
    proc = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", str(accelerator),
                   "--dataflow", "ws", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    area = json.loads(proc.stdout)["layers"][0]["area"]
    served = {name: set(memory["served_dimensions"]) for name, memory in spec["memories"].items()}
    instances = {name: (1 if "D1" in dims else 2) * (1 if "D2" in dims else 4)
                 for name, dims in served.items()}
    assert area["mac"] == {"each": 0.25, "instances": 8, "total": 2.0}
    assert {name: part["instances"] for name, part in area["memories"].items()} == instances
    assert area["total"] == pytest.approx(
        2.0 + sum(areas[name] * instances[name] for name in areas))
    plain = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a",
                    str(EXAMPLES / "seed_dram" / "arch.yaml"), "--dataflow", "ws", "--json", "-")
    assert json.loads(plain.stdout)["layers"][0]["area"] is None  # no area given, none made up
