"""Loading workloads from Ripple's YAML.

A workload file holds either one layer (its fields at the top level, or under ``layer:``) or a
network under ``layers:``: a list of MAC layers (``operator: conv|fc``) and MAC-free operations
(``operator: maxpool|avgpool|globalavgpool|relu|add|concat|flatten|reshape``), each naming its
producers in ``inputs``.
"""

from __future__ import annotations

from pathlib import Path

from ripple.errors import RippleInputError
from ripple.specio import read_yaml, validate
from ripple.workload.layer import Layer, StrictModel
from ripple.workload.network import Workload


class LayerFile(StrictModel):
    """One layer under ``layer:`` (the workload is named ``name``, else after the layer)."""

    name: str | None = None
    layer: Layer


#: What a workload file may hold, for its JSON Schema: a network, one layer, or one layer under
#: ``layer:``.
WorkloadFile = Workload | Layer | LayerFile


def workload_from_data(data: object, source: str) -> Workload:
    if not isinstance(data, dict):
        raise RippleInputError("expected a mapping with a layer or 'layers:'", source=source)
    if "layers" in data:
        return validate(Workload, data, source)
    if "layer" in data:
        given = validate(LayerFile, data, source)
        return Workload(name=given.name or given.layer.name, layers=[given.layer])
    layer = validate(Layer, data, source)
    return Workload(name=layer.name, layers=[layer])


def load_workload(path: str | Path) -> Workload:
    """Read a Ripple workload YAML file."""
    return workload_from_data(read_yaml(path), str(path))
