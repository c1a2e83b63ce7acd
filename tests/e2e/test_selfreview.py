"""A SIP completes phase 1 for two features by keyboard, reloads, finds it saved, opens the priorities and prints."""

from __future__ import annotations

import datetime as dt

import pytest

from selfreview.models import AnnexItem, Rating
from tests.e2e.conftest import log_in
from tests.schoolpl.factories import PASSWORD, MembershipFactory, SchoolFactory, UserFactory
from tests.selfreview.factories import ReviewFactory, ensure_annex

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Phase 1 for feature 2 (target setting and tracking) and feature 3 (focused assessment).
WANTED = {"2a": "2", "2b": "3", "2c": "4", "2d": "1", "3a": "2", "3b": "3", "3c": "4"}


@pytest.fixture
def sip_and_review(transactional_db):
    ensure_annex()
    school = SchoolFactory(name="Greenfield Primary School")
    sip = UserFactory(username="sip.ward", first_name="Alan", last_name="Ward")
    MembershipFactory(user=sip, school=school, role="sip")
    review = ReviewFactory(school=school, phase_dates=(dt.date(2025, 10, 15), dt.date(2026, 2, 10), None))
    return sip, review


def test_sip_completes_phase_1_for_two_features_and_prints_the_priorities(browser_page, sip_and_review):
    sip, review = sip_and_review
    items = {i.code: i.pk for i in AnnexItem.objects.filter(code__in=WANTED)}
    page = browser_page
    page.add_init_script("window.print = function () { document.body.dataset.printed = 'yes'; };")
    log_in(page, sip.username, PASSWORD)
    page.goto("/self-review/")
    page.get_by_role("link", name="Annual self-review", exact=True).click()
    page.get_by_role("heading", name="Annual self-review", level=1).wait_for()

    for code, value in WANTED.items():
        select = page.get_by_label(f"Phase 1 rating for {code}", exact=True)
        select.focus()
        page.keyboard.press(value)  # type the rating
        page.locator(f"#st-{items[code]}-1").get_by_text("Saved").wait_for()
    notes = page.get_by_label("Phase 1 notes for 3c", exact=True)
    notes.fill("APP used in Years 2 and 6 only")
    page.keyboard.press("Tab")  # leaving the field saves it
    page.locator(f"#st-{items['3c']}-1").get_by_text("Saved").wait_for()

    page.reload()
    for code, value in WANTED.items():
        assert page.get_by_label(f"Phase 1 rating for {code}", exact=True).input_value() == value
    assert page.get_by_label("Phase 1 notes for 3c", exact=True).input_value() == "APP used in Years 2 and 6 only"
    assert Rating.objects.filter(review=review, phase=1).count() == 7

    page.get_by_role("link", name="Priorities").first.click()
    page.get_by_role("heading", name="Items rated 3 or 4 in phase 1").wait_for()
    priorities = page.locator("table.annex-priorities").inner_text()
    for code in ("2b", "2c", "3b", "3c"):
        assert code in priorities
    for code in ("2a", "2d", "3a"):
        assert code not in priorities
    assert page.locator("canvas[data-chart-ready]").count() == 1  # the chart drew

    page.get_by_role("link", name="Print the report").click()
    page.get_by_role("heading", name="Greenfield Primary School: self-review").wait_for()
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("document.body.dataset.printed") == "yes"
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()  # the menu is not printed
    assert "APP used in Years 2 and 6 only" in page.locator("main").inner_text()
    page.console.assert_clean()
