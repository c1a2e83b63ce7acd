"""pytest plugin for CI (``make test STRICT=1``): a skipped or xfailed test is a failure, and so is a run
that collected no tests."""

import pytest


def pytest_runtest_logreport(report):
    if report.skipped:
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped tests are not allowed in strict mode: {reason}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if session.testscollected == 0:
        session.exitstatus = 1
