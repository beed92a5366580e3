"""The browser's JavaScript clock follows the suite's (tests/clock.py), so a
page that computes with dates sees the same day as the server."""

from __future__ import annotations

import time


def test_the_pages_clock_is_the_suites_not_the_machines(page):
    browser_now = page.evaluate("Date.now()") / 1000
    assert abs(browser_now - time.time()) < 60


def test_a_tests_own_browser_context_follows_it_too(browser):
    context = browser.new_context()
    try:
        browser_now = context.new_page().evaluate("Date.now()") / 1000
    finally:
        context.close()
    assert abs(browser_now - time.time()) < 60
