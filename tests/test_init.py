"""``ripple init DIR`` copies the bundled examples so that the README's commands run from DIR
with nothing but the installed package (no checkout, no ``../shared``)."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from ripple.examples import EXAMPLE_SUFFIXES, example_files
from tests.conftest import EXAMPLES, ROOT, run_cli, run_main

README = (ROOT / "README.md").read_text()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user") / "demo"
    proc = run_main("init", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert not (folder.parent / "shared").exists()
    return folder


def test_every_example_is_copied(demo):
    copied = sorted(p.relative_to(demo / "examples") for p in (demo / "examples").rglob("*")
                    if p.is_file())
    assert copied == example_files()
    for name in ("seed_case/workload.yaml", "seed_dram/arch.yaml", "eyeriss_like/arch.yaml",
                 "multicore/quad_core.yaml", "onnx/lenet5.onnx"):
        assert (demo / "examples" / name).read_bytes() == (EXAMPLES / name).read_bytes()


def test_the_wheel_ships_every_example():
    """Every kind of example file is package data, so a wheel install has what init copies."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["ripple"]
    assert {f"examples/**/*{suffix}" for suffix in EXAMPLE_SUFFIXES} <= set(patterns)
    assert {path.suffix for path in example_files()} == set(EXAMPLE_SUFFIXES)


def test_every_path_the_readme_names_exists_after_init(demo):
    assert "../shared" not in README
    named = set(re.findall(r"examples/[\w./-]+\.(?:yaml|onnx)", README))
    assert len(named) >= 8
    for path in named:
        assert (demo / path).is_file(), path


def test_readme_commands_run_from_the_folder(demo):
    """A few README commands, run where a user would after 'ripple init demo && cd demo'; the
    figures are SPEC's seed case (3,026.22 pJ, 81 cycles) and LeNet-5's 416,520 MACs."""
    seed = run_cli("evaluate", "-w", "examples/seed_case/workload.yaml", "-a",
                   "examples/seed_case/arch.yaml", "-m",
                   "examples/seed_case/mapping_event_driven.yaml", "--json", "-", cwd=demo)
    assert seed.returncode == 0, seed.stderr
    result = json.loads(seed.stdout)
    assert (round(result["energy_pj"], 2), result["latency_cycles"]) == (3026.22, 81)
    network = run_cli("evaluate", "-w", "examples/onnx/lenet5.onnx", "-a",
                      "examples/seed_dram/arch.yaml", "--dataflow", "ed", "--json", "-",
                      cwd=demo)
    assert network.returncode == 0, network.stderr
    assert json.loads(network.stdout)["total"]["macs"]["valid"] == 416_520


def test_init_refuses_to_overwrite(demo):
    proc = run_main("init", str(demo))
    assert proc.returncode == 2
    assert "already holds examples" in proc.stderr
    assert not [p for p in demo.iterdir() if p.name.startswith(".examples.")]
