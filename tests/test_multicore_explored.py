"""Per-tile mappings from the explorer (``--dataflow explore``): each explored tile's figures,
as the explorer reported them, equal the single-core model's evaluation of the mapping read
back; a network explores each distinct tile once per core kind and objective; the schedule is
never worse than the best presets' for its objective; MACs stay exact; every schedule built
obeys its data and fits its buffers."""

from __future__ import annotations

from functools import cache

import pytest

from ripple.mapping import bind
from ripple.model import evaluate
from ripple.multicore import load_multicore, run_multicore
from ripple.multicore.costs import BEST, EXPLORE, CostModel, rank
from ripple.multicore.run import schedule_candidates, with_precision
from ripple.multicore.tiles import MODES
from ripple.workload import Workload
from tests.conftest import EXAMPLES, run_main
from tests.test_multicore import LENET_MACS, MACHINES
from tests.test_multicore_pipelining import STREAM_LENET, check_capacity, lenet
from tests.test_multicore_schedule import check_schedule


@cache
def explored_dual() -> tuple[Workload, object, list]:
    """LeNet-5 on Stream's dual-core machine, event mode, explored tiles: the workload as
    scheduled, the machine and every candidate schedule."""
    machine = load_multicore(STREAM_LENET / "lenet_dual_core.yaml")
    workload = with_precision(lenet(), machine.spec.precision)
    return workload, machine, schedule_candidates(workload, machine, "event",
                                                  dataflow=EXPLORE)


def test_explored_figures_are_the_models_evaluation():
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[1])
    workload = with_precision(lenet(), machine.spec.precision)
    costs = CostModel(workload, machine, EXPLORE)
    for layer in workload.mac_layers:
        costs.cost(layer, "core0", (0, layer.K), (0, layer.OY))
    assert len(costs.explored) == len(workload.mac_layers)  # one exploration per tile
    arch = machine.archs["core0"]
    # on this core the explorer's space has no valid fully connected mapping (it unrolls C
    # only along array dimensions every output memory serves; the presets' C4@D2 is not in
    # it): those tiles keep their best preset
    assert [sub.name for (_, sub), found in costs.explored.items() if found is None] == \
        ["fc1", "fc2", "fc3"]
    for (_, sub), found in costs.explored.items():
        if found is None:
            continue
        assert found.evaluated > 0
        result = evaluate(bind(sub, arch, found.mapping, source="explored"))
        assert result.latency.total == found.latency_cycles
        assert result.energy_pj == pytest.approx(found.energy_pj, rel=1e-12)
    # a tile already explored is not explored again: the cost is cached
    before = dict(costs.explored)
    for layer in workload.mac_layers:
        costs.cost(layer, "core1" if "core1" in machine.cores else "core0", (0, layer.K),
                   (0, layer.OY))
    assert costs.explored == before


def test_explored_tile_is_never_worse_than_its_best_preset():
    machine = load_multicore(STREAM_LENET / "lenet_single_core.yaml")
    workload = with_precision(lenet(), machine.spec.precision)
    for objective in ("latency", "energy"):
        explored = CostModel(workload, machine, EXPLORE, objective)
        presets = explored.with_dataflow(BEST)
        for layer in workload.mac_layers:
            rows = (0, min(4, layer.OY))
            a = explored.cost(layer, "core0", (0, layer.K), rows)
            b = presets.cost(layer, "core0", (0, layer.K), rows)
            assert rank(objective, a.duration, sum(a.energy_pj.values())) <= \
                rank(objective, b.duration, sum(b.energy_pj.values()))
        # the explorer finds a better mapping than every preset on some LeNet-5 tile
        assert any(explored.cost(layer, "core0", (0, layer.K), (0, min(4, layer.OY))).result
                   .mapping_name.startswith("explored") for layer in workload.mac_layers)


@pytest.mark.parametrize("mode", MODES)
def test_explored_schedule_never_worse_than_presets(mode):
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[2])
    workload = with_precision(lenet(), machine.spec.precision)
    presets = run_multicore(lenet(), machine, mode)
    candidates = schedule_candidates(lenet(), machine, mode, dataflow=EXPLORE)
    for result in candidates:
        assert result.macs == LENET_MACS
        assert check_schedule(workload, result) > 0
        check_capacity(result)
    explored = run_multicore(lenet(), machine, mode, dataflow=EXPLORE)
    assert explored.latency_cycles == min(r.latency_cycles for r in candidates)
    assert explored.macs == presets.macs == LENET_MACS
    assert explored.latency_cycles <= presets.latency_cycles


def test_explored_schedules_obey_their_data_and_fit():
    workload, _, candidates = explored_dual()
    assert {r.dataflow for r in candidates} == {EXPLORE, BEST}  # both kinds are candidates
    for result in candidates:
        assert result.macs == LENET_MACS
        assert check_schedule(workload, result) > 0
        check_capacity(result)
    best = min(candidates, key=lambda r: (r.latency_cycles, r.energy_pj))
    assert best.dataflow == EXPLORE  # explored tiles win on Stream's dual-core LeNet-5
    tiles = best.to_dict()["tiles"]
    assert any(t["dataflow"].startswith("explored") for t in tiles if t["dataflow"])


def test_energy_objective_never_spends_more_than_the_presets():
    machine = load_multicore(STREAM_LENET / "lenet_single_core.yaml")
    workload = with_precision(lenet(), machine.spec.precision)
    presets = run_multicore(lenet(), machine, "layer", objective="energy")
    candidates = schedule_candidates(lenet(), machine, "layer", dataflow=EXPLORE,
                                     objective="energy")
    for result in candidates:
        assert result.macs == LENET_MACS
        assert check_schedule(workload, result) > 0
        check_capacity(result)
    explored = run_multicore(lenet(), machine, "layer", dataflow=EXPLORE, objective="energy")
    assert explored.energy_pj == min(r.energy_pj for r in candidates)
    assert explored.energy_pj <= presets.energy_pj


def test_cli_explore_and_bad_objective():
    done = run_main("multicore", "-w", "zoo:lenet5", "-a",
                    str(EXAMPLES / "multicore" / MACHINES[1]), "--mode", "layer",
                    "--dataflow", "explore", "--objective", "edp")
    assert done.returncode == 0 and "explore" in done.stdout
    said = " ".join(done.stdout.split())  # the caption, whatever the console's width
    assert "2 of 5 MAC tiles on the explorer's mapping" in said
    refused = run_main("multicore", "-w", "zoo:lenet5", "-a",
                       str(EXAMPLES / "multicore" / MACHINES[1]), "--objective", "speed")
    assert refused.returncode == 2 and "--objective" in refused.stderr
