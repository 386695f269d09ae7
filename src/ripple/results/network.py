"""Results of a whole network: one :class:`LayerResult` per MAC layer, and their total."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ripple.results.result import LayerResult


def _add(into: dict[str, Any], item: dict[str, Any]) -> None:
    """Sum nested dictionaries of numbers key by key."""
    for key, value in item.items():
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value


@dataclass(frozen=True)
class Unmapped:
    """A MAC layer the dataflow could not map (no tiles fit), and why: reported next to the
    layers that were evaluated rather than aborting the whole network."""

    layer: str
    reason: str
    position: int  # among the network's MAC layers, in execution order


@dataclass
class NetworkResult:
    """MAC layers in execution order, evaluated under one dataflow (or mapping each); the
    ``unmapped`` layers are left out of ``layers`` and of the totals."""

    name: str
    dataflow: str
    layers: list[LayerResult]
    unmapped: list[Unmapped] = field(default_factory=list)

    @property
    def layer_names(self) -> list[str]:
        """Every MAC layer in execution order, mapped or not."""
        unmapped = {u.position: u.layer for u in self.unmapped}
        mapped = iter(r.layer.name for r in self.layers)
        return [unmapped[i] if i in unmapped else next(mapped)
                for i in range(len(self.layers) + len(self.unmapped))]

    @property
    def energy_pj(self) -> float:
        return sum(r.energy_pj for r in self.layers)

    @property
    def latency_cycles(self) -> int:
        return sum(r.latency.total for r in self.layers)

    def total(self) -> dict[str, Any]:
        """Sums over layers of every count: MACs, latency parts, energy and its breakdown,
        accesses; the peak of live partial sums is the largest of any layer."""
        total: dict[str, Any] = {}
        for result in self.layers:
            doc = result.to_dict()
            _add(total, {key: doc[key] for key in ("macs", "latency_cycles", "latency",
                                                   "energy_pj", "energy_breakdown_pj",
                                                   "accesses")})
        total["peak_live_psums"] = max((r.peak_live_psums for r in self.layers), default=0)
        return total

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per MAC layer (cycles and their parts, energy, MACs)."""
        from ripple.results.frames import network_frame

        return network_frame(self)

    def __repr__(self) -> str:
        from ripple.results.frames import short_repr

        return short_repr("NetworkResult", self.name, dataflow=self.dataflow,
                          layers=len(self.layers), unmapped=len(self.unmapped),
                          latency_cycles=self.latency_cycles, energy_pj=self.energy_pj)

    def to_dict(self) -> dict[str, Any]:
        return {"workload": self.name, "dataflow": self.dataflow,
                "layers": [r.to_dict() for r in self.layers], "total": self.total(),
                "unmapped": [{"layer": u.layer, "reason": u.reason} for u in self.unmapped]}


class Comparison(list[NetworkResult]):
    """One workload under several dataflows (``ripple compare``): a list of network results
    with a frame of them all."""

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per dataflow and MAC layer."""
        from ripple.results.frames import comparison_frame

        return comparison_frame(self)

    def __repr__(self) -> str:
        return f"Comparison({', '.join(repr(result) for result in self)})"
