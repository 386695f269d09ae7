"""The report as one HTML file that needs nothing else: styles and plotly.js inline, no
request to the network when it opens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from ripple import __version__
from ripple.errors import RippleInputError
from ripple.report.html.kinds import KINDS, sections
from ripple.report.json_out import write_text

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; }
.table-wrap { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; font-size: .9em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; white-space: nowrap; }
th, td { border: 1px solid #ddd; padding: .25em .6em; white-space: nowrap; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 1.5em 0; } figcaption { color: #555; font-size: .9em; }
nav li { margin: .2em 0; } .note { color: #555; }
"""


@dataclass
class ReportInput:
    """A result document, where it came from (named in errors and headings) and the folder
    relative paths in it are read from."""

    source: str
    document: dict[str, Any]
    base: Path


def load_result(path: str) -> ReportInput:
    """A result JSON file; one that is missing or not JSON is an error naming it."""
    try:
        document = json.loads(Path(path).read_text())
    except OSError as exc:
        raise RippleInputError(f"cannot read it ({exc.strerror})", source=path) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise RippleInputError(f"not JSON ({exc})", source=path) from None
    return ReportInput(path, document, Path(path).resolve().parent)


def report_html(inputs: list[ReportInput]) -> str:
    """The whole page for ``inputs``, one section each."""
    built = [(item, *sections(item.document, item.source, item.base)) for item in inputs]
    toc = "".join(f'<li><a href="#result-{i}">{escape(KINDS[kind][0])}: '
                  f"{escape(item.source)}</a></li>" for i, (item, kind, _) in enumerate(built))
    body = "\n".join(
        f'<section class="result" id="result-{i}" data-doc="{i}" data-kind="{kind}">'
        f"<h2>{escape(KINDS[kind][0])}: {escape(item.source)}</h2>\n" + "\n".join(parts)
        + "</section>" for i, (item, kind, parts) in enumerate(built))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Ripple report</title><style>{STYLE}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
            f"<h1>Ripple report</h1><p class='note'>Written by ripple {__version__}. Numbers in "
            "tables are the JSON results' own: integers exact, others rounded to the decimals "
            "shown (hover a number for its exact value).</p>"
            f"<nav><ul>{toc}</ul></nav>{body}</body></html>")


def write_report(inputs: list[ReportInput], target: str) -> None:
    """Write the report of ``inputs`` to ``target`` (atomically: no partial file)."""
    write_text(report_html(inputs), target)
