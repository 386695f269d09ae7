"""``explore --save-best DIR`` and ``--save-front DIR``: the optimum, or every Pareto point, of
each layer as a mapping file that ``ripple evaluate -m`` and ``ripple simulate -m`` read."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ripple.errors import RippleInputError


def add_save_options(explore: argparse.ArgumentParser) -> None:
    explore.add_argument("--save-best", metavar="DIR",
                         help="write each layer's optimum as a mapping YAML (best_LAYER.yaml)")
    explore.add_argument("--save-front", metavar="DIR", help="write each layer's Pareto points "
                         "as mapping YAML files (front_LAYER_I.yaml)")


def check_save_options(args: argparse.Namespace) -> None:
    """Refuse, before the exploration runs, what cannot be saved."""
    if args.save_best and args.objective == "pareto":
        raise RippleInputError("--save-best saves one optimum: give --objective energy, "
                               "latency or edp (or --save-front DIR for the Pareto front)")
    for flag, folder in (("--save-best", args.save_best), ("--save-front", args.save_front)):
        if folder and Path(folder).exists() and not Path(folder).is_dir():
            raise RippleInputError("exists and is not a folder; give a folder for the mapping "
                                   "files", source=folder, field=flag)


def save_explored(args: argparse.Namespace, document: dict[str, Any]) -> None:
    from ripple.dse.saved import save_mappings

    given = [("-w", args.workload), ("-a", args.arch), ("--layer", args.layer),
             ("--constraints", args.constraints), ("--objective", args.objective),
             *(("--density", value) for value in getattr(args, "density", None) or [])]
    command = "ripple explore " + shlex.join(
        [part for flag, value in given if value for part in (flag, value)]
        + (["--digits"] if getattr(args, "digits", False) else []))
    for folder, front in ((args.save_best, False), (args.save_front, True)):
        if folder:
            written = save_mappings(document, folder, front=front, command=command)
            print(f"wrote {len(written)} mapping file(s) into {folder}", file=sys.stderr)
