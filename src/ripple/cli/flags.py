"""Numeric flags checked as they are parsed: a count that must be positive, a worker count
bounded by the machine, a size in GB. A bad value ends in one line naming the flag and what
it expected (exit 2), before any file is read.

Why bounds and not just types: ``--limit -5`` used to explore everything, ``--batch-size 0``
to crash in ``range`` and ``--workers 1000`` to fork a thousand processes on a two-core box.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import NoReturn

#: The largest count a flag takes: what the int64 columns of an export can hold.
MAX_COUNT = 2**63 - 1


class _StoreOnce(argparse._StoreAction):
    """argparse's ``store``, refusing an option given twice (``-w A -n B``, two spellings
    of one option): argparse would keep the last one silently."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        given = namespace.__dict__.setdefault("_given_options", set())
        if option_string is not None and self.dest in given:
            parser.error(f"{'/'.join(self.option_strings)} given more than once "
                         f"({option_string} {values} repeats it); give it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (the usage is in ``--help``),
    like every other error of ``ripple``; exit status 2 as argparse's own. An option given
    twice is an error too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def error(self, message: str) -> NoReturn:
        print(f"ripple: error: {self.prog}: {message} (see '{self.prog} --help')",
              file=sys.stderr)
        sys.exit(2)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text[:40]!r}") from None


def positive_count(text: str) -> int:
    """An integer from 1 to :data:`MAX_COUNT`."""
    value = _integer(text)
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to {MAX_COUNT:,}, got "
                                         f"{text[:40]}")
    return value


def cpu_count() -> int:
    """The processors this process may run on (its affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(text: str) -> int:
    """Local worker processes: from 1 to the processors available; more only slow the run
    down (each worker is a whole interpreter) and a thousand exhaust the machine."""
    value = _integer(text)
    limit = cpu_count()
    if not 1 <= value <= limit:
        raise argparse.ArgumentTypeError(f"expected from 1 to {limit} (the processors this "
                                         f"machine gives ripple), got {value:,}")
    return value


def positive_size(text: str) -> float:
    """A finite size greater than zero (GB)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text[:40]!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text[:40]}")
    return value


def seed(text: str) -> int:
    """A seed NumPy accepts: not negative."""
    value = _integer(text)
    if not 0 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to {MAX_COUNT:,}")
    return value


def resource_options(parser: argparse.ArgumentParser) -> None:
    """--max-memory and --force: the two ways past a refused estimate (ripple.resources)."""
    parser.add_argument("--max-memory", type=positive_size, metavar="GB",
                        help="refuse a run estimated to need more memory (default: 80%% of "
                             "this machine's, or the ulimit -v when lower)")
    parser.add_argument("--force", action="store_true",
                        help="run even when the estimates pass the limits")
