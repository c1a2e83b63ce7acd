"""Reads of the partnership app, scoped in one place."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from assessment.models import Judgement
from pupils.models import Pupil, TutorAssignment
from pupils.querysets import PupilQuerySet
from schoolpl.access import SchoolAccess, get_object_for
from schoolpl.models import AssessmentWindow, School
from schoolpl.roles import Cap

from . import wording
from .models import PortalLink, PortalSettings, ProgressReview, Report, Survey, SurveyResponse

# --- staff side ---------------------------------------------------------------------------------------


def is_current_tutor(access: SchoolAccess, pupil: Pupil) -> bool:
    return TutorAssignment.objects.current().filter(tutor=access.user, pupil=pupil).exists()


def tutees(access: SchoolAccess) -> PupilQuerySet:
    """A tutor's current tutees; for those who see every pupil, the whole school on roll."""
    pupils = Pupil.objects.visible_to(access).on_roll()
    if access.sees_all_pupils:
        return pupils
    return pupils.filter(Exists(TutorAssignment.objects.current().filter(pupil=OuterRef("pk"), tutor=access.user)))


def may_review(access: SchoolAccess, pupil: Pupil) -> bool:
    """A pupil's current personal tutor records their reviews; staff who see every pupil may too."""
    return access.can(Cap.VIEW_PUPILS_ALL) or is_current_tutor(access, pupil)


def review_list(access: SchoolAccess, *, year_group: int | None = None, today: dt.date | None = None) -> list[dict]:
    """Every pupil the user tutors (or, for whole-school staff, every pupil) with their last review and whether
    one is done, due or overdue this half-term. Two queries: the windows, and the pupils annotated with their
    last review date and current tutor."""
    today = today or timezone.localdate()
    terms = list(AssessmentWindow.objects.filter(school=access.school).values_list("start_date", "end_date"))
    began = wording.half_term_start(today, terms)
    pupils = tutees(access)
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    last = ProgressReview.objects.filter(pupil=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    current_tutor = TutorAssignment.objects.current().filter(pupil=OuterRef("pk")).order_by("-start_date")
    pupils = pupils.annotate(
        last_review=Subquery(last),
        tutor_first=Subquery(current_tutor.values("tutor__first_name")[:1]),
        tutor_last=Subquery(current_tutor.values("tutor__last_name")[:1]),
    ).order_by("year_group", "legal_surname", "legal_forename", "pk")
    rows = []
    for p in pupils:
        state = wording.review_state(p.last_review, began, today)
        rows.append(
            {
                "pupil": p,
                "last_review": p.last_review,
                "tutor": f"{p.tutor_first or ''} {p.tutor_last or ''}".strip(),
                "state": state,
                "state_words": wording.REVIEW_STATE_WORDS[state],
            }
        )
    order = {wording.OVERDUE: 0, wording.DUE: 1, wording.DONE: 2}
    rows.sort(key=lambda r: order[r["state"]])
    return rows


def reviews_visible_to(access: SchoolAccess) -> QuerySet[ProgressReview]:
    return ProgressReview.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access))


def reports_visible_to(access: SchoolAccess) -> QuerySet[Report]:
    return Report.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access))


def report_sets(school: School) -> list[dict]:
    """Reports grouped by window and year group with counts: drafts, released, read, sent. One query."""
    rows = (
        Report.objects.filter(school=school)
        .values("window_id", "window__name", "window__start_date", "year_group")
        .annotate(
            total=Count("pk"),
            released=Count("pk", filter=Q(status=Report.Status.RELEASED)),
            read=Count("pk", filter=Q(first_read_at__isnull=False)),
            sent=Count("pk", filter=Q(sends__isnull=False), distinct=True),
        )
        .order_by("-window__start_date", "year_group")
    )
    return list(rows)


# --- portal side ----------------------------------------------------------------------------------------


def portal_enabled(school: School) -> PortalSettings:
    return PortalSettings.objects.filter(school=school).first() or PortalSettings(school=school)


def portal_pupils(access: SchoolAccess | None) -> QuerySet[Pupil]:
    """The pupils a portal account may see: those it is linked to, in this school, while the school has the
    portal turned on for that kind of account."""
    if access is None or not access.is_portal_user:
        return Pupil.objects.none()
    settings = portal_enabled(access.school)
    kinds = [k for k in PortalLink.Kind.values if settings.enabled_for(k)]
    links = PortalLink.objects.filter(
        user=access.user, pupil=OuterRef("pk"), revoked_at__isnull=True, kind__in=kinds, school=access.school
    )
    return Pupil.objects.filter(school=access.school).filter(Exists(links))


def get_portal_pupil(access: SchoolAccess, pk: int) -> Pupil:
    return get_object_for(portal_pupils(access), pk=pk)


def portal_kind(access: SchoolAccess) -> str:
    return PortalLink.Kind.PUPIL if "pupil" in access.roles else PortalLink.Kind.PARENT


def portal_reports(access: SchoolAccess) -> QuerySet[Report]:
    return Report.objects.filter(
        school=access.school, status=Report.Status.RELEASED, pupil__in=portal_pupils(access)
    ).select_related("pupil", "window")


def get_portal_report(access: SchoolAccess, pk: int) -> Report:
    report = get_object_for(portal_reports(access), pk=pk)
    if not report.is_released:  # belt and braces: the queryset already filters
        raise Http404
    return report


def latest_judgements(pupil: Pupil) -> dict[int, Judgement]:
    """{subject_id: the pupil's latest overall Judgement in that subject} (one query)."""
    latest = {}
    for j in Judgement.objects.filter(pupil=pupil).select_related("subject", "window").order_by("window__start_date"):
        latest[j.subject_id] = j
    return latest


def open_surveys(pupil: Pupil, kind: str) -> QuerySet[Survey]:
    """The surveys open today that ask this pupil (a pupil account) or their family (a parent account), not yet
    answered: one query."""
    today = timezone.localdate()
    audience = Survey.Audience.PUPILS if kind == PortalLink.Kind.PUPIL else Survey.Audience.PARENTS
    return (
        Survey.objects.filter(
            school=pupil.school_id, audience=audience, archived_at__isnull=True, opens_on__lte=today,
            closes_on__gte=today, year_from__lte=pupil.year_group, year_to__gte=pupil.year_group,
        )
        .exclude(Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), pupil=pupil)))
        .order_by("closes_on")
    )  # fmt: skip
