"""Timeloop / Sparseloop import: the five AlexNet layers, the Eyeriss architecture and the five
mappings of the Sparseloop artifact (Table 7)."""

from __future__ import annotations

import itertools
import math

import pytest
import yaml

from ripple import api
from ripple.arch.timeloop_import import import_timeloop_architecture
from ripple.errors import RippleInputError
from ripple.mapping.timeloop_import import timeloop_keep
from ripple.workload import Densities, load_any_workload
from ripple.workload.timeloop_import import import_timeloop_problem
from tests.conftest import SHARED, run_cli

TABLE7 = SHARED / "reference" / "sparseloop_table7"
ARCH, ERT = TABLE7 / "arch" / "arch.yaml", TABLE7 / "ert_art" / "ERT.yaml"
LAYERS = [f"alexnet_conv{i}" for i in range(1, 6)]
# N M C P Q R S and strides as the workload files state them (P: 28 although "should be 27")
SHAPES = {
    "alexnet_conv1": (4, 96, 3, 56, 56, 11, 11, 4),
    "alexnet_conv2": (4, 256, 48, 28, 28, 5, 5, 1),
    "alexnet_conv3": (4, 384, 256, 13, 13, 3, 3, 1),
    "alexnet_conv4": (4, 384, 192, 13, 13, 3, 3, 1),
    "alexnet_conv5": (4, 256, 192, 13, 13, 3, 3, 1),
}


@pytest.mark.parametrize("name", LAYERS)
def test_problem_shapes_macs_and_densities(name):
    imported = import_timeloop_problem(TABLE7 / "workload" / f"{name}.yaml")
    layer = imported.value.layer
    n, m, c, p, q, r, s, stride = SHAPES[name]
    assert (n, m, c, p, q, r, s) == \
        (layer.N, layer.K, layer.C, layer.OX, layer.OY, layer.FX, layer.FY)
    assert layer.stride == (stride, stride) and layer.padding == (0, 0, 0, 0)
    assert (p - 1) * stride + r == layer.IX  # no padding in Timeloop: the input spans every tap
    assert layer.macs == layer.dense_macs == n * m * c * p * q * r * s
    instance = yaml.safe_load((TABLE7 / "workload" / f"{name}.yaml").read_text())
    densities = instance["problem"]["instance"]["densities"]
    assert imported.value.densities == Densities(I=densities["Inputs"], W=densities["Weights"],
                                                 O=densities["Outputs"])
    assert bool(imported.notes) == (name == "alexnet_conv2")


