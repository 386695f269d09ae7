"""Sparseloop-compatible evaluation of Timeloop specifications.

Ripple's own model counts accesses under its documented conventions (docs/accesses.md). To
validate its sparsity rules against the published Sparseloop results, this package evaluates a
Timeloop/Sparseloop specification (problem, architecture, energy reference table, mapping and
sparse optimisations) under *Timeloop's* conventions, in closed form: sliding-window deltas
between consecutive tiles, multicast of identical data, spatial reduction of partial sums, and
Sparseloop's expected-value treatment of densities, compressed formats and gating
(docs/sparseloop.md).
"""
