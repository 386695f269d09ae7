"""``ripple init DIR``: the bundled examples copied into ``DIR/examples``, so that the README's
commands run from ``DIR`` after a package install."""

from __future__ import annotations

import argparse

from ripple.examples import copy_examples, example_files


def add_init_command(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="copy the bundled examples into DIR/examples")
    init.add_argument("folder", metavar="DIR", help="the folder to create or fill")
    init.set_defaults(run=_init)


def _init(args: argparse.Namespace) -> int:
    target = copy_examples(args.folder)
    print(f"wrote {len(example_files())} example files into {target}; from {args.folder}, "
          f"try: ripple evaluate -w examples/seed_case/workload.yaml -a "
          f"examples/seed_case/arch.yaml -m examples/seed_case/mapping_event_driven.yaml")
    return 0
