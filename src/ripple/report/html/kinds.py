"""Which command wrote a result document, told from its keys, and the report parts of each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ripple.errors import RippleInputError
from ripple.report.html.cells import Cell, num, table
from ripple.report.html.explore import explore_section, search_section
from ripple.report.html.layer import layer_section
from ripple.report.html.multicore import multicore_section
from ripple.report.html.network import networks_section
from ripple.report.html.sparsity import sparsity_section

#: kind -> (what it is, the keys that tell it)
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "layer": ("one layer, one mapping (evaluate, simulate)",
              frozenset({"layer", "mapping", "macs", "energy_breakdown_pj", "accesses"})),
    "network": ("a network under a dataflow (evaluate --dataflow)",
                frozenset({"workload", "dataflow", "layers", "total"})),
    "comparison": ("dataflows compared (compare)", frozenset({"comparison"})),
    "search": ("a search to the optimum (explore without --export)",
               frozenset({"searches", "mappings_in_space", "layers"})),
    "exploration": ("an exploration (explore)", frozenset({"export", "objective", "layers"})),
    "multicore": ("a multi-core schedule (multicore)",
                  frozenset({"machine", "cores", "tiles", "transfers"})),
    "table7": ("Sparseloop's Table 7 (sparsity table7)", frozenset({"table7"})),
    "lenet5_digits": ("real tensors of the digits LeNet-5 (sparsity lenet5)",
                      frozenset({"lenet5_digits"})),
}


def kind_of(document: Any, source: str) -> str:
    """The kind of ``document``; a document of none is an error naming ``source``."""
    if isinstance(document, dict):
        for kind, (_, keys) in KINDS.items():
            if keys <= document.keys():
                return kind
    raise RippleInputError("not a Ripple result: expected the JSON written by --json of "
                           "evaluate, simulate, compare, explore, multicore or sparsity",
                           source=source)


def sections(document: dict[str, Any], source: str, base: Path) -> tuple[str, list[str]]:
    """The kind of ``document`` and its report parts."""
    kind = kind_of(document, source)
    build: dict[str, Callable[[], list[str]]] = {
        "layer": lambda: layer_section(document),
        "network": lambda: networks_section(document, [()]),
        "comparison": lambda: _comparison(document),
        "search": lambda: search_section(document),
        "exploration": lambda: explore_section(document, source, base),
        "multicore": lambda: multicore_section(document),
        "table7": lambda: sparsity_section(document, "table7"),
        "lenet5_digits": lambda: sparsity_section(document, "lenet5_digits"),
    }
    try:
        return kind, build[kind]()
    except (KeyError, IndexError, TypeError) as exc:
        raise RippleInputError(f"a {kind} result missing or misshaping {exc}: write it again "
                               "with this version of ripple", source=source) from None


def _comparison(doc: dict[str, Any]) -> list[str]:
    entries = doc["comparison"]
    if not entries or "dense" not in entries[0]:
        return networks_section(doc, [("comparison", i) for i in range(len(entries))])
    rows: list[list[Cell]] = []
    for i, entry in enumerate(entries):
        dense, sparse = ("comparison", i, "dense", "total"), ("comparison", i, "sparse", "total")
        rows.append([entry["dataflow"], *[num(doc, (*side, *key)) for key in
                                          (("latency_cycles",), ("energy_pj",),
                                           ("macs", "issued")) for side in (dense, sparse)]])
    summary = table("whole network, dense against sparse",
                    ["dataflow", "cycles dense", "cycles sparse", "energy pJ dense",
                     "energy pJ sparse", "MACs dense", "MACs sparse"], rows)
    return [summary,
            *networks_section(doc, [("comparison", i, "dense") for i in range(len(entries))],
                              "dense"),
            *networks_section(doc, [("comparison", i, "sparse") for i in range(len(entries))],
                              "sparse")]
