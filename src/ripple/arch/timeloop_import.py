"""Import a Timeloop / Sparseloop architecture (v0.3 tree and its energy reference table, ERT)
as a Ripple architecture.

How the pieces map:

- the tree, outermost first, gives Timeloop's storage hierarchy; ``name[0..n]`` is ``n+1``
  instances, multiplied down the tree. Each storage level with ``depth`` (or ``entries``) 0 is a
  pass-through (Eyeriss' ``DummyBuffer``): it holds nothing but keeps its fanout.
- fanout: between a storage level and the next one down (or the MACs), ``instances(inner) /
  instances(outer)``, split into ``meshX(inner)/meshX(outer)`` along X and the rest along Y
  (``meshX`` defaults to the instance count). Each axis wider than 1 is an array dimension named
  ``<level>.X`` / ``<level>.Y``, the name Timeloop's spatial mapping targets. A memory serves the
  fanouts at and below it (one instance shared across them) and is replicated along the others.
- each real storage level is one Ripple level holding one memory; its operands are what the
  mapping keeps there (``keep``/``bypass``; every operand when the mapping says nothing).
- energies: the ERT's ``read``/``write`` per action (an action listed with arguments takes its
  costliest variant) per transaction of the memory's ``width`` bits (``block_size`` words): the
  unit Timeloop charges. Ripple ties the transaction to the per-cycle bandwidth, so a memory moves
  one block per cycle; Timeloop's ``read_bandwidth``/``write_bandwidth`` (words per cycle) are
  noted, and modelled by Sparseloop's rules only (``--sparse-opt``). Bandwidth is shared by the
  data spaces of a memory (``ports: shared``).
- words: Ripple counts the problem's 16-bit words; a transaction is a block (``block_size``,
  else ``width / datawidth``; legacy ``block-size``, ``word-bits``) and a memory of other word
  widths is noted. ``network-word-bits`` must equal the word width (a network moving other
  words is not modelled); a component that is neither storage nor MACs is refused.
- capacity: ``depth`` rows of a block (or ``entries`` words); DRAM unbounded. MAC energy:
  ``mac_random``.
- conventions: Timeloop's (``conventions: timeloop``): delta fills, multicast per class of
  instances differing in a relevant loop, partial sums returning to every psum spad of a
  reduction group, no operand latched at the MAC and no read of a partial sum's first update in
  each fill of the memory next to the MACs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ripple.arch.spec import Architecture
from ripple.arch.timeloop_spec import (
    ErtFile,
    TimeloopArchFile,
    TimeloopNode,
    TimeloopTreeSpec,
    attributes_of,
    split_name,
)
from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.specio import read_yaml, validate

#: Bits of the problem's words (the workload import's default precision).
WORD_BITS = 16
ALL_OPERANDS = ("I", "W", "O")


@dataclass
class TimeloopComponent:
    """One component of the tree: its attributes and instance count."""

    name: str
    attributes: dict[str, Any]
    instances: int
    mesh_x: int

    def attr(self, *names: str, default: Any = None) -> Any:
        for name in names:
            if name in self.attributes:
                return self.attributes[name]
        return default

    @property
    def depth(self) -> int | None:
        value = self.attr("depth", "data_storage_depth", "entries")
        return None if value is None else int(value)


def _flatten(node: TimeloopNode, instances: int, out: list[TimeloopComponent]) -> None:
    """Components of the tree in order, outermost first, with their instance counts."""
    instances *= split_name(node.name)[1]
    for local in node.local:
        local_name, local_count = split_name(local.name)
        attributes = attributes_of(local)
        total = instances * local_count
        out.append(TimeloopComponent(local_name, attributes, total,
                                     int(attributes.get("meshX", total))))
    for child in node.subtree:
        _flatten(child, instances, out)


def read_ert(path: str | Path) -> dict[str, dict[str, float]]:
    """Component name (last part of the ERT path, ranges dropped) -> action -> energy."""
    ert = validate(ErtFile, read_yaml(path), str(path)).ERT
    out: dict[str, dict[str, float]] = {}
    for table in ert.tables:
        name = re.sub(r"\[\d+\.\.\d+\]", "", table.name).split(".")[-1]
        actions: dict[str, float] = {}
        for action in table.actions:
            actions[action.name] = max(actions.get(action.name, action.energy), action.energy)
        out[name] = actions
    return out


@dataclass(frozen=True)
class _Fanout:
    level: str
    x: int
    y: int

    def dims(self) -> dict[str, int]:
        return {f"{self.level}.{axis}": size for axis, size in (("X", self.x), ("Y", self.y))
                if size > 1}


@dataclass(frozen=True)
class TimeloopTree:
    """The storage components outermost first, the MAC component and the ERT energies
    (component -> action -> pJ)."""

    root: TimeloopTreeSpec
    storage: list[TimeloopComponent]
    mac: TimeloopComponent
    energies: dict[str, dict[str, float]]


@dataclass(frozen=True)
class TimeloopArchitecture:
    """The Ripple architecture and Timeloop's storage levels, outermost first, pass-throughs
    included: the targets a Timeloop mapping names; ``tree`` the components it came from."""

    architecture: Architecture
    storage: tuple[str, ...]
    tree: TimeloopTree


def read_timeloop_tree(arch_path: str | Path, ert_path: str | Path) -> TimeloopTree:
    source = str(arch_path)
    root = validate(TimeloopArchFile, read_yaml(arch_path), source).architecture
    components: list[TimeloopComponent] = []
    for node in root.subtree:
        _flatten(node, 1, components)
    energies = read_ert(ert_path)
    for component in components:
        if component.name not in energies:
            raise RippleInputError(f"no energies for component {component.name!r}",
                                   source=str(ert_path))
    macs = [c for c in components if any(a.startswith("mac") for a in energies[c.name])]
    storage = [c for c in components if "read" in energies[c.name]]
    other = [c for c in components if c not in macs and c not in storage]
    if other:
        raise RippleInputError(f"component {other[0].name!r} is neither a storage (an ERT "
                               "read) nor the MACs (an ERT mac_*): it is not modelled",
                               source=source)
    if len(macs) != 1 or not storage:
        raise RippleInputError("expected storage levels and one MAC component", source=source)
    return TimeloopTree(root, storage, macs[0], energies)


def import_timeloop_architecture(arch_path: str | Path, ert_path: str | Path,
                                 keep: dict[str, list[str]] | None = None
                                 ) -> Imported[TimeloopArchitecture]:
    """Read ``arch.yaml`` and ``ERT.yaml``; ``keep`` gives the operands each storage level holds
    (see :func:`ripple.mapping.timeloop_import.timeloop_keep`)."""
    source = str(arch_path)
    tree = read_timeloop_tree(arch_path, ert_path)
    storage, mac, energies, root = tree.storage, tree.mac, tree.energies, tree.root
    fanouts = [_fanout(outer, inner, source)
               for outer, inner in zip(storage, [*storage[1:], mac], strict=True)]
    notes: list[str] = []
    levels = []
    for index, component in enumerate(storage):
        if component.depth == 0:
            continue
        served = [d for f in fanouts[index:] for d in f.dims()]
        operands = (keep or {}).get(component.name, list(ALL_OPERANDS))
        if not operands:
            continue
        levels.append({"name": component.name, "memories": [
            _memory(component, operands, served, energies[component.name], notes, source)]})
    array = {d: s for f in fanouts for d, s in f.dims().items()} or {"X": 1}
    name = split_name(root.subtree[0].name)[0] or "timeloop"
    arch = validate(Architecture, {
        "name": name, "array": array, "levels": levels, "conventions": "timeloop",
        "mac": {"energy_pj": energies[mac.name].get("mac_random", 0.0)},
    }, source)
    return Imported(TimeloopArchitecture(arch, tuple(c.name for c in storage), tree),
                    tuple(notes))


def _fanout(outer: TimeloopComponent, inner: TimeloopComponent, source: str) -> _Fanout:
    total, rest = divmod(inner.instances, outer.instances)
    x, rest_x = divmod(inner.mesh_x, outer.mesh_x)
    if rest or rest_x or total % max(x, 1):
        raise RippleInputError(f"{inner.name} ({inner.instances} instances, meshX "
                               f"{inner.mesh_x}) does not divide evenly under {outer.name} "
                               f"({outer.instances}, meshX {outer.mesh_x})", source=source,
                               field=inner.name)
    return _Fanout(outer.name, x, total // x)


def _memory(component: TimeloopComponent, operands: list[str], served: list[str],
            energy: dict[str, float], notes: list[str], source: str) -> dict[str, Any]:
    block, word = _block_and_word(component, source)
    network = component.attr("network-word-bits", "network_word_bits")
    if network is not None and int(network) != word:
        raise RippleInputError(f"network-word-bits {network} differs from its {word}-bit words; a "
                               "network moving words of another width is not modelled",
                               source=source, field=component.name)
    if word != WORD_BITS:
        notes.append(f"{component.name}: {word}-bit words counted as the problem's {WORD_BITS}-bit "
                     f"words, {block} to a transaction")
    bits = block * WORD_BITS  # one transaction: a block of the problem's words
    rows = component.attr("depth", "data_storage_depth")
    entries = component.attr("entries")
    words = int(rows) * block if rows is not None else None if entries is None else int(entries)
    for kind in ("read", "write"):
        bandwidth = component.attr(f"{kind}_bandwidth")
        if bandwidth is not None:
            notes.append(f"{component.name}: {kind}_bandwidth {bandwidth} words/cycle modelled "
                         f"by --sparse-opt only; dense, one {block}-word block per cycle")
    return {
        "name": component.name, "operands": operands,
        "capacity_bits": None if words is None else words * WORD_BITS,
        "read_bandwidth": bits, "write_bandwidth": bits,
        "read_energy_pj": energy["read"], "write_energy_pj": energy.get("write", energy["read"]),
        "gated_read_energy_pj": energy.get("gated_read", 0.0),
        "gated_write_energy_pj": energy.get("gated_write", 0.0),
        "served_dims": served, "ports": "shared",
    }


def _block_and_word(component: TimeloopComponent, source: str) -> tuple[int, int]:
    """Words a transaction moves (``block_size``, else ``width / datawidth``) and the bits of a
    word (``datawidth``, else ``width / block_size``, else the problem's), from Timeloop's
    names and their legacy spellings (``block-size``, ``word-bits``)."""
    width = component.attr("width", "data_storage_width")
    block = component.attr("block_size", "block-size")
    word = component.attr("datawidth", "word-bits", "word_width")
    if word is None:
        word = int(width) // int(block) if width and block else WORD_BITS
    if block is None:
        block = max(1, int(width) // int(word)) if width else 1
    block, word = int(block), int(word)
    if block <= 0 or word <= 0 or (width is not None and int(width) != block * word):
        raise RippleInputError(f"width {width} is not block_size {block} x datawidth {word}",
                               source=source, field=component.name)
    return block, word
