"""Sparse tensors: density models (:mod:`.distributions`) and the storage and traffic a tile
occupies in a compressed format (:mod:`.formats`), both in expectation and exactly."""
