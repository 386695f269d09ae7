"""Workload specifications: layers, their sizes and precisions, and their loaders."""

from ripple.workload.axis import AxisGeometry, count_pairs, valid_pairs
from ripple.workload.layer import (
    ALL_DIMS,
    INPUT_INDEXED_DIMS,
    OPERANDS,
    OUTPUT_INDEXED_DIMS,
    IndexKind,
    Layer,
    Operand,
    Precision,
)
from ripple.workload.loader import Workload, load_workload, workload_from_data

__all__ = [
    "ALL_DIMS",
    "INPUT_INDEXED_DIMS",
    "OPERANDS",
    "OUTPUT_INDEXED_DIMS",
    "AxisGeometry",
    "IndexKind",
    "Layer",
    "Operand",
    "Precision",
    "Workload",
    "count_pairs",
    "load_workload",
    "valid_pairs",
    "workload_from_data",
]
