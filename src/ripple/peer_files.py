"""Other tools' input files through Ripple's model: ZigZag's accelerator, workload and mapping
(one bound nest, or a mapping file as exploration constraints), and Timeloop's problem,
architecture, energy reference table and mapping. Re-exported by :mod:`ripple.api`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from ripple.arch.timeloop_import import TimeloopArchitecture, import_timeloop_architecture
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.dse.constraints import Constraints, load_constraints
from ripple.dse.zigzag_hints import zigzag_constraints, zigzag_mapping_file
from ripple.imported import Imported
from ripple.mapping import LoopNest, bind
from ripple.mapping.timeloop_import import import_timeloop_mapping, timeloop_keep
from ripple.mapping.zigzag_import import import_zigzag_mapping, read_zigzag_mapping
from ripple.model import evaluate
from ripple.peer_workload import import_workload_for
from ripple.results import LayerResult
from ripple.sparseloop.optimizations import model_options
from ripple.workload import Densities, Layer, Workload
from ripple.workload.sources import choose_layer
from ripple.workload.timeloop_import import import_timeloop_problem
from ripple.workload.zigzag_import import zigzag_operator_types, zigzag_workload_file


def load_zigzag_nest(accelerator: str | Path, workload: str | Path, mapping: str | Path, *,
                     boundary: Literal["filter", "scatter"] = "filter",
                     layer: str | None = None) -> Imported[LoopNest]:
    """ZigZag's three input files as a bound loop nest, with the notes of the three imports.

    The mapping entry chosen for the layer supplies ``memory_operand_links`` for the
    accelerator, as in ZigZag; an ONNX model's nodes get ZigZag's precisions.
    """
    imported = import_workload_for(workload, accelerator)
    chosen = choose_layer(imported.value, layer, str(workload))
    operator_type = _zigzag_operator_type(workload, chosen)
    _, entry = read_zigzag_mapping(mapping, chosen.name, operator_type)
    arch = import_zigzag_architecture(accelerator, dict(entry.memory_operand_links))
    loops = import_zigzag_mapping(mapping, chosen, arch.value, operator_type=operator_type,
                                  boundary=boundary)
    nest = bind(chosen, arch.value, loops.value, source=str(mapping))
    return Imported(nest, imported.notes + arch.notes + loops.notes)


def _zigzag_operator_type(workload: str | Path, layer: Layer) -> str:
    """The ``operator_type`` by which ZigZag picks a layer's mapping entry."""
    return _zigzag_operator_types(workload, [layer])[layer.name]


def _zigzag_operator_types(workload: str | Path, layers: list[Layer]) -> dict[str, str]:
    """Each layer's ``operator_type``, by which ZigZag picks its mapping entry: its own
    workload file's field, else the ONNX operator ZigZag's ONNX parser takes it from."""
    if zigzag_workload_file(workload):
        return zigzag_operator_types(workload)
    return {lyr.name: "Conv" if lyr.operator == "conv" else "Gemm" for lyr in layers}


def exploration_constraints(path: str | Path | None, workload: str | Path, network: Workload,
                            layers: list[Layer]) -> Imported[Constraints]:
    """The constraints file of ``ripple explore``: Ripple's, or a ZigZag mapping file (told
    apart by content) turned into each layer's constraints (:mod:`ripple.dse.zigzag_hints`)."""
    if path is None:
        return Imported(Constraints())
    if zigzag_mapping_file(path):
        return zigzag_constraints(path, network, layers,
                                  _zigzag_operator_types(workload, layers))
    return Imported(load_constraints(path))


def evaluate_zigzag(accelerator: str | Path, workload: str | Path, mapping: str | Path, *,
                    boundary: Literal["filter", "scatter"] = "filter",
                    layer: str | None = None) -> Imported[LayerResult]:
    """Evaluate ZigZag's input files with Ripple's model (``boundary`` for input-indexed
    nests: ``scatter`` is ZigZag's own count)."""
    nest = load_zigzag_nest(accelerator, workload, mapping, boundary=boundary, layer=layer)
    return Imported(evaluate(nest.value), nest.notes)


@dataclasses.dataclass(frozen=True)
class TimeloopFiles:
    """Timeloop's four files imported: the bound nest, the problem's densities and the
    imported architecture (with Timeloop's components, for the sparse optimisations)."""

    nest: LoopNest
    densities: Densities
    hardware: TimeloopArchitecture


def import_timeloop_files(problem: str | Path, arch: str | Path, ert: str | Path,
                          mapping: str | Path) -> Imported[TimeloopFiles]:
    """A Timeloop problem, architecture (``arch.yaml`` and ``ERT.yaml``) and mapping as a bound
    loop nest, with the problem's densities and the notes of the imports. The mapping's
    keep/bypass directives decide which operands each imported memory holds."""
    layer = import_timeloop_problem(problem)
    hardware = import_timeloop_architecture(arch, ert, keep=timeloop_keep(mapping))
    loops = import_timeloop_mapping(mapping, layer.value.layer, hardware.value.architecture,
                                    hardware.value.storage)
    nest = bind(layer.value.layer, hardware.value.architecture, loops.value,
                source=str(mapping))
    return Imported(TimeloopFiles(nest, layer.value.densities, hardware.value),
                    layer.notes + hardware.notes + loops.notes)


def evaluate_timeloop_files(problem: str | Path, arch: str | Path, ert: str | Path,
                            mapping: str | Path, sparse_opt: str | Path | None = None
                            ) -> Imported[LayerResult]:
    """Timeloop's problem, architecture, ERT and mapping evaluated by Ripple's model under
    Timeloop's conventions: dense, or with Sparseloop's sparse optimisations of the file
    ``sparse_opt`` under the problem's densities (docs/sparseloop.md)."""
    files = import_timeloop_files(problem, arch, ert, mapping)
    if sparse_opt is None:
        return Imported(evaluate(files.value.nest), files.notes)
    memories = tuple(m.name for lvl in files.value.nest.arch.levels for m in lvl.memories)
    options = model_options(sparse_opt, files.value.hardware.tree, memories)
    return Imported(evaluate(files.value.nest, files.value.densities, options), files.notes)
