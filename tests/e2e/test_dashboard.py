"""A senior leader opens the progress dashboard, filters to pupil premium pupils in Year 6, drills into the
stuck pupils and exports the list."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in
from tests.schoolpl.factories import PASSWORD
from tests.targets.dashboard_factories import build_small_school

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leader_filters_drills_into_stuck_pupils_and_exports(browser_page, school, leader, teacher):
    build_small_school(school, teacher=teacher)
    page = browser_page
    log_in(page, "leader", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.get_by_role("link", name="Progress dashboard").first.click()
    page.get_by_role("heading", name="Progress dashboard").wait_for()
    assert "10 pupils in view" in page.locator("main").inner_text()
    assert page.locator("canvas[data-chart]").count() >= 3  # charts drawn beside their tables
    # The filters submit themselves once app.js has wired them (a deferred script; "Apply filters" works before)
    page.locator("select[data-autosubmit-ready]").first.wait_for(state="attached")

    with page.expect_navigation():
        page.get_by_label("Year group", exact=True).select_option(label="Year 6")
    with page.expect_navigation():
        page.get_by_label("Pupil group").select_option(label="Pupil premium")
    assert "3 pupils in view" in page.locator("main").inner_text()
    stuck_list = page.locator("#table-stuck")
    assert "Amelia Archer" in stuck_list.inner_text() and "Farhan Fofana" not in stuck_list.inner_text()

    page.get_by_role("link", name=re.compile(r"^Year 6 Reading, Stuck")).click()
    page.get_by_role("heading", name="Pupils behind this figure").wait_for()
    rows = page.locator("#table-pupils tbody tr")
    assert rows.count() == 1
    assert "Amelia Archer" in rows.first.inner_text()
    assert "Spring 2025" in rows.first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^CSV")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    assert lines[0].startswith("Pupil,Year group,Subject,Status,Since")
    assert lines[1].startswith("Amelia Archer,Year 6,Reading,Stuck,Spring 2025")
    assert len(lines) == 2
    page.console.assert_clean()


def test_the_dashboard_fits_a_laptop_and_a_keyboard_reaches_every_panel(browser_page, school, leader, teacher):
    """At 1280 and 1024 px the page never scrolls sideways, the overview table (all its status columns) fits
    its box, a contents bar links each panel, every table's scroll box takes keyboard focus, and the
    overview chart labels every bar."""
    build_small_school(school, teacher=teacher)
    page = browser_page
    log_in(page, "leader", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/targets/dashboard/")
        page.get_by_role("heading", name="Progress dashboard").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        table, box = page.locator("#table-overview"), page.locator("#table-overview").locator("xpath=..")
        assert table.bounding_box()["width"] <= box.bounding_box()["width"] + 1
        assert "Stuck" in table.locator("thead").inner_text()
    contents = page.get_by_role("navigation", name="Dashboard sections")
    contents.get_by_role("link", name="Group gaps").click()
    assert page.evaluate("location.hash") == "#h-gaps"
    regions = page.locator(".table-responsive")
    assert regions.count() >= 3
    assert all(regions.nth(i).get_attribute("tabindex") == "0" for i in range(regions.count()))
    assert "Who each table counts" in page.locator("#dashboard-counts").inner_text()
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))")
    skipped = page.evaluate(
        "(() => { const c = Chart.getChart(document.querySelector('canvas[data-chart]'));"
        " return c.options.scales.y.ticks.autoSkip; })()"
    )
    assert skipped is False
    page.console.assert_clean()
