"""Readable tables of results (rich). Presentation only: every number comes from a result."""

from __future__ import annotations

from rich.table import Table

from ripple.results.network import NetworkResult
from ripple.results.result import LayerResult


def _fmt(value: float) -> str:
    whole = not isinstance(value, float) or value.is_integer()
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _sparsity_line(result: LayerResult) -> str:
    """What skipping or gating did, against the dense schedule (empty for a dense result)."""
    report = result.extras.get("sparsity")
    if report is None:
        return ""
    densities = ", ".join(f"{op} {d:.3g}" for op, d in report["densities"].items())
    dense = report["dense"]
    gated = f", {_fmt(report['macs_gated'])} gated" if report["action"] == "gate" else ""
    return (f"\n{report['action']} on zero {' or '.join(report['condition_on'])} (density "
            f"{densities}): {_fmt(report['macs_effectual'])} effectual MACs{gated} | dense: "
            f"{_fmt(dense['macs_issued'])} MACs, {_fmt(dense['latency_cycles'])} cycles, "
            f"{dense['energy_pj']:,.2f} pJ")


def _sparse_opt_line(result: LayerResult) -> str:
    """What Sparseloop's optimisations did (``--sparse-opt``; empty without them): the MACs
    left and the energy of the actions that are neither a read nor a write."""
    report = result.extras.get("sparse_opt")
    if report is None:
        return ""
    other = sum(pj for per_operand in result.action_energy_pj.values()
                for actions in per_operand.values() for pj in actions.values())
    return (f"\nSparseloop's optimisations: {_fmt(report['effectual_macs'])} effectual of "
            f"{_fmt(report['dense_macs'])} MACs | metadata and (de)compression {other:,.2f} pJ "
            "(in the energy, not in the columns)")


def layer_table(result: LayerResult) -> Table:
    """Accesses and energy per memory and operand for one layer (expected values, with two
    decimals, for a sparse result of the model); the MACs' energy, neither a read nor a
    write, is in the caption."""
    lat = result.latency
    mac_pj = result.energy_breakdown()["mac"]
    table = Table(
        title=f"{result.layer.name} | {result.mapping_name}",
        caption=(
            f"MACs issued {_fmt(result.macs_issued)} (valid {result.macs_valid:,}) | cycles "
            f"{_fmt(lat.total)} (compute {_fmt(lat.compute)}, stall {_fmt(lat.stall)}, fill "
            f"{_fmt(lat.fill)}, drain {_fmt(lat.drain)}) | energy {result.energy_pj:,.2f} pJ "
            f"(MACs {_fmt(mac_pj)} pJ, memories in the table) | "
            f"peak live psums {result.peak_live_psums:,}{_sparsity_line(result)}"
            f"{_sparse_opt_line(result)}"
        ),
    )
    for column in ("memory", "operand", "reads", "writes", "final writes", "read pJ", "write pJ"):
        table.add_column(column, justify="left" if column in ("memory", "operand") else "right")
    energy = result.energy_breakdown()
    for name, per_operand in result.accesses.items():
        for op, acc in per_operand.items():
            e = energy[name][op]
            table.add_row(name, op, _fmt(acc.reads), _fmt(acc.writes), _fmt(acc.final_writes),
                          _fmt(e["read"]), _fmt(e["write"]))
    return table


def comparison_table(results: list[LayerResult], title: str) -> Table:
    """Several mappings of the same layer side by side, with the energy breakdown."""
    table = Table(title=title, caption="\n".join(f"{r.mapping_name}: {r.nest}" for r in results))
    table.add_column("")
    for result in results:
        table.add_column(result.mapping_name, justify="right")

    def row(label: str, values: list[str]) -> None:
        table.add_row(label, *values)

    row("MACs issued", [_fmt(r.macs_issued) for r in results])
    row("  of which invalid", [_fmt(r.macs_issued - r.macs_valid) for r in results])
    row("cycles", [_fmt(r.latency.total) for r in results])
    for op, label in (("I", "I reads"), ("W", "W reads")):
        row(label, [_fmt(_operand_total(r, op, 'reads')) for r in results])
    row("O reads", [_fmt(_operand_total(r, 'O', 'reads')) for r in results])
    row("O writes (final)", [
        f"{_fmt(_operand_total(r, 'O', 'writes'))} "
        f"({_fmt(_operand_total(r, 'O', 'final_writes'))})"
        for r in results
    ])
    row("peak live psums", [f"{r.peak_live_psums:,}" for r in results])
    row("energy pJ", [f"{r.energy_pj:,.2f}" for r in results])
    row("  MAC", [_fmt(r.energy_breakdown()["mac"]) for r in results])
    for op in ("I", "W", "O"):
        row(f"  {op}", [_fmt(_operand_energy(r, op)) for r in results])
    return table


def _operand_total(result: LayerResult, operand: str, key: str) -> float:
    return sum(getattr(per[operand], key) for per in result.accesses.values() if operand in per)


def _operand_energy(result: LayerResult, operand: str) -> float:
    breakdown = result.energy_breakdown()
    breakdown.pop("mac")
    return sum(sum(per[operand].values()) for per in breakdown.values() if operand in per)


def unmapped_caption(results: list[NetworkResult]) -> str | None:
    """The layers a dataflow could not map, each with the reason (None when all were)."""
    lines = [u.reason for r in results for u in r.unmapped]
    return "\n".join([*lines, "totals leave out the layers not mapped"]) if lines else None


