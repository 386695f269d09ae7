"""The command line imports the heavy libraries only where a command uses them, so that
``ripple --help`` starts fast (the time itself: ``benchmarks/bench_startup.py``)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXAMPLES

HEAVY = ("onnx", "matplotlib", "dask", "distributed", "pandas", "plotly", "pyarrow")


def _imported_after(statement: str) -> set[str]:
    code = (f"import sys\n{statement}\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(proc.stdout.split())


def test_cli_imports_no_heavy_library():
    assert _imported_after("import ripple.cli.main") == set()


def test_help_imports_no_heavy_library():
    statement = ("from ripple.cli.main import build_parser\n"
                 "build_parser().format_help()")
    assert _imported_after(statement) == set()


def test_a_command_still_loads_what_it_needs():
    """The lazy modules are real: reading an ONNX model imports onnx (the check above could
    not fail if nothing were ever imported)."""
    model = EXAMPLES / "onnx" / "lenet5.onnx"
    statement = ("from ripple.cli.main import main\n"
                 f"main(['workload', {str(model)!r}, '--json', '/dev/null'])")
    assert "onnx" in _imported_after(statement)
