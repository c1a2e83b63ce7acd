"""``python -m tests.clocked_celery <celery arguments>``: the Celery command line, on the test run's clock.

A worker started by a test is another process, out of reach of the run's time-machine; this starts it at
the moment the run lives in (``SCHOOLPL_TEST_NOW``, set by tests/isolation.py), ticking from there.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import time_machine

if __name__ == "__main__":
    time_machine.travel(dt.datetime.fromisoformat(os.environ["SCHOOLPL_TEST_NOW"]), tick=True).start()
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
