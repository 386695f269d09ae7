"""A ZigZag accelerator wherever an architecture is taken (docs/zigzag.md, "A ZigZag accelerator
as a Ripple architecture"): recognised by its content, converted as ``ripple convert --from
zigzag`` writes it, and the written file reads back as the same architecture."""

from __future__ import annotations

import json

import yaml

from ripple.arch import load_architecture
from ripple.arch.zigzag_import import import_zigzag_architecture
from tests.conftest import SHARED, run_cli

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