def test_the_should_be_27_comment_is_reported():
    proc = run_cli("workload", str(TABLE7 / "workload" / "alexnet_conv2.yaml"), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    assert "P: 28 imported as written (the file's comment: 'should be 27')" in proc.stdout


def test_eyeriss_architecture():
    keep = timeloop_keep(TABLE7 / "mappings_found" / "alexnet_conv1.yaml")
    imported = import_timeloop_architecture(ARCH, ERT, keep=keep).value
    arch = imported.architecture
    assert imported.storage == ("DRAM", "shared_glb", "DummyBuffer", "ifmap_spad",
                                "weights_spad", "psum_spad")
    assert arch.array == {"shared_glb.X": 14, "DummyBuffer.Y": 12}  # 168 PEs
    memories = {m.name: m for lvl in arch.levels for m in lvl.memories}
    assert list(memories) == ["DRAM", "shared_glb", "ifmap_spad", "weights_spad", "psum_spad"]
    assert {name: m.operands for name, m in memories.items()} == {
        "DRAM": ["I", "W", "O"], "shared_glb": ["I", "O"], "ifmap_spad": ["I"],
        "weights_spad": ["W"], "psum_spad": ["O"]}
    glb, weights = memories["shared_glb"], memories["weights_spad"]
    assert (glb.capacity_bits, glb.read_bandwidth, glb.read_energy_pj, glb.write_energy_pj) == \
        (12800 * 64, 64, 49.1739, 37.1554)
    assert (weights.capacity_bits, weights.read_energy_pj, weights.write_energy_pj) == \
        (224 * 16, 0.71011, 1.13063)
    assert memories["DRAM"].capacity_bits is None and memories["DRAM"].read_energy_pj == 512
    assert glb.served_dims == ["shared_glb.X", "DummyBuffer.Y"] and weights.served_dims == []
    assert arch.mac.energy_pj == 2.20035 and arch.mac.latch == []


# Timeloop's reference map of conv1 (ref_maps/alexnet_conv1.ref.map.txt), outermost first
CONV1 = {"DRAM": [("OY", 8), ("N", 4), ("C", 3)], "shared_glb": [("K", 3), ("OX", 56)],
         "weights_spad": [("FX", 11)], "psum_spad": [("K", 16)]}
CONV1_SPATIAL = {"shared_glb.X": [("K", 2), ("OY", 7)], "DummyBuffer.Y": [("FY", 11)]}


def _nest(name):
    return api.import_timeloop_files(TABLE7 / "workload" / f"{name}.yaml", ARCH, ERT,
                                  TABLE7 / "mappings_found" / f"{name}.yaml")


@pytest.mark.parametrize("name", LAYERS)
def test_mappings_bind(name):
    imported = _nest(name)
    nest, densities = imported.value.nest, imported.value.densities
    assert nest.layer.macs == math.prod(SHAPES[name][:7])
    assert densities.I < 1
    if name == "alexnet_conv1":
        assert {k: list(v) for k, v in nest.mapping.temporal.items()} == CONV1
        assert {k: list(v) for k, v in nest.mapping.spatial.items()} == CONV1_SPATIAL
    # the 168 PEs: spatial loops fit 14 x 12
    for dim, size in nest.arch.array.items():
        assert math.prod(lp.size for lp in nest.spatial if lp.array_dim == dim) <= size


def _values(digits: list[tuple[int, bool]]) -> set[int]:
    """Index values a tile covers: ``digits`` outermost first as (size, inside the tile); the
    digits outside are 0 (the first tile)."""
    sizes = [size for size, _ in digits]
    weights = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
    ranges = [range(size) if inside else range(1) for size, inside in digits]
    return {sum(d * w for d, w in zip(combo, weights, strict=True))
            for combo in itertools.product(*ranges)}


def _footprints(nest, order: str) -> dict[tuple[str, str], int]:
    """Words of each memory's first tile per operand, with spatial loops placed as Timeloop
    places them (below the temporal loops of their target) or as Ripple does (innermost)."""
    storage = ("DRAM", "shared_glb", "DummyBuffer", "ifmap_spad", "weights_spad", "psum_spad")
    levels = [lvl.name for lvl in nest.arch.levels]
    ranked = []  # (rank in the nest, dim, size, level index or None, array dim)
    for i, lp in enumerate(nest.temporal):
        ranked.append(((2 * storage.index(levels[lp.level]), i), lp.dim, lp.size, lp.level, None))
    for i, lp in enumerate(nest.spatial):
        target = 2 * storage.index(lp.array_dim.split(".")[0]) + 1
        rank = (target, i) if order == "timeloop" else (len(storage) * 2, i)
        ranked.append((rank, lp.dim, lp.size, None, lp.array_dim))
    loops = sorted(ranked, key=lambda lp: lp[0])
    out = {}
    for level, lvl in enumerate(nest.arch.levels):
        for memory in lvl.memories:
            served = nest.arch.served(memory)

            def inside(lp, level=level, served=served):
                return lp[3] >= level if lp[3] is not None else lp[4] in served

            sets = {dim: _values([(lp[2], inside(lp)) for lp in loops if lp[1] == dim])
                    for dim in ("N", "K", "C", "OY", "OX", "FY", "FX")}
            stride = nest.layer.stride
            iy = {q * stride[0] + s for q in sets["OY"] for s in sets["FY"]}
            ix = {p * stride[1] + r for p in sets["OX"] for r in sets["FX"]}
            words = {"I": len(sets["N"]) * len(sets["C"]) * len(iy) * len(ix),
                     "W": len(sets["K"]) * len(sets["C"]) * len(sets["FY"]) * len(sets["FX"]),
                     "O": len(sets["N"]) * len(sets["K"]) * len(sets["OY"]) * len(sets["OX"])}
            out.update({(memory.name, op): words[op] for op in memory.operands})
    return out


@pytest.mark.parametrize("name", LAYERS)
def test_spatial_digit_order_keeps_tile_sizes(name):
    """Ripple makes spatial loops the innermost digits; Timeloop keeps them below their target.
    For these mappings every memory's tiles are the same size either way."""
    nest = _nest(name).value.nest
    timeloop, ripple = _footprints(nest, "timeloop"), _footprints(nest, "ripple")
    assert timeloop == ripple
    assert timeloop[("psum_spad", "O")] == 16  # one output position, 16 output channels


def test_digit_order_differences_are_noted():
    notes = _nest("alexnet_conv1").notes
    assert any(note.startswith("M (K): Timeloop orders a spatial loop above temporal M loop(s) "
                               "[16]") for note in notes)


def test_any_workload_reads_a_timeloop_problem():
    (layer,) = load_any_workload(TABLE7 / "workload" / "alexnet_conv3.yaml").mac_layers
    assert (layer.K, layer.C, layer.OY) == (384, 256, 13)


def test_keep_must_match_the_architecture(tmp_path):
    path = TABLE7 / "mappings_found" / "alexnet_conv1.yaml"
    data = yaml.safe_load(path.read_text())
    for directive in data["mapping"]:
        if directive["target"] == "shared_glb" and directive["type"] == "bypass":
            directive["keep"], directive["bypass"] = ["Inputs"], ["Weights", "Outputs"]
    edited = tmp_path / "alexnet_conv1.yaml"
    edited.write_text(yaml.safe_dump(data))
    hardware = import_timeloop_architecture(ARCH, ERT, keep=timeloop_keep(path)).value
    layer = import_timeloop_problem(TABLE7 / "workload" / "alexnet_conv1.yaml").value.layer
    from ripple.mapping.timeloop_import import import_timeloop_mapping

    with pytest.raises(RippleInputError, match=r"shared_glb keeps \['I'\] here but the arch"):
        import_timeloop_mapping(edited, layer, hardware.architecture, hardware.storage)


def test_bad_problem_is_one_clear_line(tmp_path):
    text = (TABLE7 / "workload" / "alexnet_conv3.yaml").read_text().replace("M: 384", "M: -384")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    proc = run_cli("workload", str(path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"ripple: error: {path}: problem.instance.M: Input should be greater than 0; got -384"]
