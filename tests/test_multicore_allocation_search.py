"""Allocation search (``--budget N``): never worse than the given allocation (which is its
first candidate), within the budget, MACs exact, and every schedule it builds obeys its data
and fits its buffers; on the heterogeneous pair a layer may move to the cores of one kind."""

from __future__ import annotations

import pytest

from ripple.multicore import load_multicore, run_multicore
from ripple.multicore.allocation_search import core_groups, moves, search_allocation
from ripple.multicore.partition import NodePlacementSpec, PartitionSpec
from ripple.multicore.run import cost_model, schedule_candidates
from tests.conftest import EXAMPLES, run_main
from tests.test_multicore import LENET_MACS, MACHINES
from tests.test_multicore_pipelining import check_capacity, lenet
from tests.test_multicore_schedule import check_schedule

HETERO = EXAMPLES / "multicore" / "hetero.yaml"


def checked_search(machine, mode: str, budget: int, objective: str = "latency",
                   stacked: bool = False):
    """The search with every schedule it builds checked; the search's result, how many
    allocations it scheduled and how many schedules were checked."""
    costs = cost_model(lenet(), machine, None, objective)
    built = []

    def schedules(spec: PartitionSpec):
        results = schedule_candidates(lenet(), machine, mode, partition=spec, costs=costs)
        for result in results:
            assert result.macs == LENET_MACS
            assert check_schedule(costs.workload, result) > 0
            check_capacity(result)
        built.extend(results)
        return results

    best, tried = search_allocation(costs.workload, costs, PartitionSpec(), budget, schedules,
                                    stacked)
    return best, tried, built


@pytest.mark.parametrize("machine_file", [MACHINES[2], "hetero.yaml"])
def test_search_is_never_worse_than_the_given_allocation(machine_file):
    machine = load_multicore(EXAMPLES / "multicore" / machine_file)
    given = run_multicore(lenet(), machine, "event")
    best, tried, built = checked_search(machine, "event", budget=8)
    assert 1 < tried <= 9 and len(built) >= tried
    assert best.macs == LENET_MACS
    assert best.latency_cycles <= given.latency_cycles
    assert best.latency_cycles == min(r.latency_cycles for r in built)


def test_energy_objective_searches_for_energy():
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[2])
    given = run_multicore(lenet(), machine, "layer", objective="energy")
    best, _, built = checked_search(machine, "layer", budget=6, objective="energy")
    assert best.energy_pj <= given.energy_pj
    assert best.energy_pj == min(r.energy_pj for r in built)


def test_heterogeneous_cores_choose_per_core_type():
    machine = load_multicore(HETERO)
    assert core_groups(machine, ["small", "big"]) == [["small"], ["big"]]
    conv1 = lenet().mac_layers[0]
    tried = {(m.split, tuple(m.cores or ()))
             for m in moves(conv1, machine, NodePlacementSpec())}
    assert ("channels", ("big",)) in tried and ("channels", ("small",)) in tried


def test_quad_cores_halves_let_layers_pipeline():
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[4])
    assert core_groups(machine, machine.cores) == [["core0", "core1"], ["core2", "core3"]]


def test_cli_budget():
    done = run_main("multicore", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "multicore" /
                                                                 MACHINES[2]),
                    "--mode", "layer", "--budget", "3", "--json", "-")
    assert done.returncode == 0
    assert '"allocations_tried": 4' in done.stdout
    refused = run_main("multicore", "-w", "zoo:lenet5", "-a", str(HETERO), "--budget", "-1")
    assert refused.returncode == 2 and "--budget" in refused.stderr
