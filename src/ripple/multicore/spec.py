"""The multi-core architecture file: cores, the links between them, and a shared off-chip memory.

Each core is a single-core Ripple architecture (a path relative to this file, or inline), so a
core's costs come from the same model as ``ripple evaluate``. Links are the only way data moves
between cores and the off-chip memory: a link with two endpoints is point to point, one with
more is a bus they share. A core's *home* memory is its outermost level: tensors a core holds
between tiles (weights, activations) live there, and transfers read from or write into it.

Without ``offchip``, every core's own hierarchy is its backing store: weights and the network
input are already in each core's home memory, and nothing travels off chip. This is how a
single-core run reproduces the single-core model exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ripple.arch import Architecture, load_architecture
from ripple.arch.spec import Memory
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.bounds import Bits, Energy
from ripple.errors import RippleInputError
from ripple.multicore.routes import Route, route_table
from ripple.specfile import path_in_folder, read_peer_yaml
from ripple.specio import read_yaml, validate
from ripple.workload.layer import Operand, Precision, StrictModel
from ripple.workload.operation import OperationKind

NodeOperator = Literal["conv", "fc"] | OperationKind


class CoreSpec(StrictModel):
    """A core: its name, its architecture (a file path relative to this file's folder, and
    inside it, or inline) and, when it runs only some operators (a pooling or SIMD core),
    which: ``conv``, ``fc`` or an operation's name. Without ``operators`` it runs every node."""

    name: str
    arch: str | dict[str, Any] = Field(description="an architecture file beside this one, or "
                                       "the architecture inline")
    operators: list[NodeOperator] | None = Field(
        default=None, description="the operators it runs (conv, fc, an operation); null: all")


class OffchipSpec(StrictModel):
    """The shared off-chip memory (DRAM) and its port.

    Energies are per access of the port width (``energy_per: transaction``, as Stream's
    ``r_cost``/``w_cost``) or per bit. ``duplex: false`` makes reads and writes share one port.
    """

    name: str = "dram"
    read_bandwidth: Bits
    write_bandwidth: Bits
    read_energy_pj: Energy
    write_energy_pj: Energy
    energy_per: Literal["transaction", "bit"] = "transaction"
    duplex: bool = False

    def as_memory(self) -> Memory:
        """The port as a :class:`Memory`, so transfers cost it like any memory."""
        return Memory(name=self.name, operands=["I", "W", "O"],
                      read_bandwidth=self.read_bandwidth, write_bandwidth=self.write_bandwidth,
                      read_energy_pj=self.read_energy_pj, write_energy_pj=self.write_energy_pj,
                      energy_per=self.energy_per, ports="shared", duplex=self.duplex)


class LinkSpec(StrictModel):
    """A link (two endpoints) or a bus (more), carrying ``bandwidth`` bits per cycle in total."""

    name: str | None = None
    endpoints: list[str] = Field(min_length=2, description="cores or the off-chip memory")
    bandwidth: Bits = Field(description="in total, shared by what it carries")
    energy_pj_per_bit: Energy = 0.0

    @property
    def label(self) -> str:
        return self.name or "-".join(self.endpoints)


class MulticoreSpec(StrictModel):
    """The file as written. ``precision``, when given, is the datapath's: it replaces the
    precisions of every MAC layer (an ONNX model carries none)."""

    name: str = "multicore"
    cores: list[CoreSpec] = Field(min_length=1)
    offchip: OffchipSpec | None = Field(default=None,
                                        description="null: each core's memories back it")
    links: list[LinkSpec] = Field(default_factory=list)
    precision: Precision | None = Field(default=None,
                                        description="replaces every MAC layer's precision")

    @property
    def endpoints(self) -> list[str]:
        """Every node of the interconnect: the cores, then the off-chip memory."""
        extra = [self.offchip.name] if self.offchip is not None else []
        return [core.name for core in self.cores] + extra


@dataclass(frozen=True)
class Multicore:
    """A validated multi-core machine: the spec with every core's architecture resolved."""

    spec: MulticoreSpec
    archs: dict[str, Architecture]
    routes: dict[tuple[str, str], tuple[Route, ...]]
    #: What an import from another tool's format decided, one line each.
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def cores(self) -> list[str]:
        return list(self.archs)

    @property
    def offchip(self) -> OffchipSpec | None:
        return self.spec.offchip

    def cores_running(self, operator: str) -> list[str]:
        """The cores that may run a node of ``operator``, in file order."""
        return [core.name for core in self.spec.cores
                if core.operators is None or operator in core.operators]

    def home(self, core: str, operand: Operand) -> Memory:
        """The outermost memory of ``core`` holding ``operand``: where it lives between tiles."""
        return self.archs[core].chain(operand)[0][1]

    def home_capacity_bits(self, core: str) -> int | None:
        """Capacity of the core's outermost level (None when a memory there is unbounded)."""
        sizes = [memory.capacity_bits for memory in self.archs[core].levels[0].memories]
        return None if any(size is None for size in sizes) else sum(s for s in sizes if s)


