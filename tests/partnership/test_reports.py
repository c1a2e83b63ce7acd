"""Termly reports for parents: contents in plain words, the PDF, the release gate, emails and the send log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnership import reporting, services
from partnership.models import Report, ReportRun, ReportSend
from tests.interventions.factories import PlaceFactory, ProgrammeFactory, ProvisionFactory
from tests.partnership import factories as f
from tests.schoolpl.test_pdf import web_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year6(school):
    """A hand-built Year 6 pupil: level 4 secure in reading (on track), 3a in maths (behind), targets, a tutor."""
    window = f.window_of(school)
    earlier = f.window_of(school, "Summer 2025", dt.date(2025, 4, 14), dt.date(2025, 7, 22))
    reading, maths = f.subject(school, "reading", "Reading", 1), f.subject(school, "maths", "Mathematics", 2)
    pupil = f.pupil(school, legal_forename="Maya", legal_surname="Hassan")
    f.judgement(pupil, reading, earlier, "4c", 25)
    f.judgement(pupil, reading, window, "4b", 27)
    f.judgement(pupil, maths, window, "3a", 23)
    f.status(pupil, reading, window, "on_track")
    f.status(pupil, maths, window, "behind", expected=25, actual=23)
    f.numeric_target(pupil, reading, 33, dt.date(2026, 7, 1))
    f.curricular_target(pupil, "Explain how a writer builds suspense", reading, pupil_words="I can say why it is scary")
    f.curricular_target(pupil, "Recall the 7 and 8 times tables", maths)
    tutor = f.tutor_user(school)
    tutor.first_name, tutor.last_name = "Ruth", "Cole"
    tutor.save()
    f.tutor_of(tutor, pupil)
    f.contact(pupil, "Amira Hassan", "amira@example.org")
    f.contact(pupil, "Sami Hassan", "sami@example.org", relationship="Father", preferred_language="Arabic")
    f.contact(pupil, "Gran", "gran@example.org", parental_responsibility=False)
    f.contact(pupil, "No Email", "")
    return {"pupil": pupil, "window": window, "tutor": tutor}


def test_report_contents_in_plain_words_for_a_hand_built_pupil(school, year6):
    content = reporting.build_contents(school, year6["window"], [year6["pupil"]])[year6["pupil"].pk]
    assert content["pupil"]["name"] == "Maya Hassan"
    assert content["pupil"]["year"] == "Year 6"
    subjects = {s["name"]: s for s in content["subjects"]}
    assert subjects["Reading"]["words"] == "working at level 4, secure (4b)"
    assert subjects["Reading"]["status_words"] == "On track"
    assert subjects["Reading"]["target"] == "working at level 5, secure (5b) by July 2026"
    assert subjects["Mathematics"]["words"] == "working at level 3, high (3a)"
    assert subjects["Mathematics"]["status_words"] == "A little behind where we expect"
    assert content["on_track"] is False
    assert content["summary"].startswith("Your child is on track or ahead in 1 of 2 subjects")
    assert [t["text"] for t in content["targets"]] == [
        "Explain how a writer builds suspense",
        "Recall the 7 and 8 times tables",
    ] or {t["text"] for t in content["targets"]} == {
        "Explain how a writer builds suspense",
        "Recall the 7 and 8 times tables",
    }
    assert any("times tables" in tip for tip in content["help_at_home"])  # maths is behind and has a target
    assert content["tutor"] == "Ruth Cole"
    assert content["chart"]["labels"] == ["Summer 2025", "Autumn 2025"]
    assert {"name": "Reading", "points": [25, 27]} in content["chart"]["series"]


def test_report_lists_extra_support_from_the_coverage_provider(school, year6):
    today = timezone.localdate()
    programme = ProgrammeFactory(school=school, name="reading catch-up, three times a week", wave=2)
    provision = ProvisionFactory(
        programme=programme, start_date=today - dt.timedelta(days=7), end_date=today + dt.timedelta(days=30)
    )
    PlaceFactory(provision=provision, pupil=year6["pupil"])
    content = reporting.build_contents(school, year6["window"], [year6["pupil"]])[year6["pupil"].pk]
    assert content["support"] == ["Wave 2: reading catch-up, three times a week"]


def test_generation_is_idempotent_and_keeps_released_reports(school, year6):
    other = f.pupil(school)
    f.pupil(school, year_group=5)  # another year group: not written
    first = services.reports_generate(school=school, window=year6["window"], year_group=6)
    assert first == {"created": 2, "updated": 0, "kept": 0}
    again = services.reports_generate(school=school, window=year6["window"], year_group=6)
    assert again == {"created": 0, "updated": 2, "kept": 0}
    assert Report.objects.count() == 2
    services.reports_release(
        school=school, window=year6["window"], year_group=6, released_by=None,
        report_ids=[Report.objects.get(pupil=other).pk],
    )  # fmt: skip
    third = services.reports_generate(school=school, window=year6["window"], year_group=6)
    assert third == {"created": 0, "updated": 1, "kept": 1}


def test_the_run_records_progress_and_runs_through_the_outbox(
    school, year6, leader, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_start(school=school, window=year6["window"], year_group=6, started_by=leader)
    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.percent) == (ReportRun.Status.DONE, 1, 1, 100)
    assert Report.objects.filter(window=year6["window"], pupil=year6["pupil"]).exists()


def test_pdf_renders_an_a4_document_with_the_chart(school, year6):
    import weasyprint

    from partnership.pdf import report_html, report_pdf

    services.reports_generate(school=school, window=year6["window"], year_group=6)
    report = Report.objects.get()
    data = report_pdf(report)
    assert data.startswith(b"%PDF")
    html = report_html(report)
    assert "Maya Hassan" in html and "working at level 4, secure" in html
    assert 'src="data:image/svg+xml;base64,' in html  # the server-side chart
    pages = weasyprint.HTML(string=html).render().pages
    px_per_mm = 96 / 25.4
    assert (round(pages[0].width / px_per_mm), round(pages[0].height / px_per_mm)) == (210, 297)  # A4
    assert len(pages) <= 2


def test_nothing_is_sent_before_release(school, year6):
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    report = Report.objects.get()
    with pytest.raises(ValidationError):
        services.report_email(report=report, link="https://x/", sent_by=None)
    with pytest.raises(ValidationError):
        services.report_mark_printed(report=report, sent_by=None)
    with pytest.raises(ValidationError):
        services.report_mark_read(report=report)
    assert mail.outbox == []
    assert ReportSend.objects.count() == 0


def test_send_button_emails_only_released_reports_once_each_and_logs_every_send(client_as, school, leader, year6):
    second = f.pupil(school)
    f.contact(second, "Second Parent", "second@example.org")
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    client = client_as(leader, school)
    url_kwargs = {"window_pk": year6["window"].pk, "year": 6}
    client.post(reverse("partnership:report_send", kwargs=url_kwargs))
    assert mail.outbox == []  # nothing released yet

    services.reports_release(
        school=school, window=year6["window"], year_group=6, released_by=leader,
        report_ids=[Report.objects.get(pupil=year6["pupil"]).pk],
    )  # fmt: skip
    client.post(reverse("partnership:report_send", kwargs=url_kwargs))
    # Both parents with parental responsibility and an email; not Gran, not the contact without email,
    # and nobody for the unreleased report.
    assert sorted(m.to[0] for m in mail.outbox) == ["amira@example.org", "sami@example.org"]
    report = Report.objects.get(pupil=year6["pupil"])
    link = reverse("partnership:portal_report", kwargs={"pk": report.pk})
    assert all(link in m.body for m in mail.outbox)
    assert "Arabic" in next(m.body for m in mail.outbox if m.to == ["sami@example.org"])
    assert ReportSend.objects.filter(report=report, channel="email").count() == 2

    client.post(reverse("partnership:report_send", kwargs=url_kwargs))  # again: nobody emailed twice
    assert len(mail.outbox) == 2


def test_release_view_releases_the_set_and_a_senco_cannot(client_as, school, leader, senco, year6):
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    url = reverse("partnership:report_release", kwargs={"window_pk": year6["window"].pk, "year": 6})
    assert client_as(senco, school).post(url).status_code == 403
    assert Report.objects.get().status == Report.Status.DRAFT
    assert client_as(leader, school).post(url).status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.RELEASED and report.released_by == leader


def test_report_pages_render_for_staff(client_as, school, leader, year6):
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    report = Report.objects.get()
    client = client_as(leader, school)
    page = client.get(reverse("partnership:report", kwargs={"pk": report.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Draft: not yet released" in html
    assert 'data-chart="report-chart"' in html and "<caption>Assessment points by window" in html
    pdf = client.get(reverse("partnership:report_pdf", kwargs={"pk": report.pk}))
    assert pdf["Content-Type"] == "application/pdf"


def test_report_lists_query_counts_do_not_grow_with_pupils(client_as, school, leader, year6):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(leader, school)
    set_url = reverse("partnership:report_set", kwargs={"window_pk": year6["window"].pk, "year": 6})

    def counts():
        services.reports_generate(school=school, window=year6["window"], year_group=6)
        out = []
        for url in (set_url, reverse("partnership:reports")):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    for _ in range(20):
        f.pupil(school)
    assert counts() == small
    # report set: session, user, memberships, window, reports with pupils, sends (prefetch), session save (3)
    # reports: session, user, memberships, report sets (one grouped query), recent runs, window choices (2),
    # session save (3)
    assert small[0] <= 10 and small[1] <= 10


def test_run_page_polls_while_running_and_stops_when_done(client_as, school, leader, year6):
    run = ReportRun.objects.create(school=school, window=year6["window"], year_group=6, total=80, done=20,
                                   status=ReportRun.Status.RUNNING)  # fmt: skip
    client = client_as(leader, school)
    url = reverse("partnership:report_run", kwargs={"pk": run.pk})
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "20 of 80" in partial and "<html" not in partial
    assert 'value="25"' in partial
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE, done=80)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Read and release the reports" in done


def test_annex_evidence_counts_reviews_and_reports_read(school, year6, leader):
    from partnership.evidence import evidence

    f.review(year6["pupil"], year6["tutor"], held_on=dt.date(2025, 11, 1), parent_attended=True)
    f.pupil(school)  # not reviewed, no tutor
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    services.reports_release(school=school, window=year6["window"], year_group=6, released_by=leader)
    services.report_mark_read(report=Report.objects.get(pupil=year6["pupil"]))
    today = dt.date.today()
    school.small_count_threshold = 2  # the smallest the school may set: these hand-built counts stay visible
    items = {(e.item_code, e.label): e.value for e in evidence(school, dt.date(2025, 9, 1), today)}
    on_roll = f"pupils on roll from 1 Sep 2025 to {today:%-d %b %Y}"
    assert items[("2d", "Pupils who reviewed their progress with their personal tutor in the period")] == (
        f"<2 of 2 {on_roll}"
    )
    assert items[("2d", "Reports to parents released in the period, and opened by the family")] == (
        "2 released; <2 of 2 reports released opened online"
    )
    assert items[("9a", "Progress reviews a parent or carer attended")] == (
        "<2 progress reviews held in the period: figures hidden"
    )
    assert items[("9c", "Pupils with a personal tutor")] == f"<2 of 2 {on_roll}"


def test_annex_evidence_hides_small_counts_and_says_when_there_is_nothing(school, year6):
    from partnership.evidence import evidence

    today = dt.date.today()
    items = {(e.item_code, e.label): e.value for e in evidence(school, dt.date(2025, 9, 1), today)}
    assert items[("2d", "Reports to parents released in the period, and opened by the family")] == (
        "no reports released in the period"
    )
    assert items[("9a", "Progress reviews a parent or carer attended")] == "no progress reviews held in the period"
    # The review and report pages list pupils: those figures link to none; the rest link to aggregate pages.
    links = {e.url_name for e in evidence(school, dt.date(2025, 9, 1), today)}
    assert links <= {None, "partnership:activities_summary", "partnership:voice"}


def test_pdf_rendering_fetches_nothing_the_report_points_at(
    school,
    year6,
    tmp_path,
    monkeypatch,
    web_server,  # noqa: F811  (the fixture imported above)
):
    """A report's HTML holds pupils' and staff's words: nothing it points at may be fetched (SSRF, local files).
    The chart, inline as a data: URI, is still drawn."""
    from partnership import pdf
    from tests.schoolpl.test_pdf import PNG, hostile_html, images_drawn, objects_in

    base, hits = web_server
    png_file = tmp_path / "secret.png"
    png_file.write_bytes(PNG)
    services.reports_generate(school=school, window=year6["window"], year_group=6)
    report = Report.objects.get()
    real_html = pdf.report_html(report)
    hostile_body = hostile_html(base, png_file).split("<body>")[1].split("</body>")[0]
    hostile_report = real_html.replace("</body>", hostile_body + "</body>")
    monkeypatch.setattr(pdf, "report_html", lambda r: hostile_report)
    data = pdf.report_pdf(report)
    assert data.startswith(b"%PDF")
    assert hits.paths == []  # nothing reached the web server
    assert objects_in(data, b"/Image") == 0  # neither the served PNG nor the one on disk was embedded
    drawn = images_drawn(hostile_report)
    assert drawn[0].startswith("data:image/svg+xml;base64,")  # the chart is drawn
    assert [src[:5] for src in drawn] == ["data:", "data:"]  # and the inline picture; nothing else
