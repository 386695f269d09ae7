"""The HTML report of a large exploration: its size and how long headless Chromium takes to
open it (issue: reports). Targets: under 10 MB, open with every figure drawn in under 3 s.

By default it explores LeNet-5's conv2 on the seed-case architecture, the README's exploration
(6,531,840 mappings, a minute or two on 2 cores), then writes ``ripple report`` of it and
opens it three times in headless Debian chromium (``apt-get install chromium``; Playwright from
the test extra drives it). ``--export`` and ``--json`` reuse an exploration already made.

    python benchmarks/bench_report.py [--limit N] [--json RESULT.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 10 * 1000 * 1000
TARGET_SECONDS = 3.0
OPENINGS = 3


def _ripple(*args: str) -> float:
    """Run ``ripple ARGS`` as a user would; its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ripple.cli", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _explore(folder: Path, limit: int | None) -> Path:
    result = folder / "space.json"
    args = ["explore", "-w", "zoo:lenet5", "--layer", "conv2", "-a",
            str(ROOT / "examples" / "seed_case" / "arch.yaml"), "--export",
            str(folder / "space.parquet"), "--json", str(result)]
    seconds = _ripple(*args, *(["--limit", str(limit)] if limit else []))
    print(f"explored in {seconds:.1f} s")
    return result


def _open_seconds(report: Path) -> list[float]:
    from ripple.report.html.browser import chromium, open_report

    seconds = []
    with chromium() as browser:
        for _ in range(OPENINGS):
            start = time.perf_counter()
            opened = open_report(browser, report)
            seconds.append(time.perf_counter() - start)
            if opened.errors or opened.requests:
                raise SystemExit(f"the report failed in the browser: {opened.errors} "
                                 f"{opened.requests}")
            opened.page.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="explore only this many mappings")
    parser.add_argument("--json", type=Path, help="an exploration's JSON to report instead")
    parser.add_argument("--keep", type=Path, help="write the files here (default: a temporary "
                        "folder, removed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        result = args.json or _explore(folder, args.limit)
        rows = json.loads(result.read_text())["rows"]
        report = folder / "report.html"
        written = _ripple("report", str(result), "-o", str(report))
        size = report.stat().st_size
        opened = _open_seconds(report)
        print(f"mappings: {rows:,}")
        print(f"ripple report: {written:.1f} s (reads the export, bins it, finds the front)")
        print(f"report size: {size / 1e6:.2f} MB (target < {TARGET_BYTES / 1e6:.0f} MB: "
              f"{size / TARGET_BYTES:.2f} of it)")
        print("headless Chromium, open until every figure is drawn: "
              + ", ".join(f"{s:.2f} s" for s in opened)
              + f" (best {min(opened):.2f} s; target < {TARGET_SECONDS:.0f} s: "
                f"{min(opened) / TARGET_SECONDS:.2f} of it)")


if __name__ == "__main__":
    main()
