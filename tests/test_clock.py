"""The suite's clock (tests/clock.py): no test, and no process a test starts,
reads the machine's date."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.clock import real_time, suite_now

# Evaluated while the suite is collected, before any test starts.
COLLECTED_ON = timezone.localdate()


def child_time(**env: str) -> float:
    """time.time() as a Python subprocess started by this test sees it."""
    result = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(result.stdout)


def test_every_test_starts_at_the_suites_instant():
    now = timezone.now()
    assert suite_now() <= now < suite_now() + timedelta(seconds=30)
    assert timezone.localdate() == timezone.localtime(suite_now()).date()
    # Module constants computed during collection see the same date.
    assert timezone.localtime(suite_now()).date() == COLLECTED_ON


def test_the_suites_clock_ticks():
    before = time.time()
    time.sleep(0.05)
    assert time.time() - before >= 0.05


def test_a_tests_own_travel_nests_and_returns_to_the_suites_clock():
    with time_machine.travel(datetime(2020, 2, 29, 12, tzinfo=UTC), tick=False):
        assert timezone.now() == datetime(2020, 2, 29, 12, tzinfo=UTC)
    assert suite_now() <= timezone.now() < suite_now() + timedelta(seconds=30)


def test_a_python_subprocess_follows_the_suites_clock():
    assert abs(child_time() - time.time()) < 30


def test_a_python_subprocess_refuses_to_run_on_a_clock_it_cannot_follow():
    with pytest.raises(subprocess.CalledProcessError) as failure:
        child_time(RRCASE_TEST_CLOCK_OFFSET="not a number")
    assert failure.value.returncode == 70
    assert "cannot follow the suite's clock" in failure.value.stderr


@pytest.mark.real_clock("checks that the opt-out really gives the machine's clock")
def test_the_opt_out_runs_on_the_real_clock_and_so_do_its_subprocesses():
    assert abs(time.time() - real_time()) < 5
    assert abs(child_time() - real_time()) < 30
