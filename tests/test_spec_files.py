"""Reading specification files: every hostile byte sequence is one line naming the file, and
every file that ships with Ripple or its references still reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ripple.errors import RippleInputError
from ripple.specfile import MAX_SPEC_BYTES, read_yaml
from tests.conftest import EXAMPLES, SHARED, run_main

SEED = EXAMPLES / "seed_case"
BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{b}'] * 9)}]\n"
               for a, b in zip("bcdefgh", "abcdefg", strict=True))


def _error(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    with pytest.raises(RippleInputError) as caught:
        read_yaml(path)
    assert str(caught.value).startswith(f"{path}: ")
    return str(caught.value)


@pytest.mark.parametrize(("content", "words"), [
    (b"K: 8\nC: 1\nK: 9\n", "line 3, column 1: invalid YAML (duplicate key 'K', first on line 1)"),
    (b"{K: 8, K: 9}\n", "duplicate key 'K'"),
    (b"a:\n  x: 1\n  x: 2\n", "line 3, column 3: invalid YAML (duplicate key 'x'"),
    (b"K: 8\nC: \xff\xfe\n", "not UTF-8 text (byte 0xff on line 2)"),
    (b"a: &a ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x']\n" + BOMB.encode() + b"K: *h\n",
     "aliases expand the document by more than 100,000 nodes"),
    (b"a: &x [1, *x]\n", "an alias refers to a node that contains it"),
    (b"K: !!python/object/apply:os.system ['echo owned']\n", "could not determine a constructor"),
    (b"[" * 5000, "invalid YAML"),
    (b"K: 8\n---\nC: 1\n", "invalid YAML"),
])
def test_hostile_yaml_is_one_error(tmp_path, content, words):
    assert words in _error(tmp_path, content)


def test_merge_keys_may_be_overridden(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nmid: {<<: *b, x: 3}\n")
    assert read_yaml(path)["mid"] == {"x": 3, "y": 2}


def test_size_cap_is_named(tmp_path):
    message = _error(tmp_path, b"#" * (MAX_SPEC_BYTES + 1))
    assert "larger than 16 MiB" in message


def test_error_never_echoes_contents(tmp_path):
    """A wrongly typed field holding a long value: the error quotes at most 80 characters."""
    path = tmp_path / "workload.yaml"
    path.write_text(f"K: {'9' * 100_000}x\nC: [{', '.join(['1'] * 50_000)}]\n")
    proc = run_main("workload", str(path))
    assert proc.returncode == 2
    assert len(proc.stderr) < 400, proc.stderr
    assert proc.stderr.count("\n") == 1


def test_alias_bomb_in_a_typed_field_is_refused_quickly(tmp_path):
    path = tmp_path / "workload.yaml"
    path.write_text("a: &a [x, x, x, x, x, x, x, x, x]\n" + BOMB + "K: *h\nC: 1\n")
    proc = run_main("workload", str(path))
    assert proc.returncode == 2
    assert "aliases expand the document" in proc.stderr


def test_every_problem_is_reported_with_suggestions(tmp_path):
    text = (SEED / "arch.yaml").read_text().replace("read_bandwidth", "read_bandwith", 1)
    text = text.replace("mac:", "macx:", 1)
    path = tmp_path / "arch.yaml"
    path.write_text(text)
    proc = run_main("evaluate", "-w", str(SEED / "workload.yaml"), "-a", str(path),
                    "-m", str(SEED / "mapping_event_driven.yaml"))
    assert proc.returncode == 2
    line, = proc.stderr.splitlines()
    # the misspelt keys come first, and the fields they misspell are not also "missing"
    assert line.startswith(f"ripple: error: {path}: levels[0].memories[0].read_bandwith: "
                           "unknown field 'read_bandwith' (did you mean 'read_bandwidth'?); ")
    assert "macx: unknown field 'macx' (did you mean 'mac'?)" in line
    assert "required field is missing" not in line
    assert "more problem" not in line


def test_a_missing_field_no_unknown_key_explains_is_still_reported(tmp_path):
    text = (SEED / "arch.yaml").read_text().replace("read_bandwidth", "read_bandwith", 1)
    text = text.replace("        write_bandwidth: 128\n", "", 1)
    path = tmp_path / "arch.yaml"
    path.write_text(text)
    proc = run_main("evaluate", "-w", str(SEED / "workload.yaml"), "-a", str(path),
                    "-m", str(SEED / "mapping_event_driven.yaml"))
    line, = proc.stderr.splitlines()
    assert line.startswith(f"ripple: error: {path}: levels[0].memories[0].read_bandwith: ")
    assert "levels[0].memories[0].write_bandwidth: required field is missing" in line


def test_unknown_keys_of_one_model_are_one_problem(tmp_path):
    path = tmp_path / "workload.yaml"
    path.write_text("K: 8\nC: 1\nfoo: 1\nbar: 2\n")
    proc = run_main("workload", str(path))
    assert proc.stderr.strip() == (f"ripple: error: {path}: foo: unknown fields 'foo', 'bar'; "
                                   "expected one of name, operator, N, K, C, G, IY, IX, FY, FX, "
                                   "stride, dilation, padding, precision, inputs")


def test_unknown_key_in_a_network_layer(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("layers:\n  - {name: a, K: 4, C: 1, IY: 5, IX: 5, FY: 3, FYY: 3}\n")
    proc = run_main("workload", str(path))
    assert "layers[0].FYY: unknown field 'FYY' (did you mean 'FY'?)" in proc.stderr


def _yaml_files() -> list[Path]:
    roots = [EXAMPLES, SHARED / "reference"]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*.yaml"))


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_shipped_and_reference_files_still_read(path):
    read_yaml(path)


def _ripple_examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*.yaml") if "sparseloop_table7" not in p.parts)


@pytest.mark.parametrize("path", _ripple_examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_loads(path):
    """Each Ripple example file validates with the loader of its kind (the Timeloop files of
    sparseloop_table7 are loaded by the Table 7 tests)."""
    from ripple.arch import load_architecture
    from ripple.dse.constraints import load_constraints
    from ripple.mapping import load_mapping
    from ripple.multicore import load_multicore, load_partition
    from ripple.workload import load_workload
    from ripple.workload.densities import load_density_table

    loaders = {"workload": load_workload, "mapping": load_mapping, "pipeline": load_partition,
               "constraints": load_constraints, "densities": load_density_table,
               "single_core": load_multicore, "dual_core": load_multicore,
               "quad_core": load_multicore, "hetero": load_multicore}
    loader = next((load for prefix, load in loaders.items() if path.name.startswith(prefix)),
                  load_architecture)
    loader(path)
