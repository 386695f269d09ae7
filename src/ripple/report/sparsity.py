"""Tables of the sparsity validation (Sparseloop's Table 7)."""

from __future__ import annotations

from rich.table import Table


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