def dataflow_table(results: list[NetworkResult]) -> Table:
    """One row per layer and dataflow: cycles (compute / stall), energy, MACs, live psums; a
    layer a dataflow could not map gets a row saying so and its reason in the caption, and
    the totals of that dataflow leave it out."""
    from ripple.dse.presets import ALIASES

    short = {full: alias for alias, full in ALIASES.items()}
    legend = ", ".join(f"{short.get(r.dataflow, r.dataflow)} = {r.dataflow}" for r in results)
    title = (f"{results[0].name} under {results[0].dataflow}" if len(results) == 1
             else f"{results[0].name}: dataflows compared ({legend})")
    table = Table(title=title, caption=unmapped_caption(results))
    columns = ("layer", "dataflow", "cycles", "compute", "stall", "fill+drain", "energy nJ",
               "MACs issued", "peak live psums")
    for column in columns:
        table.add_column(column, justify="left" if column in ("layer", "dataflow") else "right")
    per_layer = [{r.layer.name: r for r in result.layers} for result in results]
    for name in dict.fromkeys(n for result in results for n in result.layer_names):
        for result, layers in zip(results, per_layer, strict=True):
            flow = short.get(result.dataflow, result.dataflow)
            r = layers.get(name)
            if r is None:
                table.add_row(name, flow, "not mapped", *[""] * (len(columns) - 3))
                continue
            lat = r.latency
            table.add_row(name, flow, _fmt(lat.total), _fmt(lat.compute), _fmt(lat.stall),
                          _fmt(lat.fill + lat.drain), f"{r.energy_pj / 1e3:,.2f}",
                          _fmt(r.macs_issued), f"{r.peak_live_psums:,}")
        table.add_section()
    for result in results:
        total = result.total()
        lat = total.get("latency", {})
        table.add_row("total", short.get(result.dataflow, result.dataflow),
                      _fmt(total.get('latency_cycles', 0)),
                      _fmt(lat.get('compute', 0)), _fmt(lat.get('stall', 0)),
                      _fmt(lat.get('fill', 0) + lat.get('drain', 0)),
                      f"{total.get('energy_pj', 0) / 1e3:,.2f}",
                      _fmt(total.get('macs', {}).get('issued', 0)),
                      f"{total['peak_live_psums']:,}")
    return table


def explore_summary(document: dict) -> Table:
    """The optimum (or the Pareto front) of each layer of an exploration."""
    status = "complete" if document["complete"] else "PARTIAL (interrupted; --resume finishes it)"
    if document.get("limit_per_layer"):
        status += f", the first {document['limit_per_layer']:,} mappings of each layer (--limit)"
    table = Table(title=f"exploration: {document['rows']:,} rows in {document['export']} "
                        f"({status}), objective {document['objective']}")
    for column in ("layer", "evaluated", "valid", "energy pJ", "cycles", "loops"):
        table.add_column(column, justify="left" if column in ("layer", "loops") else "right")
    for layer in document["layers"]:
        chosen = layer.get("pareto_front") or [layer.get("best")]
        for row in chosen:
            if not row:
                continue
            table.add_row(layer["layer"], f"{layer['evaluated']:,}", f"{layer['valid']:,}",
                          f"{row['energy_pj']:,.2f}", f"{row['latency_cycles']:,}",
                          f"{row['loops']} | {row['spatial']} ({row['index']})")
        report = layer.get("report")
        if report:
            table.add_row("", "", "", "", "", (
                f"latency optimum costs {report['latency_optimum_energy_loss_pct']:.1f}% more "
                f"energy; energy optimum {report['energy_optimum_latency_loss_pct']:.1f}% more "
                f"cycles; within 1/5/10% of the energy optimum: "
                f"{'/'.join(str(v) for v in report['within_of_optimum']['energy'].values())}"))
    if "total" in document:
        total = document["total"]
        table.add_row("total", "", "", f"{total['energy_pj']:,.2f}",
                      f"{total['latency_cycles']:,}", "")
    return table


def search_summary(document: dict) -> Table:
    """A search's optimum (or Pareto front) of each layer, how much of its space was evaluated
    and how much the bounds pruned, and the network total."""
    sample = document.get("sample")
    how = (f"{sample['mappings']:,} mappings drawn a layer (seed {sample['seed']})" if sample
           else "pruned search")
    densities = document.get("densities")
    under = ""
    if densities:
        given = ", ".join(f"{op}={value:g}" for op, value in densities["default"].items())
        per_layer = " and per layer" if densities.get("layers") else ""
        under = f", expected counts under densities {given or '(none by default)'}{per_layer}"
    table = Table(title=f"exploration without export ({how}{under}), objective "
                        f"{document['objective']}: {document['searches']} distinct layer(s) "
                        f"searched")
    for column in ("layer", "space", "evaluated", "pruned", "energy pJ", "cycles", "loops"):
        table.add_column(column, justify="left" if column in ("layer", "loops") else "right")
    for layer in document["layers"]:
        s = layer["search"]
        space = f"{s['mappings']:,} ({s['skeletons']:,} sk.)"
        evaluated = f"{s['mappings_evaluated']:,} ({s['skeletons_evaluated']:,} sk.)"
        pruned = f"{s['mappings_pruned']:,} ({s['skeletons_pruned']:,} sk.)"
        if s["explored_as"]:
            evaluated = pruned = f"as {s['explored_as']}"
        for row in layer.get("pareto_front") or [layer.get("best")]:
            if row:
                table.add_row(layer["layer"], space, evaluated, pruned,
                              f"{row['energy_pj']:,.2f}", f"{row['latency_cycles']:,}",
                              f"{row['loops']} | {row['spatial']} ({row['index']})")
                space = evaluated = pruned = ""
    if "total" in document:
        total = document["total"]
        table.add_row("total", "", "", "", f"{total['energy_pj']:,.2f}",
                      f"{total['latency_cycles']:,}", "")
    return table
