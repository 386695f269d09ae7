"""The shapes of Timeloop's v0.3 architecture tree and of Accelergy's energy reference table
(ERT), checked before the importer (:mod:`ripple.arch.timeloop_import`) walks them: a node that
is not a mapping, an attribute that is not a number, an instance range that counts backwards
or a missing energy ends in one line naming the file and the field, not in a traceback deep in
the walk. Keys the importer does not read (``version``, ``class`` options, Accelergy's
arguments) are let through, as Timeloop lets them through.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ripple.bounds import MAX_SIZE, LaxEnergy, LaxOffset, LaxSize

#: Words per cycle (Sparseloop's port bandwidths).
WordsPerCycle = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)]

#: ``name[first..last]``: ``last - first + 1`` instances.
RANGE = re.compile(r"^(.*)\[(\d+)\.\.(\d+)\]$")


def split_name(name: str) -> tuple[str, int]:
    """``PE[0..3]`` as ``("PE", 4)``; a name without a range is one instance."""
    found = RANGE.match(name)
    if not found:
        return name, 1
    return found.group(1), int(found.group(3)) - int(found.group(2)) + 1


class _Open(BaseModel):
    """A peer's block: the keys read are typed, the others kept as they are."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


def _instance_range(name: str) -> str:
    count = split_name(name)[1]
    if not 1 <= count <= MAX_SIZE:
        raise ValueError(f"the range of {name[:40]!r} gives {count:,} instances; expected "
                         f"[first..last] with last >= first, at most {MAX_SIZE:,} instances")
    return name


class TimeloopAttributes(_Open):
    """The attributes the importer reads, under Timeloop's names and legacy spellings."""

    depth: LaxOffset | None = None
    data_storage_depth: LaxOffset | None = None
    entries: LaxOffset | None = None
    width: LaxSize | None = None
    data_storage_width: LaxSize | None = None
    block_size: LaxSize | None = None
    block_size_legacy: LaxSize | None = Field(None, alias="block-size")
    datawidth: LaxSize | None = None
    word_bits: LaxSize | None = Field(None, alias="word-bits")
    word_width: LaxSize | None = None
    network_word_bits: LaxSize | None = None
    network_word_bits_legacy: LaxSize | None = Field(None, alias="network-word-bits")
    meshX: LaxSize | None = None
    metadata_datawidth: LaxOffset | None = None
    read_bandwidth: WordsPerCycle | None = None
    write_bandwidth: WordsPerCycle | None = None


class TimeloopLocal(_Open):
    """A component of a node: storage or MACs."""

    name: str
    class_: str = Field(alias="class")
    attributes: TimeloopAttributes | None = None

    _range = field_validator("name")(_instance_range)


class TimeloopNode(_Open):
    """A node of the tree: its components and the nodes below it."""

    name: str = ""
    local: list[TimeloopLocal] = Field(default_factory=list)
    subtree: list[TimeloopNode] = Field(default_factory=list)

    _range = field_validator("name")(_instance_range)


class TimeloopTreeSpec(_Open):
    subtree: list[TimeloopNode] = Field(min_length=1)


class TimeloopArchFile(_Open):
    """A Timeloop v0.3 architecture file."""

    architecture: TimeloopTreeSpec


class ErtAction(_Open):
    name: str
    energy: LaxEnergy


class ErtTable(_Open):
    name: str
    actions: list[ErtAction] = Field(default_factory=list)


class ErtTables(_Open):
    tables: list[ErtTable]


class ErtFile(_Open):
    """Accelergy's energy reference table (ERT.yaml)."""

    ERT: ErtTables


def attributes_of(local: TimeloopLocal) -> dict[str, Any]:
    """A component's attributes under the names its file gave them (None where unset)."""
    if local.attributes is None:
        return {}
    return local.attributes.model_dump(by_alias=True, exclude_none=True)
