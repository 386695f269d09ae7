"""Tables of the sparsity validation (Sparseloop's Table 7)."""

from __future__ import annotations

from rich.table import Table

from ripple.report.tables import unmapped_caption
from ripple.results.network import NetworkResult


def _error(value: float | None) -> str:
    return "" if value is None else f"{value:+.2%}"


def table7_tables(rows: list[dict]) -> list[Table]:
    """Cycles, energy and computes per layer, then per-component energy where the reference
    gives it."""
    summary = Table(title="Eyeriss v1, AlexNet: Ripple vs Sparseloop (Table 7)")
    computes = Table(title="Effectual computes (MACs)")
    for table, columns in ((summary, ("layer", "cycles", "Sparseloop", "err", "energy uJ",
                                      "Sparseloop", "err")),
                           (computes, ("layer", "sparse opt", "dense", "Ripple", "Sparseloop",
                                       "err"))):
        for column in columns:
            table.add_column(column, justify="left" if column in ("layer", "sparse opt")
                             else "right")
    for row in rows:
        cycles, energy, macs = row["cycles"], row["energy_uJ"], row["computes"]
        summary.add_row(row["layer"], f"{cycles['ripple']:,.0f}", f"{cycles['sparseloop']:,}",
                        _error(cycles["rel_error"]), f"{energy['ripple']:,.2f}",
                        f"{energy['sparseloop']:,.2f}", _error(energy["rel_error"]))
        computes.add_row(row["layer"], row["sparse_opt"], f"{macs['dense']:,}",
                         f"{macs['ripple']:,.0f}", f"{macs['sparseloop']:,}",
                         _error(macs["rel_error"]))
    tables = [summary, computes]
    for row in rows:
        components = row["components"]
        if all(c["sparseloop_uJ"] is None for c in components.values()):
            continue
        table = Table(title=f"{row['layer']}: energy per component (uJ)")
        for column in ("component", "Ripple", "Sparseloop", "err"):
            table.add_column(column, justify="left" if column == "component" else "right")
        for name, c in components.items():
            table.add_row(name, f"{c['ripple_uJ']:,.2f}", f"{c['sparseloop_uJ']:,.2f}",
                          _error(c["rel_error"]))
        tables.append(table)
    return tables


def _ratio(dense: float, sparse: float) -> str:
    return f"{dense / sparse:.2f}x" if sparse else ""


def dense_sparse_table(pairs: list[tuple[NetworkResult, NetworkResult]]) -> Table:
    """Per dataflow, the whole network on dense data and with the given densities; a dataflow
    marked * skips zero operands (the rule is in the JSON's ``sparsity``)."""
    from ripple.dse.presets import ALIASES

    short = {full: alias for alias, full in ALIASES.items()}
    table = Table(title=f"{pairs[0][0].name}, whole network: dense vs sparse (* skips zeros)",
                  caption=unmapped_caption([r for pair in pairs for r in pair]))
    for column in ("dataflow", "cycles", "sparse", "gain", "energy nJ", "sparse", "gain",
                   "MACs sparse"):
        table.add_column(column, justify="left" if column == "dataflow" else "right")
    for dense, sparse in pairs:
        skips = any(r.extras.get("sparsity", {}).get("action") == "skip" for r in sparse.layers)
        table.add_row(short.get(dense.dataflow, dense.dataflow) + (" *" if skips else ""),
                      f"{dense.latency_cycles:,.0f}", f"{sparse.latency_cycles:,.0f}",
                      _ratio(dense.latency_cycles, sparse.latency_cycles),
                      f"{dense.energy_pj / 1e3:,.0f}", f"{sparse.energy_pj / 1e3:,.0f}",
                      _ratio(dense.energy_pj, sparse.energy_pj),
                      f"{sum(r.macs_issued for r in sparse.layers):,.0f}")
    return table


def real_tensor_table(rows: list) -> Table:
    """Model (expected, actual density) against simulator (exact, real tensors) per layer; the
    energies are in the JSON."""
    from ripple.dse.presets import ALIASES

    short = {full: alias for alias, full in ALIASES.items()}
    table = Table(title="LeNet-5 on a digits test image: simulator on the real tensors vs model")
    for column in ("layer", "df", "d(I)", "MACs exact", "sim", "model", "cycles sim", "model"):
        table.add_column(column, justify="left" if column in ("layer", "df") else "right")
    for r in rows:
        table.add_row(r.layer, short.get(r.dataflow, r.dataflow), f"{r.input_density:.3f}",
                      f"{r.macs_exact:,}", f"{r.macs_simulated:,.0f}", f"{r.macs_expected:,.0f}",
                      f"{r.cycles_simulated:,.0f}", f"{r.cycles_expected:,.0f}")
    return table
