"""Every file and folder a command will write, checked before the command reads its first
input: a target that is a folder where a file is expected (or the reverse), that lies under a
file, or whose folder refuses new files ends the run in one line, instead of a traceback after
minutes of work.

The targets are found by the option names every command uses for them, so a new command's
``--json FILE`` or ``--plot DIR`` is checked without being listed here.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from ripple.errors import RippleInputError

#: Options naming a file to write ('-' is stdout where the option allows it).
FILE_OPTIONS = ("json", "export", "log", "trace", "animate", "report_html", "output")
#: Options naming a folder to write files into.
FOLDER_OPTIONS = ("plot", "out")


def check_outputs(args: argparse.Namespace) -> None:
    """Check every output target ``args`` names (see :data:`FILE_OPTIONS`)."""
    inputs = _input_files(args)
    for option in FILE_OPTIONS:
        target = getattr(args, option, None)
        if isinstance(target, str) and target != "-":
            flag = f"--{option.replace('_', '-')}"
            check_file_target(target, flag)
            if Path(target).resolve() in inputs:  # inputs: existing files only
                raise RippleInputError("is an input of this command; writing it would "
                                       "replace the input: expected another file",
                                       source=target, field=flag)
    for option in FOLDER_OPTIONS:
        target = getattr(args, option, None)
        if isinstance(target, str):
            check_folder_target(target, f"--{option}")


def check_file_target(target: str, option: str) -> None:
    """``target`` can be created (or replaced) as a file."""
    path = Path(target)
    if path.is_dir():
        raise RippleInputError("is a folder; expected a file to write", source=target,
                               field=option)
    if path.name in ("", ".", ".."):
        raise RippleInputError("names no file; expected a file to write", source=target,
                               field=option)
    _check_writable_folder(path.parent, target, option)


def check_folder_target(target: str, option: str) -> None:
    """``target`` is a folder, or can be made one."""
    path = Path(target)
    if path.exists() and not path.is_dir():
        raise RippleInputError("exists and is not a folder; expected a folder to write into",
                               source=target, field=option)
    _check_writable_folder(path, target, option)


def _check_writable_folder(folder: Path, target: str, option: str) -> None:
    """The nearest existing folder on the way to ``folder`` accepts a new file (tried, not
    inferred from permission bits, which root and read-only mounts both defeat); a missing
    folder below it will be made by the writer."""
    existing = folder if str(folder) else Path(".")
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise RippleInputError(f"{existing} is a file, not a folder", source=target,
                               field=option)
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".ripple-probe-")
    except OSError as exc:
        raise RippleInputError(f"cannot write into {existing} ({exc.strerror})", source=target,
                               field=option) from None
    try:
        os.close(fd)
    finally:  # a signal here must not leave the probe behind
        os.unlink(probe)


def _input_files(args: argparse.Namespace) -> set[Path]:
    """The existing files the command's other options and arguments name (its inputs)."""
    values: list[object] = []
    for name, value in vars(args).items():
        if name not in FILE_OPTIONS and name not in FOLDER_OPTIONS:
            values.extend(value if isinstance(value, list | tuple) else [value])
    return {Path(v).resolve() for v in values if isinstance(v, str) and v and Path(v).is_file()}
