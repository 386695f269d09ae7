"""Built-in examples shipped with the package (the seed case of SPEC section 4), and
:func:`copy_examples`, which ``ripple init`` uses to put them where a user can run and edit
them."""

from __future__ import annotations

import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

from ripple.errors import RippleInputError

SEED_MAPPINGS = ("weight_stationary", "input_scatter", "event_driven")
#: The kinds of file the examples hold (and the wheel ships: pyproject's package data): the
#: specifications, LeNet-5 as ONNX, and the notebook.
EXAMPLE_SUFFIXES = (".yaml", ".onnx", ".ipynb")


def example_path(*parts: str) -> Path:
    """Path of a file under the installed ``ripple/examples`` folder."""
    return Path(str(files("ripple.examples").joinpath(*parts)))


def example_files() -> list[Path]:
    """Every example file, relative to the examples folder."""
    root = example_path()
    return sorted(path.relative_to(root) for path in root.rglob("*")
                  if path.is_file() and path.suffix in EXAMPLE_SUFFIXES)


def copy_examples(folder: str | Path) -> Path:
    """Copy the examples into ``folder/examples`` (created, with ``folder``, if missing) and
    return it. An existing ``folder/examples`` is left alone (it may hold edits): refused. The
    copy is made beside the target and renamed, so no half-copied folder is left behind."""
    folder = Path(folder)
    target = folder / "examples"
    if folder.exists() and not folder.is_dir():
        raise RippleInputError("exists and is not a folder", source=str(folder))
    if target.exists():
        raise RippleInputError("already holds examples; remove them or choose another folder",
                               source=str(target))
    root = example_path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".examples."))
    except OSError as exc:
        raise RippleInputError(f"cannot write here ({exc.strerror})", source=str(folder)) from None
    try:
        for relative in example_files():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / relative, staging / relative)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
