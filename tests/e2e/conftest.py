"""Browser journeys: Playwright driving the machine's Chromium (Debian's
package at /usr/bin/chromium; no browser is ever downloaded) against a live
server, with an axe-core check on every page a test visits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.clock import browser_clock_start

# Playwright's sync API runs an event loop in this thread; Django refuses ORM
# calls from such a thread unless told the test is not really async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without these, Chromium tries to reach Google's services from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Every page's JavaScript clock runs from the suite's time, not the
        # machine's (tests/clock.py), like the live server it talks to: each
        # context, the page fixture's or a test's own, gets it installed.
        open_context = browser.new_context

        def new_context(**options):
            context = open_context(**options)
            context.clock.install(time=browser_clock_start())
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


class AccessibilityGate:
    """Runs axe on a page and remembers which URLs were checked."""

    def __init__(self, page):
        self.page = page
        self.checked: set[str] = set()
        self.visited: set[str] = set()
        page.on(
            "framenavigated",
            lambda frame: frame == page.main_frame and self.visited.add(_path(frame.url)),
        )

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"axe on {self.page.url}:\n" + "\n".join(serious)
        self.checked.add(_path(self.page.url))


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets the test inject axe; the pages' own scripts still run
    # under the real policy in every other test.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    gate = AccessibilityGate(page)
    page.axe = gate
    yield page
    unchecked = gate.visited - gate.checked - {""}
    context.close()
    assert not unchecked, f"pages visited without an axe check: {sorted(unchecked)}"
