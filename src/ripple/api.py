"""Library entry points behind the CLI: each command is one call a notebook can make too."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ripple.arch import Architecture, load_architecture
from ripple.budget import SimulationLimits, simulation_budget
from ripple.dse.cluster import SchedulerTLS, scheduler_security
from ripple.dse.constraints import Constraints
from ripple.dse.estimate import ExplorationEstimate
from ripple.dse.estimate import estimate as estimate_exploration
from ripple.dse.explore import explore
from ripple.dse.outcome import ExplorationOutcome
from ripple.dse.presets import preset_mapping, resolve
from ripple.dse.unmappable import no_valid_mapping
from ripple.errors import MappingError, RippleInputError
from ripple.examples import SEED_MAPPINGS, example_path
from ripple.imported import Imported
from ripple.mapping import LoopNest, bind, load_mapping
from ripple.model import evaluate
from ripple.multicore import MulticoreResult, load_multicore, load_partition, run_multicore
from ripple.peer_files import TimeloopFiles as TimeloopFiles
from ripple.peer_files import evaluate_timeloop_files as evaluate_timeloop_files
from ripple.peer_files import evaluate_zigzag as evaluate_zigzag
from ripple.peer_files import exploration_constraints, import_timeloop_files
from ripple.peer_files import load_zigzag_nest as load_zigzag_nest
from ripple.peer_workload import import_workload_for, load_workload_for
from ripple.results import LayerResult, NetworkResult, Unmapped
from ripple.results.network import Comparison
from ripple.sim import SimulationResult, simulate
from ripple.sim.maclog import mac_log_file, temporary_log
from ripple.sim.tensors import checked_operand, load_npy
from ripple.sparse.dataflows import sparse_architecture
from ripple.workload import Layer, Workload
from ripple.workload.densities import DensityTable
from ripple.workload.sources import choose_layer, import_any_workload
from ripple.workload.zoo import ZOO, zoo_workload

Advance = Callable[[int], None]  # told of each unit of work done, for a progress bar


def load_nest(workload: str | Path, arch: str | Path, mapping: str | Path | None,
              layer: str | None = None, dataflow: str | None = None,
              skip_unsupported: bool = False) -> LoopNest:
    """Read the workload (YAML, ONNX or ``zoo:NAME``), the architecture and the mapping (or
    make the ``dataflow`` preset's), and bind the mapping to the chosen layer."""
    if (mapping is None) == (dataflow is None):
        raise RippleInputError("give either a mapping file or a dataflow preset, not both",
                               field="mapping")
    chosen = choose_layer(load_workload_for(workload, arch, skip_unsupported=skip_unsupported),
                          layer, str(workload))
    architecture = load_architecture(arch)
    if dataflow is not None:
        preset = resolve(dataflow).name
        return bind(chosen, architecture, preset_mapping(chosen, architecture, preset),
                    source=f"preset {preset}")
    return bind(chosen, architecture, load_mapping(mapping), source=str(mapping))


def describe_workload(spec: str | Path, skip_unsupported: bool = False) -> Imported[Workload]:
    """A workload from any source (YAML, ONNX, ``zoo:NAME``) with the notes of its import."""
    return import_any_workload(spec, skip_unsupported=skip_unsupported)


def zoo_networks() -> list[Workload]:
    """Every network of the built-in zoo, at batch 1."""
    return [zoo_workload(name) for name in ZOO]


def export_zoo(name: str, path: str | Path) -> Workload:
    """Write zoo network ``name`` as an ONNX model (weights as shaped graph inputs)."""
    from ripple.workload.onnx_export import save_onnx  # onnx is slow to import

    workload = zoo_workload(name)
    save_onnx(workload, path)
    return workload


def evaluate_files(workload: str | Path, arch: str | Path, mapping: str | Path,
                   layer: str | None = None, densities: DensityTable | None = None,
                   skip_unsupported: bool = False) -> LayerResult:
    """Evaluate one mapping of one layer with the analytical model; an architecture that skips
    or gates zero operands gets expected counts under ``densities`` (docs/sparsity.md)."""
    nest = load_nest(workload, arch, mapping, layer, skip_unsupported=skip_unsupported)
    return evaluate(nest, (densities or DensityTable()).of(nest.layer.name))


def simulate_files(workload: str | Path | None, arch: str | Path | None,
                   mapping: str | Path | None = None,
                   layer: str | None = None, *, dataflow: str | None = None,
                   timeloop: Sequence[str | Path] | None = None,
                   inputs: str | Path | None = None,
                   weights: str | Path | None = None, seed: int = 0,
                   log: str | Path | None = None, animate: str | Path | None = None,
                   plot: str | Path | None = None, skip_unsupported: bool = False,
                   limits: SimulationLimits | None = None, progress: Advance | None = None,
                   on_total: Callable[[int], None] | None = None) -> SimulationResult:
    """Run one mapping of one layer MAC by MAC with the reference simulator, on the tensors in
    the ``.npy`` files ``inputs`` and ``weights`` (seeded random integers when omitted), and
    check the output against the golden convolution. ``dataflow`` (a preset) instead of
    ``mapping`` simulates the preset's mapping; ``timeloop`` (Timeloop's problem, architecture,
    ERT and mapping) instead of the three files simulates that, under Timeloop's conventions.

    ``log`` (.csv or .parquet) receives one row per issued MAC; ``animate`` (.gif or .mp4) the
    animation of the run; ``plot`` (a folder) its utilisation and readiness figures. Figures
    are read from the log, so without ``log`` a temporary one is written and deleted (and
    ``mac_log_rows`` stays 0: no log was kept).

    Before the first MAC the run is costed (:mod:`ripple.budget`) and refused past ``limits``
    (the defaults when None; :class:`SimulationLimits` with larger ones to run it anyway);
    ``on_total`` receives the MACs the two passes go through, ``progress`` each chunk's."""
    from ripple.viz import animation, simulation

    if animate is not None:
        animation.check_target(animate)  # before the work, not after it
    if timeloop is not None:
        nest = import_timeloop_files(*timeloop).value.nest
    else:
        assert workload is not None and arch is not None, "give the files or timeloop"
        nest = load_nest(workload, arch, mapping, layer, dataflow, skip_unsupported)
    budget = simulation_budget(nest, log, figures=animate is not None or plot is not None)
    budget.check(limits or SimulationLimits())
    if on_total is not None:
        on_total(2 * budget.macs)
    tensors = [None if path is None else checked_operand(nest.layer, name,
                                                         load_npy(path, what), str(path))
               for path, name, what in ((inputs, "I", "inputs"), (weights, "W", "weights"))]
    with mac_log_file(log, needed=animate is not None or plot is not None) as log_path:
        run = simulate(nest, *tensors, seed=seed, log_path=log_path, progress=progress)
        if log_path is not None:
            view = animation.RunView(nest.mapping.name, run.result, log_path)
            if animate is not None:
                animation.animate([view], animate)
            if plot is not None:
                simulation.utilisation(view, plot)
                simulation.readiness(view, plot)
    return run if log is not None else dataclasses.replace(run, mac_log_rows=0)


def seed_case_animation(path: str | Path) -> Path:
    """The seed case's event-driven and scatter runs animated one above the other, on one
    clock: the same inputs, 81 against 225 cycles, no wasted MAC against 1,152."""
    from ripple.viz.animation import RunView, animate

    nests = {nest.mapping.name: nest for nest in seed_case_nests()}
    with contextlib.ExitStack() as stack:
        views = []
        for name in ("event_driven", "input_scatter"):
            nest = nests[name]
            log_path = stack.enter_context(temporary_log())
            run = simulate(nest, log_path=log_path)
            views.append(RunView(f"{name} ({nest.index}-indexed, {nest.boundary})", run.result,
                                 log_path))
        return animate(views, path)


def seed_case_nests() -> list[LoopNest]:
    """The three mappings of SPEC section 4 on the seed layer and array."""
    folder = ("seed_case",)
    return [
        load_nest(example_path(*folder, "workload.yaml"), example_path(*folder, "arch.yaml"),
                  example_path(*folder, f"mapping_{name}.yaml"))
        for name in SEED_MAPPINGS
    ]


def seed_case() -> list[LayerResult]:
    """The seed case evaluated: weight-stationary, input-indexed scatter, event-driven."""
    return [evaluate(nest) for nest in seed_case_nests()]


def evaluate_dataflow(workload: Workload, arch: Architecture, dataflow: str,
                      densities: DensityTable | None = None,
                      progress: Advance | None = None) -> NetworkResult:
    """Every MAC layer of ``workload`` under the preset mapping of ``dataflow`` (with each
    layer's ``densities`` when the architecture skips or gates zero operands). A layer the
    preset cannot map is listed in ``unmapped`` with the reason, and the others go on."""
    name = resolve(dataflow).name
    table = densities or DensityTable()
    result = NetworkResult(workload.name, name, [])
    for position, layer in enumerate(workload.mac_layers):
        try:
            mapping = preset_mapping(layer, arch, name)
        except MappingError as error:
            result.unmapped.append(Unmapped(layer.name, str(error), position))
        else:
            result.layers.append(evaluate(bind(layer, arch, mapping, source=name),
                                          table.of(layer.name)))
        if progress is not None:
            progress(1)
    return result


def _some_mapped(results: list[NetworkResult]) -> list[NetworkResult]:
    """``results``, unless no layer was mapped at all: then there is nothing to report but why
    (the first reason), as bad input."""
    if not any(r.layers for r in results):
        raise RippleInputError(results[0].unmapped[0].reason)
    return results


def evaluate_network(workload: str | Path | Workload, arch: str | Path, dataflow: str,
                     layer: str | None = None, densities: DensityTable | None = None,
                     progress: Advance | None = None) -> NetworkResult:
    """A workload (or its file: YAML, ONNX or zoo:NAME) under a dataflow preset: every MAC
    layer, or the one named ``layer``."""
    loaded = isinstance(workload, Workload)
    network = workload if loaded else load_workload_for(workload, arch)
    if layer is not None:
        chosen = choose_layer(network, layer, network.name if loaded else str(workload))
        network = network.model_copy(update={"layers": [chosen]})
    return _some_mapped([evaluate_dataflow(network, load_architecture(arch), dataflow,
                                           densities, progress)])[0]


def compare_dataflows(workload: Workload, arch: Architecture, dataflows: list[str],
                      progress: Advance | None = None) -> Comparison:
    """The same workload and architecture under several dataflows."""
    return Comparison(_some_mapped([evaluate_dataflow(workload, arch, d, progress=progress)
                                    for d in dataflows]))


def compare_sparsity(workload: Workload, arch: Architecture, dataflows: list[str],
                     densities: DensityTable, progress: Advance | None = None
                     ) -> list[tuple[NetworkResult, NetworkResult]]:
    """Per dataflow, ``(dense, sparse)``: the workload on dense data, and with ``densities``
    on the architecture as the dataflow runs it when activations may be zero (the event-driven
    one skips zero inputs: :func:`ripple.sparse.dataflows.sparse_architecture`)."""
    pairs = [(evaluate_dataflow(workload, arch, d, progress=progress),
              evaluate_dataflow(workload, sparse_architecture(arch, d), d, densities, progress))
             for d in dataflows]
    _some_mapped([dense for dense, _ in pairs])
    return pairs


def explore_files(workload: str | Path, arch: str | Path, *, export: str | Path,
                  skip_unsupported: bool = False,
                  constraints: str | Path | None = None, layer: str | None = None,
                  workers: int = 1, scheduler: str | None = None, resume: bool = False,
                  limit: int | None = None, batch_size: int = 16_384,
                  progress: Callable[[int], None] | None = None,
                  on_estimate: Callable[[ExplorationEstimate], None] | None = None,
                  tls: SchedulerTLS | None = None,
                  sample: tuple[int, int] | None = None) -> ExplorationOutcome:
    """Explore the mapspace of a workload (every MAC layer, or ``layer``) on an architecture.
    ``limit``: at most this many mappings of each layer; ``sample``: ``(N, seed)``, N of each
    layer drawn uniformly over its space. The run is costed first
    (:mod:`ripple.dse.estimate`: the mappings and the memory) and refused past the memory
    limit (:mod:`ripple.resources`); ``on_estimate`` receives the estimate. ``scheduler``: a
    Dask scheduler (trusted code: it exchanges pickles), over TLS with the files of ``tls``."""
    security = scheduler_security(scheduler, tls)
    imported, layers, rules, architecture = _exploration_inputs(
        workload, arch, constraints, layer, skip_unsupported)
    network = imported.value
    cap = limit if sample is None else min(sample[0], limit or sample[0])
    cost = estimate_exploration(layers, architecture, rules.value, cap, batch_size,
                                tasks_in_flight=1 if scheduler else 2 * workers,
                                cap="--limit" if sample is None else "--sample")
    cost.check(str(export))
    if cost.space == 0:  # said before any file is written
        raise no_valid_mapping(Path(export), layers[0], architecture, 0, limit)
    if on_estimate is not None:
        on_estimate(cost)
    run = explore(layers, architecture, rules.value, export, workers=workers,
                  scheduler=scheduler, resume=resume, batch_size=batch_size, limit=limit,
                  progress=progress, security=security, sample=sample)
    for lyr in layers if run.complete else ():
        valid = run.of_layer(lyr.name).arrays()[4]
        if not valid.any():
            raise no_valid_mapping(Path(export), lyr, architecture, len(valid), limit)
    return ExplorationOutcome(run, [lyr.name for lyr in layers], Path(export),
                              f"{network.name} on {architecture.name}", limit, cost.space,
                              imported.notes + rules.notes)


def _exploration_inputs(workload: str | Path, arch: str | Path,
                        constraints: str | Path | None, layer: str | None,
                        skip_unsupported: bool
                        ) -> tuple[Imported[Workload], list[Layer], Imported[Constraints],
                                   Architecture]:
    """What an exploration or a search reads: the workload, its layers to explore, the
    constraints and the architecture."""
    imported = import_workload_for(workload, arch, skip_unsupported=skip_unsupported)
    network = imported.value
    layers = [choose_layer(network, layer, str(workload))] if layer else network.mac_layers
    rules = exploration_constraints(constraints, workload, network, layers)
    return imported, layers, rules, load_architecture(arch)


#: Said by a search under densities on an architecture where zeros change nothing.
NO_SPARSITY_NOTE = ("the architecture neither skips nor gates zero operands nor stores them "
                    "compressed (mac.sparsity, a memory's sparsity or formats): the densities "
                    "change no count, and the search ranked the dense costs")


def search_files(workload: str | Path, arch: str | Path, *, objective: str,
                 skip_unsupported: bool = False, constraints: str | Path | None = None,
                 layer: str | None = None, batch_size: int = 16_384,
                 sample: tuple[int, int] | None = None, workers: int = 1,
                 densities: DensityTable | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Search each layer's optimum under ``objective`` (its Pareto front under ``pareto``)
    without writing the mappings, pruning what provably cannot win (docs/exploration.md);
    ``sample``: ``(N, seed)``, only N mappings of each layer drawn uniformly; ``workers``:
    processes that search distinct layers side by side; ``densities``: ranked by the
    expected sparse counts under them. Returns the
    findings document. A layer with no valid mapping is an error (``progress`` is told of
    the mappings bounded or drawn as they are)."""
    from ripple.dse.search import search
    from ripple.dse.search_outcome import search_document
    from ripple.dse.sparse_ranking import counts_change

    imported, layers, rules, architecture = _exploration_inputs(
        workload, arch, constraints, layer, skip_unsupported)
    notes = imported.notes + rules.notes
    ranked = densities
    if densities is not None:
        densities.check_layers([lay.name for lay in imported.value.mac_layers])
        if not counts_change(architecture):  # the dense search ranks the same costs
            notes += (NO_SPARSITY_NOTE,)
            ranked = None
    results, searches = search(layers, architecture, rules.value, objective,
                               batch_size=batch_size, sample=sample, progress=progress,
                               workers=workers, densities=ranked)
    for result in results:
        if result.best is None and not result.front:
            why = ("under these constraints the architecture offers it no mapping at all"
                   if not result.counts.mappings else
                   f"none of {'the' if sample else 'its'} {result.counts.evaluated:,} "
                   f"{'drawn ' if sample else ''}mappings is valid (with --export FILE the "
                   "error names the memory that overflows)")
            raise RippleInputError(f"no valid mapping of layer {result.layer!r}: {why}",
                                   source=str(workload))
    return search_document(results, searches, objective, architecture, sample, notes,
                           densities)


def multicore_files(workload: str | Path | Workload, arch: str | Path, *, mode: str = "event",
                    partition: str | Path | None = None, dataflow: str | None = None,
                    rows_per_tile: int | None = None, objective: str = "latency",
                    budget: int = 0, plot: str | Path | None = None,
                    trace: str | Path | None = None, skip_unsupported: bool = False,
                    progress: Advance | None = None) -> MulticoreResult:
    """Schedule a workload (or its file: YAML, ONNX or zoo:NAME) on a multi-core architecture
    file in one mode (layer, fused or event). ``partition``: a partition file (splits, core
    allocation, row blocks); ``dataflow``: the preset of every tile, ``best`` (each tile's
    best preset, the default) or ``explore`` (each tile's explored mapping); ``objective``:
    latency, energy or edp, what the tiles' mappings and the kept schedule minimise;
    ``budget``: allocations the allocation search may try besides the given one. ``plot``
    (a folder) receives the Gantt chart (PNG and SVG),
    ``trace`` the Perfetto trace JSON; ``progress`` is told of each step of the run
    (:func:`ripple.multicore.run.progress_steps`)."""
    from ripple.report import write_json
    from ripple.report.trace import trace_document

    machine = load_multicore(arch)
    network = (workload if isinstance(workload, Workload)
               else load_workload_for(workload, arch, skip_unsupported=skip_unsupported))
    spec = load_partition(partition) if partition is not None else None
    result = run_multicore(network, machine, mode, partition=spec,
                           partition_source=str(partition), dataflow=dataflow,
                           rows_per_tile=rows_per_tile, objective=objective,
                           budget=budget, progress=progress)
    if plot is not None:
        from ripple.viz.gantt import gantt

        gantt(result, plot)
    if trace is not None:
        write_json(trace_document(result), str(trace))
    return result
