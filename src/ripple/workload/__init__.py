"""Workload specifications: layers, MAC-free operations, networks, and their loaders."""

from ripple.workload.axis import AxisGeometry, count_pairs, valid_pairs
from ripple.workload.layer import (
    ALL_DIMS,
    INPUT_INDEXED_DIMS,
    OPERANDS,
    OUTPUT_INDEXED_DIMS,
    Densities,
    IndexKind,
    Layer,
    Operand,
    Precision,
)
from ripple.workload.loader import load_workload, workload_from_data
from ripple.workload.network import Workload
from ripple.workload.operation import OPERATION_KINDS, Operation
from ripple.workload.sources import load_any_workload

__all__ = [
    "ALL_DIMS",
    "INPUT_INDEXED_DIMS",
    "OPERANDS",
    "OPERATION_KINDS",
    "OUTPUT_INDEXED_DIMS",
    "AxisGeometry",
    "Densities",
    "IndexKind",
    "Layer",
    "Operand",
    "Operation",
    "Precision",
    "Workload",
    "count_pairs",
    "load_any_workload",
    "load_workload",
    "valid_pairs",
    "workload_from_data",
]
