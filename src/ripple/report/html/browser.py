"""Opening a report in headless Chromium, as the tests and the benchmark do.

Needs the ``playwright`` package (the test extra) and Debian's ``chromium`` (``apt-get install
chromium``): Playwright drives that binary, never a browser it downloads. The page is opened
with every request that is not the file itself refused and recorded, so a report that would
need the network shows it, and with its console errors and uncaught exceptions collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class ChromiumMissing(RuntimeError):
    """No Chromium where the browser tests look for it."""


@dataclass
class OpenedPage:
    page: Any  # playwright.sync_api.Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``); :class:`ChromiumMissing` when Debian's
    chromium is not installed."""
    if not CHROMIUM.exists():
        raise ChromiumMissing(f"{CHROMIUM} is missing: install Debian's chromium (as root: "
                              "apt-get update && apt-get install -y chromium); the browser "
                              "tests never download one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_report(browser: Any, report: Path, width: int = 1280) -> OpenedPage:
    """``report`` loaded in a new page of ``browser``, its figures drawn."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    opened = OpenedPage(page)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (opened.requests.append(route.request.url), route.abort()))
    page.goto(report.resolve().as_uri(), wait_until="load")
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
                              .every(p => p.querySelector('.main-svg'))""")
    return opened
