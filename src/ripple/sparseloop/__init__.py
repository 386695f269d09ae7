"""Sparseloop's side of a Timeloop specification: its ``sparse_optimizations`` file read into
the one model's option (``optimizations``), and Table 7 of the artifact evaluated through
``ripple evaluate --timeloop ... --sparse-opt`` (``table7``). The counting is the one model's
(:mod:`ripple.model.sparse_opt`, docs/sparseloop.md)."""
