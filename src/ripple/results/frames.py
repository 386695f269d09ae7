"""Results as pandas DataFrames (``to_frame()``), and their short ``repr``s.

A frame holds the numbers of the JSON document, one row per memory and operand (a layer), per
MAC layer (a network, a comparison), per core (a multi-core schedule) or per mapping (an
exploration's export), so that a notebook can sort, filter and plot them. pandas is imported
when a frame is asked for, not with Ripple.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ripple.results.network import NetworkResult
    from ripple.results.result import LayerResult

#: The columns of a network's frame that hold a count (integers where every layer is mapped).
NETWORK_COLUMNS = ("macs_issued", "macs_valid", "latency_cycles", "compute_cycles",
                   "stall_cycles", "fill_cycles", "drain_cycles", "energy_pj",
                   "peak_live_psums")


def layer_frame(result: LayerResult) -> pd.DataFrame:
    """One row per memory and operand: accesses and their energy (the MACs' energy is
    ``result.energy_breakdown()["mac"]``)."""
    import pandas as pd

    energy = result.energy_breakdown()
    rows = [{"layer": result.layer.name, "mapping": result.mapping_name, "memory": memory,
             "operand": operand, "reads": counts.reads, "writes": counts.writes,
             "final_writes": counts.final_writes, "read_pj": energy[memory][operand]["read"],
             "write_pj": energy[memory][operand]["write"]}
            for memory, per_operand in result.accesses.items()
            for operand, counts in per_operand.items()]
    return pd.DataFrame(rows)


def network_frame(result: NetworkResult) -> pd.DataFrame:
    """One row per MAC layer in execution order; a layer the dataflow could not map has empty
    counts and its reason in ``unmapped``."""
    import pandas as pd

    mapped = {r.layer.name: r for r in result.layers}
    reasons = {u.layer: u.reason for u in result.unmapped}
    rows = []
    for name in result.layer_names:
        row: dict[str, Any] = {"workload": result.name, "dataflow": result.dataflow,
                               "layer": name}
        layer = mapped.get(name)
        if layer is not None:
            lat = layer.latency
            row.update(zip(NETWORK_COLUMNS, (
                layer.macs_issued, layer.macs_valid, lat.total, lat.compute, lat.stall,
                lat.fill, lat.drain, layer.energy_pj, layer.peak_live_psums), strict=True))
        row["unmapped"] = reasons.get(name)
        rows.append(row)
    return pd.DataFrame(rows, columns=["workload", "dataflow", "layer", *NETWORK_COLUMNS,
                                       "unmapped"])


def comparison_frame(results: list[NetworkResult]) -> pd.DataFrame:
    """Every dataflow's network frame, one under the other (``dataflow`` tells them apart)."""
    import pandas as pd

    return pd.concat([network_frame(result) for result in results], ignore_index=True)


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame of JSON records (a multi-core result's cores, links, layers or tiles)."""
    import pandas as pd

    return pd.DataFrame(records)


def short_repr(kind: str, name: str, **figures: Any) -> str:
    """``Kind('name', energy_pj=3026.22, latency_cycles=81)``: what a result is and its
    headline figures, never its arrays or nested results."""
    shown = ", ".join(f"{key}={value!r}" for key, value in figures.items())
    return f"{kind}({name!r}{', ' if shown else ''}{shown})"
