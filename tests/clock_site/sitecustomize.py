"""Loaded by every Python subprocess a test starts (tests/clock.py puts this
directory on PYTHONPATH): moves the child's clock to the suite's, so a Celery
worker or a manage.py command sees the same date as the test that started it.

Without RRCASE_TEST_CLOCK_OFFSET (a test marked real_clock, or a process not
started by the suite) it does nothing.
"""

import os
import sys

_offset = os.environ.get("RRCASE_TEST_CLOCK_OFFSET")
if _offset:
    try:
        import time

        import time_machine

        time_machine.travel(time.time() + float(_offset), tick=True).start()
    except Exception as error:
        sys.stderr.write(f"tests/clock_site: cannot follow the suite's clock: {error!r}\n")
        os._exit(70)
