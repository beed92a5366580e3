"""The suite's clock: no test reads the real date.

Registered from tests/conftest.py. From the moment pytest starts (so module
constants such as ``TODAY = timezone.localdate()`` computed at collection are
covered too) the process runs at a fixed instant, and every test starts again
at that same instant, with the clock ticking (``tick=True``: timeouts, polling
loops and "a few seconds later" still behave). A test's own
``time_machine.travel(...)`` nests inside and ends back on the suite's clock.

The instant is ``RRCASE_TEST_NOW`` (an ISO 8601 datetime with its offset), by
default ``DEFAULT_NOW``. ``make test`` runs the suite at the default and then a
second time at ``SHIFTED_NOW`` (more than a year later, in summer time, in
another quarter, on another weekday): a test whose result changes with the date
fails one of the two runs, whatever the calendar says on the day it is run.

What runs outside this process follows the same clock where it can:

- Python subprocesses (a Celery worker, ``manage.py`` commands) started with
  the environment of ``os.environ``: ``PYTHONPATH`` carries
  tests/clock_site/sitecustomize.py, which moves the child's clock by the
  offset in ``RRCASE_TEST_CLOCK_OFFSET`` before anything else runs. It follows
  the suite's clock, not a test's own nested ``travel``.
- Chromium (tests/e2e): every browser context's JavaScript clock is
  installed at the suite's time (``browser_clock_start``). Cookies are unaffected: Django sends
  ``Max-Age``, which browsers apply from their own clock.
- PostgreSQL and Redis keep the real clock; the application asks neither for
  the time (no SQL ``now()``), and Redis expiries are relative.

A test that truly needs the real clock says so with
``@pytest.mark.real_clock("why")``: it runs on the real clock and so does any
subprocess it starts. Use it for nothing that depends on the date.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

ENV_NOW = "RRCASE_TEST_NOW"
ENV_OFFSET = "RRCASE_TEST_CLOCK_OFFSET"
# A Wednesday morning in winter (GMT), mid-quarter.
DEFAULT_NOW = "2026-11-18T10:00:00+00:00"
# The second run of `make test`: 20 months on, in British Summer Time, another
# quarter, month and weekday, and half past midnight in London (Friday 21 July)
# while it is still Thursday in UTC, so code that takes "today" from the wrong
# zone fails.
SHIFTED_NOW = "2028-07-20T23:30:00+00:00"
SITE_DIR = Path(__file__).resolve().parent / "clock_site"

_session_travel: time_machine.travel | None = None


def suite_now() -> datetime:
    """The instant every test starts at."""
    raw = os.environ.get(ENV_NOW) or DEFAULT_NOW
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise pytest.UsageError(f"{ENV_NOW}={raw!r} is not an ISO 8601 datetime") from None
    if value.tzinfo is None:
        raise pytest.UsageError(f"{ENV_NOW}={raw!r} needs a UTC offset, e.g. +00:00")
    return value


def real_time() -> float:
    """The machine's clock, whatever the suite's says (for the guard's own checks)."""
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def _travel_to_suite_now() -> time_machine.travel:
    # A POSIX timestamp rather than an aware datetime: time-machine sets the
    # process's TZ to a datetime's zone, which would then differ from the
    # Europe/London that Django sets.
    travel = time_machine.travel(suite_now().timestamp(), tick=True)
    travel.start()
    _publish_offset()
    return travel


def _publish_offset() -> None:
    """Tell Python subprocesses how far the suite's clock is from the real one."""
    os.environ[ENV_OFFSET] = repr(time.time() - real_time())


def _unpublish_offset() -> None:
    os.environ.pop(ENV_OFFSET, None)


def pytest_configure(config: pytest.Config) -> None:
    global _session_travel
    config.addinivalue_line(
        "markers",
        "real_clock(reason): runs on the machine's real clock instead of the suite's "
        "fixed one (tests/clock.py); never for anything that depends on the date",
    )
    paths = [str(SITE_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if _session_travel is None:
        _session_travel = _travel_to_suite_now()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _session_travel
    if _session_travel is not None:
        _session_travel.stop()
        _session_travel = None
    _unpublish_offset()


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: every test starts at {suite_now().isoformat()} ({ENV_NOW}; tests/clock.py)"


@pytest.fixture(autouse=True)
def _suite_clock(request: pytest.FixtureRequest):
    """Every test starts at the suite's instant, or on the real clock when it is
    marked real_clock (with a reason)."""
    global _session_travel
    marker = request.node.get_closest_marker("real_clock")
    if marker is None:
        travel = _travel_to_suite_now()
        yield
        travel.stop()
        _publish_offset()
        return
    if not (marker.args and str(marker.args[0]).strip()):
        pytest.fail("@pytest.mark.real_clock needs a reason: why this test needs the real clock")
    assert _session_travel is not None
    _session_travel.stop()
    _session_travel = None
    _unpublish_offset()
    yield
    _session_travel = _travel_to_suite_now()


def browser_clock_start() -> datetime:
    """Where a browser page's JavaScript clock starts (tests/e2e/conftest.py)."""
    return datetime.now(UTC)
