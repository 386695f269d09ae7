"""Shared test helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "ripple" / "examples"
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``ripple`` CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "ripple.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def cli_json(*args: str) -> dict:
    proc = run_cli(*args, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def seed_dir() -> Path:
    return EXAMPLES / "seed_case"
