"""Lesson observations and learning walks: who records, reads and exports them (every role against every view),
the annex evidence for 1c, 1d, 1e, 5b, 5c, 6a, 6b and 6d worked out by hand (a phase's period leaves out what
came after it), the summary a SIP reads without a name on it, the list's constant queries, the export, and the
demo. The test clock is 10 March 2026."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from schoolpl.demo import DemoContext
from selfreview import demo, selectors, walks_evidence
from selfreview.models import Focus, Observation, ObservationFocus
from tests.pupils.factories import taught_group
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory, MembershipFactory, UserFactory
from tests.selfreview.factories import ReviewFactory

pytestmark = pytest.mark.django_db

LIST = reverse("selfreview:observation_list")
NEW = reverse("selfreview:observation_create")
SUMMARY = reverse("selfreview:observation_summary")


def observe(school, day, focuses, *, group=None, teacher=None, kind="lesson", observer=None, **fields):
    """An observation with ``focuses`` = {"1c": "secure", …}."""
    observation = Observation.objects.create(
        school=school, kind=kind, date=day, group=group, teacher=teacher, observer=observer, **fields
    )
    ObservationFocus.objects.bulk_create(
        ObservationFocus(observation=observation, focus=code, judgement=judgement)
        for code, judgement in focuses.items()
    )
    return observation


@pytest.fixture
def w(school, personas):
    """The persona teacher's class Kestrels and a colleague's class Herons (and her own observation, with no class)."""
    year = AcademicYearFactory(school=school)
    colleague = UserFactory(username="colleague", first_name="Colin", last_name="Colleague")
    MembershipFactory(user=colleague, school=school, role="teacher")
    mine = taught_group(personas["teacher"], year, name="Kestrels")
    theirs = taught_group(colleague, year, name="Herons")
    leader = personas["leader"]
    return {
        **personas,
        "year": year,
        "colleague": colleague,
        "mine": mine,
        "theirs": theirs,
        "of_my_class": observe(
            school, dt.date(2026, 1, 20), {"1c": "secure"}, group=mine, observer=leader, strengths="Sharp questions"
        ),
        "of_me": observe(
            school, dt.date(2026, 2, 3), {"1d": "developing"}, teacher=personas["teacher"], observer=leader
        ),
        "of_theirs": observe(
            school, dt.date(2026, 2, 10), {"6d": "not_seen"}, group=theirs, teacher=colleague, observer=leader
        ),
    }


def _status(client, url, method="get", data=None):
    return getattr(client, method)(url, data=data).status_code


def _form(w, **overrides):
    data = {
        "kind": "walk",
        "date": "2026-03-02",
        "observer": w["leader"].pk,
        "group": w["theirs"].pk,
        "teacher": w["colleague"].pk,
        "focus_1c": "secure",
        "focus_6d": "developing",
        "strengths": "Pupils explained their methods.",
        "next_steps": "Use the outdoor area for measuring.",
    }
    return data | overrides


# --- the role matrix ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "listed"),
    [
        ("leader", {"of_my_class", "of_me", "of_theirs"}),
        ("admin", {"of_my_class", "of_me", "of_theirs"}),
        ("senco", {"of_my_class", "of_me", "of_theirs"}),
        ("teacher", {"of_my_class", "of_me"}),
        ("sip", None),
    ],
)
def test_who_reads_which_observations(w, school, client_as, persona, listed):
    client = client_as(w[persona], school)
    response = client.get(LIST)
    if listed is None:
        assert response.status_code == 403
        for key in ("of_my_class", "of_me", "of_theirs"):
            assert _status(client, reverse("selfreview:observation_detail", args=[w[key].pk])) == 403
        return
    assert response.status_code == 200
    shown = {key for key in ("of_my_class", "of_me", "of_theirs") if f'/observations/{w[key].pk}/"' in response.text}
    assert shown == listed
    for key in ("of_my_class", "of_me", "of_theirs"):
        detail = client.get(reverse("selfreview:observation_detail", args=[w[key].pk]))
        assert detail.status_code == (200 if key in listed else 404)


def test_a_personal_tutor_reads_only_observations_of_themselves(w, school, client_as):
    tutor = UserFactory(username="tutor")
    MembershipFactory(user=tutor, school=school, role="tutor")
    of_tutor = observe(school, dt.date(2026, 2, 4), {"1e": "secure"}, teacher=tutor)
    client = client_as(tutor, school)
    response = client.get(LIST)
    assert response.status_code == 200 and "1 observation." in response.text
    assert _status(client, reverse("selfreview:observation_detail", args=[of_tutor.pk])) == 200
    assert _status(client, reverse("selfreview:observation_detail", args=[w["of_me"].pk])) == 404
    assert _status(client, NEW) == 403


@pytest.mark.parametrize(
    ("persona", "status"), [("leader", 200), ("admin", 200), ("senco", 403), ("teacher", 403), ("sip", 403)]
)
def test_only_leaders_and_admins_record_and_edit(w, school, client_as, persona, status):
    client = client_as(w[persona], school)
    edit = reverse("selfreview:observation_edit", args=[w["of_theirs"].pk])
    assert _status(client, NEW) == status
    assert _status(client, edit) == status
    before = Observation.objects.count()
    posted = client.post(NEW, _form(w))
    assert posted.status_code == (302 if status == 200 else 403)
    assert Observation.objects.count() == before + (status == 200)
    assert _status(client, edit, "post", _form(w, focus_6d="secure")) == (302 if status == 200 else 403)


def test_a_leader_records_a_learning_walk_and_edits_it_with_history(w, school, client_as):
    client = client_as(w["leader"], school)
    response = client.post(NEW, _form(w))
    observation = Observation.objects.latest("pk")
    assert response.url == reverse("selfreview:observation_detail", args=[observation.pk])
    assert observation.kind == "walk" and observation.group == w["theirs"] and observation.observer == w["leader"]
    assert dict(observation.focuses.values_list("focus", "judgement")) == {"1c": "secure", "6d": "developing"}
    assert observation.history.get().history_user == w["leader"]

    edit = reverse("selfreview:observation_edit", args=[observation.pk])
    client_as(w["admin"], school).post(edit, _form(w, focus_1c="", focus_6d="secure", focus_5c="developing"))
    assert dict(observation.focuses.values_list("focus", "judgement")) == {"5c": "developing", "6d": "secure"}
    assert observation.history.first().history_user == w["admin"]
    removed = ObservationFocus.history.filter(focus="1c", history_type="-").get()
    assert removed.history_user == w["admin"]
    page = client.get(reverse("selfreview:observation_detail", args=[observation.pk])).text
    assert "changed by Admin Persona" in page and "recorded by Leader Persona" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"group": "", "teacher": ""}, "Choose the class or set, the teacher observed, or both."),
        ({"focus_1c": "", "focus_6d": ""}, "Give a judgement for at least one focus."),
        ({"date": "2026-03-11"}, "An observation cannot be dated in the future."),
    ],
)
def test_an_incomplete_observation_is_refused_with_a_reason(w, school, client_as, change, error):
    before = Observation.objects.count()
    response = client_as(w["leader"], school).post(NEW, _form(w, **change))
    assert response.status_code == 200 and error in response.text
    assert Observation.objects.count() == before


def test_another_schools_class_or_observation_is_not_found(w, school, other_school, client_as):
    elsewhere = observe(other_school, dt.date(2026, 1, 5), {"1c": "secure"}, teacher=UserFactory())
    client = client_as(w["leader"], school)
    assert _status(client, reverse("selfreview:observation_detail", args=[elsewhere.pk])) == 404
    assert _status(client, reverse("selfreview:observation_edit", args=[elsewhere.pk])) == 404
    other_group = taught_group(UserFactory(), AcademicYearFactory(school=other_school))
    response = client.post(NEW, _form(w, group=other_group.pk))
    assert response.status_code == 200 and Observation.objects.filter(group=other_group).count() == 0


# --- filters, export, queries ----------------------------------------------------------------------------------


def test_the_list_filters_by_date_teacher_kind_and_focus(w, school, client_as):
    client = client_as(w["leader"], school)

    def listed(**query):
        text = client.get(LIST, query).text
        return {k for k in ("of_my_class", "of_me", "of_theirs") if f'/observations/{w[k].pk}/"' in text}

    assert listed(date_from="2026-02-01") == {"of_me", "of_theirs"}
    assert listed(date_to="2026-02-03") == {"of_my_class", "of_me"}
    assert listed(teacher=w["colleague"].pk) == {"of_theirs"}
    assert listed(focus="1c") == {"of_my_class"}
    assert listed(focus="6d", judgement="not_seen") == {"of_theirs"}
    assert listed(focus="6d", judgement="secure") == set()
    assert listed(kind="walk") == set()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_has_a_column_per_focus(w, school, client_as, fmt):
    response = client_as(w["teacher"], school).get(LIST, {"format": fmt, "focus": "1c"})
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    header, *body = rows
    assert header[:5] == ["Date", "Kind", "Class or set", "Teacher observed", "Observer"]
    assert header[5] == "1c Questioning, modelling and explaining" and header[-2:] == ["Strengths", "Next steps"]
    assert len(body) == 1  # the teacher's own, with focus 1c
    assert body[0][2] == "Kestrels (Mathematics)" and body[0][5] == "Secure" and body[0][-2] == "Sharp questions"


def test_the_list_runs_the_same_queries_for_3_or_30_observations(w, school, client_as):
    client = client_as(w["leader"], school)
    client.get(LIST)  # warm up

    def reads():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)

    few = reads()
    for i in range(27):
        group = w["mine"] if i % 2 else w["theirs"]
        observe(
            school,
            dt.date(2026, 1, 5 + i % 20),
            {"1c": "secure", "5b": "developing"},
            group=group,
            teacher=w["colleague"],
            observer=w["senco"],
        )
    assert reads() == few


# --- the summary a SIP reads and the evidence -------------------------------------------------------------------


def test_sip_reads_the_summary_by_focus_with_no_name_on_it(w, school, client_as):
    school.small_count_threshold = 2
    school.save()
    observe(school, dt.date(2026, 2, 12), {"1c": "developing"}, group=w["theirs"], observer=w["leader"])
    observe(school, dt.date(2026, 2, 13), {"1c": "secure"}, group=w["mine"], kind="walk", observer=w["leader"])
    observe(school, dt.date(2026, 2, 14), {"1c": "developing"}, group=w["mine"], kind="walk", observer=w["leader"])
    response = client_as(w["sip"], school).get(SUMMARY, {"start": "2026-01-01", "end": "2026-02-28"})
    assert response.status_code == 200
    text = response.text
    assert (
        "50% (2 of 4 observations (lessons and learning-walk visits) with this focus, 1 Jan 2026 to 28 Feb 2026)"
        in text
    )
    assert "Lesson observations: 4" in text and "Classes visited on learning walks: 2" in text
    for secret in ("Colin", "Colleague", "Teacher Persona", "Leader Persona", "Kestrels", "Herons", "Sharp questions"):
        assert secret not in text


def test_summary_defaults_to_this_school_year(w, school, client_as):
    observe(school, dt.date(2025, 8, 20), {"6b": "secure"}, teacher=w["teacher"])  # last school year
    text = client_as(w["teacher"], school).get(SUMMARY).text
    assert "1 Sep 2025 to 10 Mar 2026" in text
    assert "no observations (lessons and learning-walk visits) with this focus, 1 Sep 2025 to 10 Mar 2026" in text


@pytest.fixture
def walks_school(school):
    """Observations of 1c and 1d around two phases (threshold 2, so the shares show):

    - phase 1 dated 15 October 2025, before any window ended: its period is the 91 days to then, 16 July to
      15 October 2025. 1c: secure 10 Sep, secure 24 Sep, developing 8 Oct, not seen 14 Oct → 2 of 4; 1d: one.
    - phase 2 dated 1 March 2026: its period is Autumn 2025 (1 Sep–19 Dec). 1c adds secure 20 Nov and 3 Dec
      (after phase 1's date) → 4 of 6; the secure on 14 January 2026 (Spring, not ended) is in neither.
    - another school's observation on 10 September counts nowhere.
    """
    school.small_count_threshold = 2
    school.save()
    year = AcademicYearFactory(school=school)
    AssessmentWindowFactory(academic_year=year, name="Autumn 2025")
    AssessmentWindowFactory(
        academic_year=year, name="Spring 2026", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 27)
    )
    teacher = UserFactory()
    for day, judgement in (
        ((2025, 9, 10), "secure"),
        ((2025, 9, 24), "secure"),
        ((2025, 10, 8), "developing"),
        ((2025, 10, 14), "not_seen"),
        ((2025, 11, 20), "secure"),
        ((2025, 12, 3), "secure"),
        ((2026, 1, 14), "secure"),
    ):
        extra = {"1d": "developing"} if day == (2025, 9, 10) else {}
        observe(school, dt.date(*day), {"1c": judgement, **extra}, teacher=teacher)
    from tests.schoolpl.factories import SchoolFactory

    observe(SchoolFactory(), dt.date(2025, 9, 10), {"1c": "developing", "6d": "secure"}, teacher=teacher)
    return ReviewFactory(school=school, phase_dates=(dt.date(2025, 10, 15), dt.date(2026, 3, 1), dt.date(2026, 7, 20)))


WORDS = "observations (lessons and learning-walk visits) with this focus"


def test_each_phase_counts_the_observations_of_its_own_period(walks_school):
    review = walks_school
    found = selectors.evidence_by_phase(review, selectors.phases_of(review))
    values = {key: [row.value for row in rows if row.label == walks_evidence.LABEL] for key, rows in found.items()}
    assert values[("1c", 1)] == [f"50% (2 of 4 {WORDS}, 16 Jul 2025 to 15 Oct 2025)"]
    assert values[("1d", 1)] == [f"<2 {WORDS}, 16 Jul 2025 to 15 Oct 2025: figures hidden"]
    assert values[("6d", 1)] == [f"no {WORDS}, 16 Jul 2025 to 15 Oct 2025"]
    assert values[("1c", 2)] == [f"67% (4 of 6 {WORDS}, 1 Sep 2025 to 19 Dec 2025)"]
    assert all((code, 3) not in found for code in Focus.values)  # phase 3 is after today
    for code in Focus.values:
        row = next(r for r in found[(code, 2)] if r.label == walks_evidence.LABEL)
        assert row.url == f"{SUMMARY}?start=2025-09-01&end=2025-12-19"


def test_small_counts_are_hidden_at_the_schools_threshold(walks_school, school):
    school.small_count_threshold = 5
    school.save()
    items = walks_evidence.evidence(school, dt.date(2025, 9, 1), dt.date(2025, 12, 19))
    assert [i.item_code for i in items] == ["1c", "1d", "1e", "5b", "5c", "6a", "6b", "6d"]
    assert items[0].value == f"<5 of 6 {WORDS}, 1 Sep 2025 to 19 Dec 2025"


def test_evidence_takes_one_query(walks_school, school, django_assert_num_queries):
    with django_assert_num_queries(1):
        walks_evidence.evidence(school, dt.date(2025, 9, 1), dt.date(2025, 12, 19))


def test_the_review_shows_the_figure_and_a_sip_opens_its_link(walks_school, school, sip, client_as):
    client = client_as(sip, school)
    html = client.get(reverse("selfreview:review_detail", kwargs={"pk": walks_school.pk})).text
    assert f"67% (4 of 6 {WORDS}, 1 Sep 2025 to 19 Dec 2025)" in html
    link = f"{SUMMARY}?start=2025-09-01&amp;end=2025-12-19"
    assert link in html
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200 and f"67% (4 of 6 {WORDS}" in response.text


# --- the demo ---------------------------------------------------------------------------------------------------


def _demo(school, seed, prefix=""):
    year = AcademicYearFactory(school=school, name="2025/26")
    users = {role: UserFactory(username=f"{prefix}{role}") for role in ("leader", "senco", "teacher", "sip")}
    others = [UserFactory(username=f"{prefix}t{i}") for i in range(5)]
    for user in [*users.values(), *others]:
        MembershipFactory(user=user, school=school, role="teacher")
    groups = [taught_group(users["teacher"], year, name="6B", subject="english", kind="class")]
    groups += [taught_group(t, year, name=f"{i + 1}A", subject="maths", kind="class") for i, t in enumerate(others)]
    ctx = DemoContext(
        rng=random.Random(seed), pupils=0, today=dt.date(2026, 3, 1), school=school, users=users,
        teachers=[users["teacher"], *others], years=[year],
    )  # fmt: skip
    demo.build(ctx)
    return users


def _shape(school, prefix=""):
    rows = Observation.objects.filter(school=school).select_related("group", "teacher").prefetch_related("focuses")
    return sorted(
        (
            o.kind,
            o.date,
            o.group.name if o.group else "",
            o.teacher.username.removeprefix(prefix),
            o.strengths,
            tuple(sorted((f.focus, f.judgement) for f in o.focuses.all())),
        )
        for o in rows
    )


def test_the_demo_has_a_believable_year_of_observations(school, other_school):
    users = _demo(school, 7)
    observations = Observation.objects.filter(school=school)
    this_year = observations.filter(date__gte=dt.date(2025, 9, 1))
    assert observations.filter(date__lt=dt.date(2025, 9, 1), date__gte=dt.date(2024, 9, 1)).exists()  # last year
    assert not observations.filter(date__gt=dt.date(2026, 3, 1)).exists()
    # Two or three learning walks in each of this year's four half-terms so far, each visiting several classes.
    walk_days = set(this_year.filter(kind="walk").values_list("date", flat=True))
    assert 8 <= len(walk_days) <= 12
    assert all(d.weekday() < 5 for d in observations.values_list("date", flat=True))
    judgements = set(ObservationFocus.objects.filter(observation__school=school).values_list("judgement", flat=True))
    assert judgements == {"secure", "developing", "not_seen"}
    assert this_year.filter(group__name="6B", teacher=users["teacher"]).exists()  # the teacher persona's class
    assert _shape(school) == _shape_again(other_school)


def _shape_again(other_school):
    _demo(other_school, 7, prefix="again-")
    return _shape(other_school, prefix="again-")
