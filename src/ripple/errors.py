"""Errors a user can act on.

Every failure caused by input (a file, a field, a mapping that does not fit) is raised as a
:class:`RippleInputError`; the CLI prints its one-line message and exits with status 2.
"""

from __future__ import annotations

import reprlib

#: The longest rendering of a received value in an error message.
MAX_SHOWN = 80
_REPR = reprlib.Repr()  # keyword arguments need Python 3.12
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, MAX_SHOWN, MAX_SHOWN


def shown(value: object) -> str:
    """``value`` as an error message quotes it: at most :data:`MAX_SHOWN` characters, built
    without rendering the whole value (a received value may be a huge or deeply shared
    structure, whose full ``repr`` would not fit in memory)."""
    text = _REPR.repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


class RippleInputError(Exception):
    """Bad input: names the file, the field path and what was expected."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        self.detail = message
        prefix = ""
        if source:
            prefix += f"{source}: "
        if field:
            prefix += f"{field}: "
        super().__init__(prefix + message)


class MappingError(RippleInputError):
    """A mapping that does not fit the layer or the architecture (coverage, array, capacity)."""


class ModelError(RippleInputError):
    """A count the analytical model cannot give exactly for this input: the message says why
    and what to change (the model refuses rather than approximate)."""


class NothingToDo(Exception):
    """The work asked for is already done (``--resume`` of a complete exploration): the CLI
    prints the message and exits with status 0."""
