"""Which dataflows skip zero activations on an architecture that does not say.

An event-driven array is triggered by input events: a zero activation raises none, so nothing it
would trigger happens (docs/sparsity.md). That is what the dataflow is, not an extra circuit, so
the event-driven preset skips zero inputs at the MACs on any architecture whose ``mac.sparsity``
is unset. The stationary dataflows step through their schedule whatever the data; they skip or
gate only when the architecture's ``mac.sparsity`` says so, and then every dataflow does.
"""

from __future__ import annotations

from ripple.arch.sparsity_spec import MacSparsity
from ripple.arch.spec import Architecture
from ripple.dse.presets import resolve

EVENT_DRIVEN = MacSparsity(action="skip", condition_on=["I"])


def sparse_architecture(arch: Architecture, dataflow: str) -> Architecture:
    """``arch`` as ``dataflow`` runs on it when activations may be zero."""
    if arch.mac.sparsity is not None or resolve(dataflow).name != resolve("ed").name:
        return arch
    return arch.model_copy(update={"mac": arch.mac.model_copy(update={"sparsity": EVENT_DRIVEN})})
