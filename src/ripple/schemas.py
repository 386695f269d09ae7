"""The kinds of input file, their JSON Schemas and their bundled examples.

Each kind names the pydantic model its loader validates against, so ``ripple schema KIND`` (the
JSON Schema an editor validates a YAML file with) and ``docs/formats.md`` (every field's type,
default, unit and an example) are generated from the same models that read the files and
cannot drift from them. The examples of a field are the values the bundled example files give
it (``ripple init`` copies those files out).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from ripple.errors import RippleInputError
from ripple.examples import example_path


@dataclass(frozen=True)
class SpecKind:
    """One kind of input file."""

    name: str
    title: str
    #: what the file is for and which option reads it (a sentence of the generated reference)
    summary: str
    #: the type the file's content validates against
    root: Callable[[], Any]
    #: bundled example files of this kind, relative to ``ripple/examples``
    examples: tuple[str, ...]
    #: the file's content sits under this one top-level key
    wrapper: str | None = None

    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.root())

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of a file of this kind (draft 2020-12, as pydantic writes it)."""
        schema = self.adapter().json_schema()
        if self.wrapper is not None:
            defs = schema.pop("$defs", {})
            schema = {"type": "object", "properties": {self.wrapper: schema},
                      "required": [self.wrapper], "additionalProperties": False,
                      **({"$defs": defs} if defs else {})}
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
                "title": f"Ripple {self.title.lower()} file"}

    def example_paths(self) -> list[Path]:
        return [example_path(*name.split("/")) for name in self.examples]

    def load_examples(self) -> Iterator[BaseModel]:
        """The bundled examples, validated (a value of the root type each)."""
        from ripple.specio import read_yaml

        adapter = self.adapter()
        for path in self.example_paths():
            data = read_yaml(path)
            yield adapter.validate_python(data[self.wrapper] if self.wrapper else data)


def _lazy(module: str, name: str) -> Callable[[], Any]:
    """The model ``name`` of ``module``, imported when first asked for (``ripple schema`` and
    the reference need one kind's model, not every loader's imports)."""
    return lambda: getattr(importlib.import_module(module), name)


_workload = _lazy("ripple.workload.loader", "WorkloadFile")
_architecture = _lazy("ripple.arch.spec", "Architecture")
_mapping = _lazy("ripple.mapping.spec", "Mapping")
_constraints = _lazy("ripple.dse.constraints", "Constraints")
_densities = _lazy("ripple.workload.densities", "DensityFile")
_multicore = _lazy("ripple.multicore.spec", "MulticoreSpec")
_partition = _lazy("ripple.multicore.partition", "PartitionSpec")


_SEED = "seed_case/"
KINDS: dict[str, SpecKind] = {kind.name: kind for kind in (
    SpecKind("workload", "Workload",
             "One layer (its fields at the top level, or under `layer:`) or a network under "
             "`layers:`; read by `-w` (which also takes an ONNX model, `zoo:NAME`, or a ZigZag "
             "or Timeloop workload: docs/workloads.md).",
             _workload, (f"{_SEED}workload.yaml",)),
    SpecKind("architecture", "Architecture",
             "A single core: the MAC array, the MAC unit and the memory levels, outermost "
             "first; read by `-a`.",
             _architecture, (f"{_SEED}arch.yaml", f"{_SEED}arch_compressed.yaml",
                             f"{_SEED}arch_gated.yaml", f"{_SEED}arch_skip.yaml",
                             "seed_dram/arch.yaml", "eyeriss_like/arch.yaml",
                             "multicore/core_16mac.yaml")),
    SpecKind("mapping", "Mapping",
             "How one layer runs: the spatial unrolling per array dimension and the temporal "
             "loops per level, outermost first (docs/mapping.md); read by `-m`, written by "
             "`explore --save-best`.",
             _mapping, (f"{_SEED}mapping_event_driven.yaml", f"{_SEED}mapping_input_scatter.yaml",
                        f"{_SEED}mapping_weight_stationary.yaml",
                        "eyeriss_like/mapping_alexnet_conv3_rs.yaml")),
    SpecKind("constraints", "Constraints",
             "What the mapspace of `ripple explore` may contain; read by `--constraints`. "
             "Every field is optional.",
             _constraints, (f"{_SEED}constraints.yaml",)),
    SpecKind("densities", "Densities",
             "Expected densities (the share of nonzero elements) per operand, for every layer "
             "and per layer; read by `--density FILE.yaml` (docs/sparsity.md).",
             _densities, (f"{_SEED}densities.yaml",), wrapper="densities"),
    SpecKind("multicore", "Multi-core machine",
             "Cores (each a single-core architecture, a file beside this one or inline), the "
             "links between them and the shared off-chip memory; read by `ripple multicore "
             "-a` (docs/multicore.md).",
             _multicore, ("multicore/dual_core.yaml", "multicore/hetero.yaml",
                          "multicore/quad_core.yaml", "multicore/single_core.yaml")),
    SpecKind("partition", "Partition",
             "How `ripple multicore` splits each layer and over which cores; read by "
             "`--partition`. Every entry is optional.",
             _partition, ("multicore/pipeline.yaml",)),
)}


def kind(name: str) -> SpecKind:
    """The kind called ``name``; an unknown name is a usage error listing the kinds."""
    try:
        return KINDS[name]
    except KeyError:
        raise RippleInputError(f"unknown file kind {name!r}; expected one of "
                               f"{', '.join(KINDS)}") from None
