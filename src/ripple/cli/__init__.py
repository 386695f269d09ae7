"""The ``ripple`` command line."""

from ripple.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
