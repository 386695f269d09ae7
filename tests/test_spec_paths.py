"""Files named inside specification files resolve relative to the file and stay in its
folder; the error never quotes what lies outside."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ripple.errors import RippleInputError
from ripple.multicore import load_multicore
from ripple.workload.densities import load_density_table
from tests.conftest import EXAMPLES

CORE = EXAMPLES / "multicore" / "core_16mac.yaml"
SECRET = "password: hunter2\n"


def _machine(folder: Path, arch: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "machine.yaml"
    path.write_text(f"cores:\n  - {{name: c0, arch: \"{arch}\"}}\n")
    return path


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file beside the specification's folder, which it must not reach."""
    path = tmp_path / "secret.yaml"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize(("arch", "words"), [
    ("../secret.yaml", "'../secret.yaml' leads out of this file's folder"),
    ("sub/../../secret.yaml", "leads out of this file's folder"),
    ("{outside}", "is an absolute path"),
    ("link.yaml", "'link.yaml' leads out of this file's folder"),
    ('a\\0b.yaml', "holds a NUL character"),
])
def test_a_core_file_outside_the_folder_is_refused(tmp_path, outside, arch, words):
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    path = _machine(folder, arch.format(outside=outside))
    with pytest.raises(RippleInputError) as caught:
        load_multicore(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: cores[0].arch: "), message
    assert words in message and "hunter2" not in message


def test_a_core_file_in_a_subfolder_loads(tmp_path):
    (tmp_path / "cores").mkdir()
    (tmp_path / "cores" / "core.yaml").write_text(CORE.read_text())
    machine = load_multicore(_machine(tmp_path, "cores/core.yaml"))
    assert machine.cores == ["c0"]


def test_a_density_tensor_outside_the_folder_is_refused(tmp_path):
    np.save(tmp_path / "acts.npy", np.ones((2, 2)))
    folder = tmp_path / "spec"
    folder.mkdir()
    table = folder / "densities.yaml"
    table.write_text("densities:\n  default: {I: ../acts.npy}\n")
    with pytest.raises(RippleInputError, match=r"densities\.default\.I: '\.\./acts\.npy' leads "
                                               "out of this file's folder"):
        load_density_table(table)
    os.replace(tmp_path / "acts.npy", folder / "acts.npy")
    table.write_text("densities:\n  default: {I: acts.npy}\n")
    assert load_density_table(table).default["I"].density == 1.0
