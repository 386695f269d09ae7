"""Loading workloads from Ripple's YAML.

A workload file holds either one layer (its fields at the top level, or under ``layer:``) or a
network under ``layers:``: a list of MAC layers (``operator: conv|fc``) and MAC-free operations
(``operator: maxpool|avgpool|globalavgpool|relu|add|concat|flatten|reshape``), each naming its
producers in ``inputs``.
"""

from __future__ import annotations

from pathlib import Path

from ripple.errors import RippleInputError
from ripple.specio import read_yaml, unknown_field, validate
from ripple.workload.layer import Layer
from ripple.workload.network import Workload


def workload_from_data(data: object, source: str) -> Workload:
    if not isinstance(data, dict):
        raise RippleInputError("expected a mapping with a layer or 'layers:'", source=source)
    if "layers" in data:
        return validate(Workload, data, source)
    if "layer" in data:
        extra = sorted(map(str, set(data) - {"layer", "name"}))
        if extra:
            raise RippleInputError(unknown_field(extra, ("layer", "name")), source=source,
                                   field=extra[0])
        layer = validate(Layer, data["layer"], source, prefix=("layer",))
        return Workload(name=data.get("name", layer.name), layers=[layer])
    layer = validate(Layer, data, source)
    return Workload(name=layer.name, layers=[layer])


def load_workload(path: str | Path) -> Workload:
    """Read a Ripple workload YAML file."""
    return workload_from_data(read_yaml(path), str(path))
