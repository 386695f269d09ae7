"""What Timeloop's exercises write, on small hand-written files (tests/fixtures/timeloop_small):
legacy attribute names, several instances on a mesh, a spatial ``split``, ``permutation`` and
``factors``, bypass through ``keep``/``bypass``, a network word width; the model equal to the
simulator on them; and each construct Ripple does not model refused in one line naming it and
its file (exit 2)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ripple.api import import_timeloop_files
from ripple.errors import MappingError
from ripple.model import evaluate
from ripple.sim import simulate
from tests.conftest import model_equal_to_simulation, run_cli

SMALL = Path(__file__).parent / "fixtures" / "timeloop_small"
FILES = tuple(SMALL / name for name in ("problem.yaml", "arch.yaml", "ERT.yaml", "mapping.yaml"))


def test_the_small_tree_imports_as_written():
    nest = import_timeloop_files(*FILES).value.nest
    arch = nest.arch
    assert arch.array == {"GLB.X": 2, "GLB.Y": 2}  # four PEs, meshX 2
    glb, rf, dram = arch.memory("GLB"), arch.memory("RF"), arch.memory("DRAM")
    assert glb.operands == ["I", "O"]  # bypass: [Weights]
    assert dram.read_bandwidth == 4 * 16  # block-size 4 of 16-bit words
    assert glb.capacity_bits == 64 * 2 * 16  # depth 64 rows of width 32 / datawidth 16
    assert rf.capacity_bits == 16 * 16  # entries 16 words
    assert arch.served(rf) == []  # one RF per PE
    # split 1: M (first in the permutation) along X, Q along Y
    assert {(lp.dim, lp.array_dim, lp.size) for lp in nest.spatial} == {
        ("K", "GLB.X", 2), ("OY", "GLB.Y", 2)}
    # permutation, innermost first: P inside M at the GLB, R in the RFs
    assert [(lp.dim, lp.size) for lp in nest.temporal] == [("C", 2), ("K", 2), ("OX", 3),
                                                            ("FX", 3)]


def test_the_small_tree_model_equals_simulator():
    """Counted by hand: 144 MACs; the weights skip the GLB and each RF receives its 12 weights
    (C2 x M2 x R3) once, P sliding above them; DRAM reads each of the 24 weights once per class
    of PEs that differ in M (multicast over Q)."""
    model = model_equal_to_simulation(import_timeloop_files(*FILES).value.nest)
    assert model.macs_issued == 2 * 4 * 3 * 2 * 3
    assert "W" not in model.accesses["GLB"]
    assert model.accesses["RF"]["W"].writes == 4 * 12
    assert model.accesses["DRAM"]["W"].read_bits == 24 * 16


def _variant(tmp_path: Path, name: str, edit) -> list[str]:
    """The four files with ``name`` edited by ``edit`` (a function of the parsed YAML)."""
    paths = []
    for path in FILES:
        if path.name == name:
            data = yaml.safe_load(path.read_text())
            edit(data)
            path = tmp_path / name
            path.write_text(yaml.safe_dump(data))
        paths.append(str(path))
    return paths


def _glb(data):
    return data["architecture"]["subtree"][0]["subtree"][0]["local"][0]["attributes"]


def _network_width(data):
    _glb(data)["network-word-bits"] = 8


def _stream(data):
    data["mapping"][1]["stream"] = ["Weights"]


def _adder(data):
    data["architecture"]["subtree"][0]["subtree"][0]["local"].append(
        {"name": "adder", "class": "intadder", "attributes": {"datawidth": 16}})


def _adder_energy(data):
    data["ERT"]["tables"].append({"name": "system.chip.adder",
                                  "actions": [{"name": "add", "energy": 0.1}]})


def _v04(data):
    data["architecture"] = {"version": 0.4, "nodes": []}


def _width(data):
    _glb(data)["block_size"] = 4  # 4 x 16 bits, not the width of 32


def _directive(data):
    data["mapping"][0]["type"] = "utilization"


@pytest.mark.parametrize(("name", "edit", "named"), [
    ("arch.yaml", _network_width, "network-word-bits"),
    ("mapping.yaml", _stream, "stream"),
    ("arch.yaml", _v04, "architecture.subtree"),
    ("arch.yaml", _width, "block_size"),
    ("mapping.yaml", _directive, "type"),
])
def test_an_unsupported_construct_is_refused_by_name(tmp_path, name, edit, named):
    files = _variant(tmp_path, name, edit)
    proc = run_cli("evaluate", "--timeloop", *files)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert named in proc.stderr and str(tmp_path / name) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_component_neither_storage_nor_mac_is_refused(tmp_path):
    arch = _variant(tmp_path, "arch.yaml", _adder)[1]
    ert = _variant(tmp_path, "ERT.yaml", _adder_energy)[2]
    problem, _, _, mapping = map(str, FILES)
    proc = run_cli("evaluate", "--timeloop", problem, arch, ert, mapping)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "'adder'" in proc.stderr and arch in proc.stderr


LEVELS = ("DRAM", "GLB", "RF")
BOUNDS = {"C": 2, "M": 4, "N": 1, "P": 3, "Q": 2, "R": 3, "S": 1}  # the small problem's


def _primes(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def timeloop_mappings(draw) -> dict:
    """A Timeloop mapping of the small problem on the small tree: a dimension of 2 (or none)
    over each mesh axis, every other prime factor at a random level, random permutations and
    a random ``keep`` at the GLB and the RFs."""
    x = draw(st.sampled_from([None, "C", "M", "Q"]))
    y = draw(st.sampled_from([None, *(d for d in ("C", "M", "Q") if d != x)]))
    rest = dict(BOUNDS)
    for axis in (x, y):
        if axis is not None:
            rest[axis] //= 2
    temporal = {level: dict.fromkeys(BOUNDS, 1) for level in LEVELS}
    for dim, bound in rest.items():
        for prime in _primes(bound):
            temporal[draw(st.sampled_from(LEVELS))][dim] *= prime
    directives = []
    for level in LEVELS:
        order = "".join(draw(st.permutations(list(BOUNDS))))
        factors = " ".join(f"{d}={temporal[level][d]}" for d in BOUNDS)
        directives.append({"target": level, "type": "temporal", "factors": factors,
                           "permutation": order})
    spatial = [d for d in (x, y) if d is not None]
    others = [d for d in BOUNDS if d not in spatial]
    directives.append({"target": "GLB", "type": "spatial",
                       "factors": " ".join(f"{d}={2 if d in spatial else 1}" for d in BOUNDS),
                       "permutation": "".join(spatial + others),
                       "split": 1 if x is not None else 0})
    for level in ("GLB", "RF"):
        keep = draw(st.lists(st.sampled_from(["Inputs", "Weights", "Outputs"]), unique=True))
        directives.append({"target": level, "type": "bypass", "keep": keep})
    return {"mapping": directives}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(timeloop_mappings())
def test_random_timeloop_mappings_model_equals_simulator(mapping):
    """Timeloop's own files, mapped at random, imported and counted: the model equal to the
    simulator under the conventions the import gives them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mapping.yaml"
        path.write_text(yaml.safe_dump(mapping))
        try:
            nest = import_timeloop_files(FILES[0], FILES[1], FILES[2], path).value.nest
            evaluate(nest)
        except MappingError:  # a tile too big for its memory: the simulator refuses it too
            with pytest.raises(MappingError):
                simulate(import_timeloop_files(FILES[0], FILES[1], FILES[2], path).value.nest)
            event("refused by both")
            return
        model_equal_to_simulation(nest)
