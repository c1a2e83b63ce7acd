"""Every partnership URL walked as a personal tutor, a parent and a pupil.

The tutor tutors pupil A (and does not teach B); the parent is A's parent; the pupil account is A. For each
URL about a pupil (or their review, contact, report, target) we try A's object and B's: the tutor, parent and
pupil reach A's where their role allows and get 404 for B's — another child is never confirmed to exist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver, reverse

from conftest import sign_in
from partnership import services, voice
from partnership.models import Activity, ActivityMember, Report, ReportRun, Survey
from tests.partnership import factories as f

pytestmark = pytest.mark.django_db

PERSONAS = ("tutor", "parent", "pupil")


@pytest.fixture
def world(school, other_school, senco):
    window = f.window_of(school)
    a, b = f.pupil(school), f.pupil(school)
    tutor = f.tutor_user(school)
    f.tutor_of(tutor, a)
    f.portal_on(school)
    w = {"school": school, "window": window, "tutor": tutor}
    for key, p in (("a", a), ("b", b)):
        w[key] = p
        w[f"{key}_target"] = f.curricular_target(p)
        w[f"{key}_review"] = f.review(p, senco, refer_to_senco=True, referral_reason="Check hearing")
        w[f"{key}_contact"] = f.contact(p)
    services.reports_generate(school=school, window=window, year_group=6)
    services.reports_release(school=school, window=window, year_group=6, released_by=senco)
    w["a_report"], w["b_report"] = Report.objects.get(pupil=a), Report.objects.get(pupil=b)
    w["run"] = ReportRun.objects.create(school=school, window=window, year_group=6, total=2)
    w["parent"] = f.portal_user(a, "parent")
    w["pupil"] = f.portal_user(a, "pupil")
    # A pupil in another school with a released report: unreachable too.
    far = f.pupil(other_school)
    far_window = f.window_of(other_school)
    services.reports_generate(school=other_school, window=far_window, year_group=6)
    services.reports_release(school=other_school, window=far_window, year_group=6, released_by=None)
    w["far"], w["far_report"] = far, Report.objects.get(pupil=far)
    # A club of A's and one of B's (neither led by the tutor).
    for key, p in (("a", a), ("b", b)):
        activity = Activity.objects.create(
            school=school, name=f"Club {key}", start_date=window.start_date, end_date=window.end_date
        )
        w[f"{key}_activity"] = activity
        w[f"{key}_member"] = ActivityMember.objects.create(activity=activity, pupil=p, joined_on=window.start_date)
    # A pupil survey open today for Year 6.
    survey = Survey(school=school, title="Our school", opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 3, 31))
    w["survey"] = voice.survey_create(survey=survey, questions_text="I feel safe", user=senco)
    return w


# url name → (kwargs for the own object, kwargs for another child's, method, {persona: (own, other)}).
# ``None`` kwargs: the URL is about no object (then "other" is not tried).
def _p(k):
    return lambda w: {"pk": w[k].pk}


S403 = (403, 403)
TABLE = {
    "partnership:reviews": (None, None, "get", {"tutor": (200, None), "parent": S403, "pupil": S403}),
    "partnership:pupil": ("a", "b", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:review_add": ("a", "b", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:review": ("a_review", "b_review", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:referrals": (None, None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:referral_close": ("a_review", "b_review", "post", {"tutor": S403, "parent": S403, "pupil": S403}),
    "partnership:contacts": ("a", "b", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:contact_edit": ("a_contact", "b_contact", "get", {"tutor": S403, "parent": S403, "pupil": S403}),
    "partnership:invite": ("a", "b", "get", {"tutor": S403, "parent": S403, "pupil": S403}),
    "partnership:accept": ("token", None, "get", {"tutor": (404, None), "parent": (404, None), "pupil": (404, None)}),
    "partnership:portal_settings": (None, None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:reports": (None, None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:report_run": ("run", None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:report_set": ("set", None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:report_release": ("set", None, "post", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:report_send": ("set", None, "post", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:report": ("a_report", "b_report", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:report_pdf": ("a_report", "b_report", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:report_printed": ("a_report", "b_report", "post", {"tutor": S403, "parent": S403, "pupil": S403}),
    "partnership:portal": (None, None, "get", {"tutor": (403, None), "parent": (200, None), "pupil": (200, None)}),
    "partnership:portal_pupil": ("a", "b", "get", {"tutor": S403, "parent": (200, 404), "pupil": (200, 404)}),
    "partnership:portal_report": (
        "a_report", "b_report", "get", {"tutor": S403, "parent": (200, 404), "pupil": (200, 404)},
    ),
    "partnership:portal_report_pdf": (
        "a_report", "b_report", "get", {"tutor": S403, "parent": (200, 404), "pupil": (200, 404)},
    ),
    # Only the pupil comments on their own targets; a parent may not (403) but never learns about B (404).
    "partnership:portal_comment": (
        "a_target", "b_target", "post", {"tutor": S403, "parent": (403, 404), "pupil": (302, 404)},
    ),
    # Clubs: the tutor sees A's club (not B's) but neither runs it nor sets clubs up; the summary is figures.
    "partnership:activities": (None, None, "get", {"tutor": (200, None), "parent": S403, "pupil": S403}),
    "partnership:activities_summary": (None, None, "get", {"tutor": (200, None), "parent": S403, "pupil": S403}),
    "partnership:activity_add": (None, None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:activity": ("a_activity", "b_activity", "get", {"tutor": (200, 404), "parent": S403, "pupil": S403}),
    "partnership:activity_edit": ("a_activity", "b_activity", "get", {"tutor": S403, "parent": S403, "pupil": S403}),
    "partnership:activity_archive": (
        "a_activity", "b_activity", "post", {"tutor": S403, "parent": S403, "pupil": S403},
    ),
    "partnership:activity_register": (
        "a_activity", "b_activity", "post", {"tutor": (403, 404), "parent": S403, "pupil": S403},
    ),
    "partnership:activity_members": (
        "a_activity", "b_activity", "get", {"tutor": (403, 404), "parent": S403, "pupil": S403},
    ),
    "partnership:activity_member_leave": (
        "a_member", "b_member", "post", {"tutor": (403, 404), "parent": S403, "pupil": S403},
    ),
    # Voice: results are figures; the tutor enters paper responses (for tutees); only the pupil answers in the
    # portal, and a parent is not asked a pupil survey (404).
    "partnership:voice": (None, None, "get", {"tutor": (200, None), "parent": S403, "pupil": S403}),
    "partnership:survey_add": (None, None, "get", {"tutor": (403, None), "parent": S403, "pupil": S403}),
    "partnership:survey_enter": ("survey", None, "get", {"tutor": (200, None), "parent": S403, "pupil": S403}),
    "partnership:portal_survey": (
        "survey_a", "survey_b", "get", {"tutor": S403, "parent": (404, 404), "pupil": (200, 404)},
    ),
}  # fmt: skip


def _kwargs(w, key):
    if key is None:
        return None
    if key == "token":
        return {"token": "no-such-invitation"}
    if key.startswith("survey_"):
        return {"pk": w["survey"].pk, "pupil_pk": w[key.removeprefix("survey_")].pk}
    if key == "set":
        return {"window_pk": w["window"].pk, "year": 6}
    return {"pk": w[key].pk}


def test_the_table_covers_every_partnership_url():
    resolver = get_resolver()
    names = {f"partnership:{n}" for n in resolver.namespace_dict["partnership"][1].reverse_dict if isinstance(n, str)}
    assert names == set(TABLE)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(TABLE))
def test_tutor_parent_and_pupil_reach_only_their_own(url_name, persona, world, client):
    own_key, other_key, method, expected = TABLE[url_name]
    own_status, other_status = expected[persona]
    sign_in(client, world[persona], world["school"])
    data = {"text": "I practised"} if url_name == "partnership:portal_comment" else None
    got = getattr(client, method)(reverse(url_name, kwargs=_kwargs(world, own_key)), data=data).status_code
    assert got == own_status, f"{persona} on own {url_name}: {got}"
    if other_key is not None and other_status is not None:
        got = getattr(client, method)(reverse(url_name, kwargs=_kwargs(world, other_key)), data=data).status_code
        assert got == other_status, f"{persona} on another child's {url_name}: {got}"


@pytest.mark.parametrize("persona", ("parent", "pupil"))
def test_other_schools_pupils_and_unreleased_reports_are_404_in_the_portal(persona, world, client):
    sign_in(client, world[persona], world["school"])
    assert client.get(reverse("partnership:portal_pupil", kwargs={"pk": world["far"].pk})).status_code == 404
    assert client.get(reverse("partnership:portal_report", kwargs={"pk": world["far_report"].pk})).status_code == 404
    Report.objects.filter(pk=world["a_report"].pk).update(status=Report.Status.DRAFT)
    assert client.get(reverse("partnership:portal_report", kwargs={"pk": world["a_report"].pk})).status_code == 404
    assert client.get(reverse("partnership:portal_report_pdf", kwargs={"pk": world["a_report"].pk})).status_code == 404


def test_portal_turned_off_hides_the_child(world, client):
    services.portal_settings_update(school=world["school"], pupils_enabled=False, parents_enabled=True)
    sign_in(client, world["pupil"], world["school"])
    assert client.get(reverse("partnership:portal_pupil", kwargs={"pk": world["a"].pk})).status_code == 404
    assert "has not turned the portal on" in client.get(reverse("partnership:portal")).content.decode()
    sign_in(client, world["parent"], world["school"])  # parents are still on
    assert client.get(reverse("partnership:portal_pupil", kwargs={"pk": world["a"].pk})).status_code == 200


def test_parent_page_shows_only_their_child_and_released_reports(world, client):
    sign_in(client, world["parent"], world["school"])
    home = client.get(reverse("partnership:portal")).content.decode()
    assert world["a"].display_name in home and world["b"].display_name not in home
    page = client.get(reverse("partnership:portal_pupil", kwargs={"pk": world["a"].pk})).content.decode()
    assert world["a_target"].text in page
    assert reverse("partnership:portal_report", kwargs={"pk": world["a_report"].pk}) in page
    assert reverse("partnership:portal_report", kwargs={"pk": world["b_report"].pk}) not in page


def test_reading_a_report_in_the_portal_is_recorded(world, client):
    sign_in(client, world["parent"], world["school"])
    client.get(reverse("partnership:portal_report", kwargs={"pk": world["a_report"].pk}))
    client.get(reverse("partnership:portal_report", kwargs={"pk": world["a_report"].pk}))
    report = Report.objects.get(pk=world["a_report"].pk)
    assert report.read_count == 2 and report.first_read_at is not None


def test_a_pupil_adds_a_comment_on_their_own_target(world, client):
    sign_in(client, world["pupil"], world["school"])
    client.post(reverse("partnership:portal_comment", kwargs={"pk": world["a_target"].pk}), {"text": "I did it"})
    assert list(world["a_target"].pupil_comments.values_list("text", flat=True)) == ["I did it"]
    page = client.get(reverse("partnership:portal")).content.decode()  # a pupil's landing page is their own
    assert "I did it" in page and "Your targets" in page