def multicore_from_data(data: Any, source: str, base: Path) -> Multicore:
    """Validate a multi-core specification; core architecture paths are relative to ``base``
    and may not leave it."""
    if not isinstance(data, dict):
        raise RippleInputError("expected a mapping with 'cores:'", source=source)
    spec = validate(MulticoreSpec, data, source)
    _check_names(spec, source)
    archs = dict(_core_architectures(spec, source, base))
    table = route_table(spec.endpoints, [(link.label, link.endpoints, link.bandwidth,
                                          link.energy_pj_per_bit) for link in spec.links])
    cores = [core.name for core in spec.cores]
    for a in cores:
        for b in spec.endpoints:
            if a != b and (a, b) not in table:
                raise RippleInputError(f"{a!r} cannot reach {b!r}: no chain of links joins them",
                                       source=source, field="links")
    return Multicore(spec, archs, table)


def _check_names(spec: MulticoreSpec, source: str) -> None:
    """Unique core and link names, an off-chip name of its own, links between known nodes."""
    def fail(message: str, field: str) -> None:
        raise RippleInputError(message, source=source, field=field)

    seen: set[str] = set()
    for index, core in enumerate(spec.cores):
        if core.name in seen:
            fail(f"core name {core.name!r} is used twice", f"cores[{index}].name")
        seen.add(core.name)
    if spec.offchip is not None and spec.offchip.name in seen:
        fail(f"{spec.offchip.name!r} is already a core's name", "offchip.name")
    known = set(spec.endpoints)
    labels: set[str] = set()
    for index, link in enumerate(spec.links):
        if link.label in labels:
            fail(f"link name {link.label!r} is used twice", f"links[{index}].name")
        labels.add(link.label)
        for slot, endpoint in enumerate(link.endpoints):
            if endpoint not in known:
                fail(f"{endpoint!r} is neither a core nor the off-chip memory (expected one of "
                     f"{', '.join(spec.endpoints)})", f"links[{index}].endpoints[{slot}]")


def _core_architectures(spec: MulticoreSpec, source: str,
                        base: Path) -> Iterator[tuple[str, Architecture]]:
    for index, core in enumerate(spec.cores):
        if isinstance(core.arch, str):
            field = f"cores[{index}].arch"
            path = path_in_folder(base, core.arch, source, field)
            if not path.is_file():
                raise RippleInputError(f"no file {core.arch!r} in this file's folder",
                                       source=source, field=field)
            yield core.name, load_architecture(path)
        else:
            yield core.name, validate(Architecture, core.arch, source,
                                      prefix=("cores", index, "arch"))


#: The note of a single core's architecture run as a machine.
ONE_CORE_NOTE = ("a single-core architecture: one core ('core0') whose own hierarchy is the "
                 "backing store (no off-chip memory, no links)")


def load_multicore(path: str | Path) -> Multicore:
    """Read a multi-core architecture YAML file: Ripple's, or Stream's hardware file
    (recognised by its ``core_connectivity``), converted with notes; or one core's
    architecture (Ripple's, or a ZigZag accelerator) as a machine of that one core, which
    reproduces the single-core model layer by layer."""
    from ripple.multicore.stream_import import is_stream_accelerator, stream_machine_data

    path = Path(path)
    data, repeated = read_peer_yaml(path, "ZigZag")  # a ZigZag accelerator may repeat a key
    if _one_core(data):
        return one_core_machine(path, data, repeated)
    if repeated:  # Ripple's and Stream's machine files may not: refused with the line
        read_yaml(path)
    if not is_stream_accelerator(data):
        return multicore_from_data(data, str(path), path.parent)
    converted, notes = stream_machine_data(data, str(path), path.parent)
    machine = multicore_from_data(converted, str(path), path.parent)
    return Multicore(machine.spec, machine.archs, machine.routes, notes)


def _one_core(data: object) -> bool:
    """Whether ``data`` is one core's architecture: Ripple's (``array``, ``mac``,
    ``levels``) or a ZigZag accelerator (``operational_array``, ``memories``), not a machine
    (``cores``)."""
    return isinstance(data, dict) and "cores" not in data and bool(
        data.keys() & {"array", "mac", "levels", "operational_array", "memories"})


def one_core_machine(path: Path, data: dict[str, Any], repeated: tuple[str, ...] = ()
                     ) -> Multicore:
    """The machine of the one core ``path`` describes (``data``, read with the ``repeated``
    keys' notes), named after the architecture: its own hierarchy is the backing store. The
    architecture is read as ``evaluate`` reads it (a ZigZag accelerator converted, with its
    notes; a Ripple architecture strictly, a repeated key refused)."""
    notes: tuple[str, ...] = ()
    if data.keys() & {"operational_array", "memories"}:
        imported = import_zigzag_architecture(path)
        arch, notes = imported.value, imported.notes
    elif repeated:
        arch = load_architecture(path)  # refuses the repeated key with its line
    else:
        arch = validate(Architecture, data, str(path))
    spec = MulticoreSpec(name=arch.name, cores=[CoreSpec(name="core0", arch=path.name)])
    return Multicore(spec, {"core0": arch}, route_table(spec.endpoints, []),
                     (*notes, ONE_CORE_NOTE))
