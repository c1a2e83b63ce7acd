"""The annex grid, priorities, exports and the printable report, as each role sees them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

import schoolpl.evidence
from selfreview.models import AnnexItem, Rating
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
from tests.selfreview import evidence_provider
from tests.selfreview.factories import ReviewFactory, make_pupil, rate

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def no_evidence(monkeypatch):
    monkeypatch.setattr(schoolpl.evidence, "app_modules", lambda name: [])


@pytest.fixture
def test_evidence(monkeypatch):
    evidence_provider.CALLS.clear()
    monkeypatch.setattr(schoolpl.evidence, "app_modules", lambda name: [evidence_provider])
    return evidence_provider.CALLS


def _url(name, review, **kw):
    return reverse(f"selfreview:{name}", kwargs={"pk": review.pk, **kw})


def _cell_data(code="1a", phase=1, rating=2, version=0, notes=""):
    return {
        "item": AnnexItem.objects.get(code=code).pk,
        "phase": phase,
        "rating": rating,
        "notes": notes,
        "evidence_links": "",
        "version": version,
    }


def test_leader_sees_the_grid_with_a_control_for_every_item_and_phase(school, leader, client_as, no_evidence):
    review = ReviewFactory(school=school)
    response = client_as(leader, school).get(_url("review_detail", review))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('name="rating"') == 96  # 32 items × 3 phases
    assert html.count("data-annex-rating") == 96
    for item in AnnexItem.objects.all():
        assert item.text.replace("'", "&#x27;") in html
    assert "Checklist prompts" in html  # guidance, collapsible
    assert "20 Dec 2025" in html  # phase 1 date in the column heading


def test_teacher_reads_the_grid_without_inputs_and_cannot_post(school, teacher, client_as, no_evidence):
    review = ReviewFactory(school=school)
    rate(review, {("1a", 1): 3})
    client = client_as(teacher, school)
    html = client.get(_url("review_detail", review)).content.decode()
    assert "<select" not in html and "<textarea" not in html
    assert "An aspect needing development" in html  # the 3 shown read-only with its meaning
    assert client.post(_url("rating_save", review), _cell_data(), **HTMX).status_code == 403
    assert client.post(_url("review_phases", review), {"phase_1_date": "2025-10-01"}).status_code == 403
    assert Rating.objects.get().rating == 3


def test_another_schools_review_is_a_404(school, other_school, outsider, leader, client_as, no_evidence):
    theirs = ReviewFactory(school=other_school)
    client = client_as(leader, school)
    for name in ("review_detail", "review_priorities", "review_report", "rating_save"):
        method = client.post if name == "rating_save" else client.get
        assert method(_url(name, theirs)).status_code == 404


def test_sip_saves_a_cell_by_htmx_and_gets_the_new_version(school, sip, client_as, no_evidence):
    review = ReviewFactory(school=school)
    item = AnnexItem.objects.get(code="2b")
    response = client_as(sip, school).post(
        _url("rating_save", review), _cell_data("2b", 1, 4, notes="Few flags"), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="ver-{item.pk}-1" value="1" hx-swap-oob="true"' in html
    assert "Saved" in html
    row = Rating.objects.get()
    assert (row.rating, row.notes, row.updated_by) == (4, "Few flags", sip)


def test_conflict_shows_the_colleagues_value_with_keep_mine_and_use_theirs(school, leader, sip, client_as, no_evidence):
    review = ReviewFactory(school=school)
    client = client_as(leader, school)
    client.post(_url("rating_save", review), _cell_data("3c", 2, 2, notes="Leader's note"), **HTMX)
    client = client_as(sip, school)
    response = client.post(_url("rating_save", review), _cell_data("3c", 2, 4, notes="SIP's note"), **HTMX)
    html = response.content.decode()
    item = AnnexItem.objects.get(code="3c")
    assert response["HX-Retarget"] == f"#cell-{item.pk}-2"
    assert leader.display_name in html and "Leader&#x27;s note" in html
    assert "Keep mine" in html and "Use theirs" in html
    assert "SIP&#x27;s note" in html  # the SIP's own text is kept in the form
    assert f'id="ver-{item.pk}-2" value="1"' in html  # "keep mine" now saves over version 1
    assert Rating.objects.get().rating == 2
    # Use theirs: the cell as saved.
    fresh = client.get(_url("rating_cell", review), {"item": item.pk, "phase": 2}, **HTMX).content.decode()
    assert '<option value="2" title="An established feature needing some further development" selected>' in fresh
    # Keep mine.
    client.post(_url("rating_save", review), _cell_data("3c", 2, 4, version=1, notes="SIP's note"), **HTMX)
    assert Rating.objects.get().rating == 4


def test_a_rating_of_5_is_refused(school, leader, client_as, no_evidence):
    review = ReviewFactory(school=school)
    response = client_as(leader, school).post(_url("rating_save", review), _cell_data(rating=5))
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_phase_dates_out_of_order_are_refused_with_a_message(school, leader, client_as, no_evidence):
    review = ReviewFactory(school=school)
    client = client_as(leader, school)
    response = client.post(
        _url("review_phases", review),
        {"phase_1_date": "2026-03-01", "phase_2_date": "2026-02-01", "phase_3_date": ""},
        follow=True,
    )
    assert "must be after" in response.content.decode()
    assert list(review.phases.values_list("date", flat=True)) == [
        dt.date(2025, 12, 20),
        dt.date(2026, 3, 31),
        dt.date(2026, 7, 20),
    ]


def test_grid_query_count_does_not_grow_with_pupils_or_ratings(
    school, leader, client_as, django_assert_max_num_queries, no_evidence
):
    review = ReviewFactory(school=school)
    client = client_as(leader, school)
    # session, user, memberships (access) + review + features + items + phases + ratings + windows + savepoints
    # + the pupil and parent voice panel's surveys (none here; with surveys, two more each)
    with django_assert_max_num_queries(13):
        client.get(_url("review_detail", review))
    for n in range(40):
        make_pupil(school, upn=f"A8012000{n:05d}"[:13], forename=f"Pupil{n}", surname="Tester")
    rate(review, {(item.code, p): 2 for item in AnnexItem.objects.all() for p in (1, 2, 3)})
    with django_assert_max_num_queries(13):
        client.get(_url("review_detail", review))


def test_evidence_appears_beside_its_item_for_each_dated_phase(school, leader, client_as, test_evidence):
    make_pupil(school, upn="B801200005001", forename="Amelia", surname="Zebedee")
    review = ReviewFactory(school=school, phase_dates=(dt.date(2025, 12, 20), None, None))
    html = client_as(leader, school).get(_url("review_detail", review)).content.decode()
    assert html.count("1 pupils on roll (test figure)") == 1  # phase 1 only: the others have no date
    assert "Counted pupils on roll in the test provider." in html
    assert reverse("selfreview:review_list") + "?from=evidence" in html
    # The 3c figure sits in 3c's row, the 2b figure (with no page behind it) in 2b's row, without a link.
    rows = re.split(r'<th scope="row"', html)
    row_3c = next(r for r in rows if '"annex-code">3c<' in r)
    row_2b = next(r for r in rows if '"annex-code">2b<' in r)
    assert "test figure" in row_3c and "Pupils off trajectory" in row_2b
    assert "See the figures" not in row_2b
    assert "Pupils off trajectory" not in row_3c


def test_evidence_period_is_the_term_that_ended_last_before_the_phase_date(school, leader, client_as, test_evidence):
    year = AcademicYearFactory(school=school)
    AssessmentWindowFactory(
        academic_year=year, name="Autumn 2025", start_date=dt.date(2025, 9, 1), end_date=dt.date(2025, 12, 19)
    )
    AssessmentWindowFactory(
        academic_year=year, name="Spring 2026", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 31)
    )
    review = ReviewFactory(school=school, phase_dates=(dt.date(2026, 1, 10), dt.date(2026, 4, 1), dt.date(2026, 5, 1)))
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0), tick=False):  # every phase past
        html = client_as(leader, school).get(_url("review_detail", review)).content.decode()
    assert test_evidence == [
        (school.pk, dt.date(2025, 9, 1), dt.date(2025, 12, 19)),
        (school.pk, dt.date(2026, 1, 5), dt.date(2026, 3, 31)),
        (school.pk, dt.date(2026, 1, 5), dt.date(2026, 3, 31)),
    ]
    assert "Period: Autumn 2025." in html and "Period: Spring 2026." in html


def test_evidence_without_a_term_looks_back_13_weeks(school, leader, client_as, test_evidence):
    review = ReviewFactory(school=school, phase_dates=(dt.date(2025, 12, 20), None, None))
    client_as(leader, school).get(_url("review_detail", review))
    assert test_evidence == [(school.pk, dt.date(2025, 9, 20), dt.date(2025, 12, 20))]


def test_absent_providers_contribute_nothing(school, leader, client_as, no_evidence):
    review = ReviewFactory(school=school)
    html = client_as(leader, school).get(_url("review_detail", review)).content.decode()
    assert "annex-evidence" not in html


def test_sip_sees_no_pupil_names_or_upns_anywhere(school, sip, client_as, test_evidence):
    pupils = [
        make_pupil(school, upn="B801200005001", forename="Amelia", surname="Zebedee"),
        make_pupil(school, upn="R674123101121", forename="Barnaby", surname="Quixley"),
    ]
    review = ReviewFactory(school=school)
    rate(review, {("3c", 1): 3, ("3c", 2): 4})
    client = client_as(sip, school)
    for name in ("review_detail", "review_priorities", "review_report"):
        html = client.get(_url(name, review)).content.decode()
        assert "test figure" in html or name == "review_priorities"
        for pupil in pupils:
            for secret in (pupil.upn, pupil.legal_forename, pupil.legal_surname):
                assert secret not in html, f"{secret} shown to the SIP on {name}"
    csv = client.get(_url("review_export", review, fmt="csv")).content.decode()
    assert "Amelia" not in csv and "B801200005001" not in csv


def test_priorities_page_lists_items_rated_3_or_4_with_movement(school, teacher, client_as, no_evidence):
    review = ReviewFactory(school=school)
    rate(
        review,
        {
            ("1a", 1): 4,
            ("1a", 2): 3,  # improved by 1
            ("1b", 1): 2,
            ("1b", 2): 4,  # declined by 2
            ("3c", 1): 3,
            ("3c", 2): 3,  # no change
            ("9c", 2): 4,  # new
            ("2a", 1): 4,
            ("2a", 2): 2,  # no longer a priority
        },
    )
    response = client_as(teacher, school).get(_url("review_priorities", review))
    ctx = response.context
    assert ctx["latest_phase"] == 2
    got = [
        (g.feature.number, [(p.code, p.rating, p.previous_rating, p.movement, p.change) for p in g.items])
        for g in ctx["priorities"]
    ]
    assert got == [
        (1, [("1a", 3, 4, "improved", 1), ("1b", 4, 2, "declined", -2)]),
        (3, [("3c", 3, 3, "no change", 0)]),
        (9, [("9c", 4, None, "new", None)]),
    ]
    html = response.content.decode()
    assert "Improved by 1" in html and "Declined by 2" in html and "No change" in html and "New" in html
    averages = {row["feature"].number: row["averages"] for row in ctx["averages"]}
    assert averages[1] == [3.0, 3.5, None]
    assert averages[2] == [4.0, 2.0, None]
    assert averages[5] == [None, None, None]
    assert ctx["chart"]["data"]["datasets"][1]["data"][0] == 3.5
    assert 'data-chart="averages-chart"' in html and 'id="averages-chart"' in html
    assert "<caption>Average rating by feature and phase</caption>" in html  # the table beside the chart


def test_priorities_query_count_is_constant(school, leader, client_as, django_assert_max_num_queries, no_evidence):
    review = ReviewFactory(school=school)
    rate(review, {(item.code, 1): 3 for item in AnnexItem.objects.all()})
    client = client_as(leader, school)
    # session, user, memberships (access) + review + phases + ratings + features + session save
    # (+ savepoint/release on PostgreSQL)
    with django_assert_max_num_queries(10):
        client.get(_url("review_priorities", review))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ratings_export(school, leader, client_as, fmt, no_evidence):
    review = ReviewFactory(school=school)
    rate(review, {("1a", 1): 3})
    Rating.objects.update(notes='=HYPERLINK("x")')
    response = client_as(leader, school).get(_url("review_export", review, fmt=fmt))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert len(text.strip().splitlines()) == 1 + 96
        assert "'=HYPERLINK" in text  # formula escaped


def test_print_report_has_school_name_dates_every_item_and_priorities(school, teacher, client_as, test_evidence):
    review = ReviewFactory(school=school)
    rate(review, {("4c", 1): 4})
    Rating.objects.update(notes="No impact data kept")
    html = client_as(teacher, school).get(_url("review_report", review)).content.decode()
    assert "Greenfield Primary School" in html
    assert "20 December 2025" in html and "31 March 2026" in html and "20 July 2026" in html
    for item in AnnexItem.objects.all():
        assert f"{item.code} {item.letter}) {item.text}".replace("'", "&#x27;") in html
    assert "No impact data kept" in html
    assert "Items rated 3 or 4 in phase 1" in html
    assert "test figure" in html and "Counted pupils on roll" in html
    assert "data-print" in html


def test_pdf_report_renders_as_an_a4_pdf(school, leader, client_as, no_evidence):
    review = ReviewFactory(school=school)
    rate(review, {("1a", 1): 3})
    response = client_as(leader, school).get(_url("review_report_pdf", review))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_pdf_layout_contains_the_school_name_and_every_item(school, leader, rf, no_evidence):
    """Lay the PDF out with WeasyPrint and read back the text of its pages."""
    from django.template.loader import render_to_string
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TextBox

    from selfreview import selectors
    from selfreview.annex import ANNEX_TITLE, GUIDANCE_LEAD_IN, PHASES, RATING_SCALE

    review = ReviewFactory(school=school)
    rate(review, {("1a", 1): 3, ("9c", 2): 4})
    context = {
        "review": review,
        "school": school,
        "rating_scale": RATING_SCALE,
        "phase_numbers": PHASES,
        "annex_title": ANNEX_TITLE,
        "lead_in": GUIDANCE_LEAD_IN,
        **selectors.review_grid(review),
        **selectors.priorities_summary(review),
    }
    document = HTML(string=render_to_string("selfreview/report_pdf.html", context)).render()
    words = []
    for page in document.pages:
        words += [box.text for box in page._page_box.descendants() if isinstance(box, TextBox)]
    # Lines wrap anywhere (after "/" too), so compare without whitespace.
    text = "".join("".join(words).split())
    assert "GreenfieldPrimarySchool" in text
    for item in AnnexItem.objects.all():
        assert "".join(item.text.split()) in text, item.code
    assert len(document.pages) >= 2
    # A4: 210 mm × 297 mm at 96 CSS px per inch.
    assert round(document.pages[0].width / 96 * 25.4) == 210
    assert round(document.pages[0].height / 96 * 25.4) == 297
