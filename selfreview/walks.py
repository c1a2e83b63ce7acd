"""Lesson observations and learning walks: who sees which, writes (with who changed what), the list's filters and
export, and the summary by focus that every reader of the self-review (a SIP included) may open.

Who sees what: senior leaders and admins record and edit every observation (``can_record``); the SENCO reads
them all; a teacher (or personal tutor) reads those of the classes they teach and of themselves; a SIP reads no
single observation, only the counts by focus on the summary page (``focus_counts``), as the annex evidence
shows them (``selfreview.walks_evidence``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from assessment.roll import count, share
from pupils.models import TeachingGroup, TeachingGroupTeacher
from schoolpl.access import SchoolAccess, scoped_to_school
from schoolpl.calendar import academic_year_start
from schoolpl.history import changed_by
from schoolpl.models import Membership, User
from schoolpl.roles import Cap, Role

from .models import Focus, Judgement, Observation, ObservationFocus

#: How the summary names the number of each kind: a learning walk is recorded class by class.
KIND_TOTALS = (
    (Observation.Kind.LESSON, "Lesson observations"),
    (Observation.Kind.WALK, "Classes visited on learning walks"),
)
#: Who may be observed teaching (and who observes): staff who teach or lead.
OBSERVED_ROLES = (Role.TEACHER, Role.SENCO, Role.LEADER, Role.ADMIN)


def can_record(access: SchoolAccess) -> bool:
    """Senior leaders and admins: they edit the self-review and see the whole school (a SIP edits the review
    but sees no individual record; a SENCO reads the observations but does not record them)."""
    return access.can(Cap.SELFREVIEW_EDIT) and access.sees_all_pupils


def require_record(access: SchoolAccess) -> None:
    if not can_record(access):
        raise PermissionDenied("Only senior leaders and school admins record observations.")


def observations_for(access: SchoolAccess) -> QuerySet[Observation]:
    """Every observation of the school for those who see every pupil; a teacher's (or tutor's) own: of a class
    they teach or of themselves; none for a SIP (aggregates only)."""
    mine = scoped_to_school(Observation.objects.all(), access)
    if access is None or access.aggregates_only:
        return mine.none()
    if access.sees_all_pupils:
        return mine
    taught = TeachingGroupTeacher.objects.filter(user=access.user).values("group_id")
    return mine.filter(Q(teacher=access.user) | Q(group_id__in=taught))


def with_details(queryset: QuerySet[Observation]) -> QuerySet[Observation]:
    """The names and focuses a list shows, in 2 queries whatever the number of observations."""
    return queryset.select_related("observer", "teacher", "group", "group__academic_year").prefetch_related(
        Prefetch("focuses", queryset=ObservationFocus.objects.order_by("focus"))
    )


def staff_of(school) -> QuerySet[User]:
    """Staff who may be observed or observe: members of the school who teach or lead."""
    members = Membership.objects.filter(school=school, is_active=True, role__in=OBSERVED_ROLES).values("user_id")
    return User.objects.filter(pk__in=members).order_by("last_name", "first_name", "username")


def groups_of(school) -> QuerySet[TeachingGroup]:
    """The school's classes and sets, this year's first."""
    return (
        TeachingGroup.objects.filter(school=school)
        .select_related("academic_year")
        .order_by("-academic_year__start_date", "year_group", "name", "subject")
    )


def filtered(queryset: QuerySet[Observation], data: dict) -> QuerySet[Observation]:
    """Apply the list's filters (cleaned data of ``forms.ObservationFilterForm``)."""
    if data.get("date_from"):
        queryset = queryset.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        queryset = queryset.filter(date__lte=data["date_to"])
    if data.get("teacher"):
        queryset = queryset.filter(teacher=data["teacher"])
    if data.get("kind"):
        queryset = queryset.filter(kind=data["kind"])
    if data.get("focus"):
        focused = ObservationFocus.objects.filter(focus=data["focus"])
        if data.get("judgement"):
            focused = focused.filter(judgement=data["judgement"])
        queryset = queryset.filter(pk__in=focused.values("observation_id"))
    return queryset


EXPORT_HEADERS = [
    "Date",
    "Kind",
    "Class or set",
    "Teacher observed",
    "Observer",
    *[f"{f.value} {f.label}" for f in Focus],
    "Strengths",
    "Next steps",
]


def export_rows(observations) -> list[list]:
    """One row per observation, a column per focus (its judgement, or blank where it was not a focus)."""
    rows = []
    for o in observations:
        judged = {f.focus: f.get_judgement_display() for f in o.focuses.all()}
        rows.append(
            [
                o.date,
                o.get_kind_display(),
                str(o.group) if o.group else "",
                o.teacher.display_name if o.teacher else "",
                o.observer.display_name if o.observer else "",
                *[judged.get(f.value, "") for f in Focus],
                o.strengths,
                o.next_steps,
            ]
        )
    return rows


# --- writes ---------------------------------------------------------------------------------------------------


def _check(school, *, group, teacher, observer, date) -> None:
    errors = {}
    if group is None and teacher is None:
        errors["group"] = "Choose the class or set, the teacher observed, or both."
    if group is not None and group.school_id != school.pk:
        errors["group"] = "That class is not in this school."
    staff = set(staff_of(school).values_list("pk", flat=True))
    if teacher is not None and teacher.pk not in staff:
        errors["teacher"] = "That teacher is not on the school's staff."
    if observer is not None and observer.pk not in staff:
        errors["observer"] = "The observer must be on the school's staff."
    if date > timezone.localdate():
        errors["date"] = "An observation cannot be dated in the future."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def observation_save(
    *, school, by, observation: Observation | None = None, focuses: dict[str, str], **fields
) -> Observation:
    """Create (``observation`` None) or change an observation and its focuses. ``focuses`` maps a focus code to
    its judgement ("" or missing: not a focus this time). Every change is in the history, with ``by``."""
    _check(school, **{k: fields.get(k) for k in ("group", "teacher", "observer", "date")})
    unknown = set(focuses) - set(Focus.values) or {j for j in focuses.values() if j and j not in Judgement.values}
    if unknown:
        raise ValidationError(f"Unknown focus or judgement: {', '.join(sorted(unknown))}.")
    observation = observation or Observation(school=school)
    for name, value in fields.items():
        setattr(observation, name, value)
    changed_by(observation, by)
    observation.save()
    existing = {f.focus: f for f in observation.focuses.all()}
    for code in Focus.values:
        judgement, row = focuses.get(code, ""), existing.get(code)
        if row is not None and row.judgement == judgement:
            continue
        if row is None and judgement:
            row = ObservationFocus(observation=observation, focus=code)
        if row is None:
            continue
        changed_by(row, by)
        if judgement:
            row.judgement = judgement
            row.save()
        else:
            row.delete()  # no longer a focus of this observation (the history keeps it)
    return observation


# --- the summary a SIP reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusRow:
    focus: Focus
    total: int
    secure: int
    total_words: str  # the count, "<5" under the school's threshold
    secure_words: str  # "58% (7 of 12 observations …)", small counts hidden


def period_words(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This school year up to today."""
    today = today or timezone.localdate()
    return dt.date(academic_year_start(today), 9, 1), today


def focus_counts(school, start: dt.date, end: dt.date) -> dict[str, tuple[int, int]]:
    """``{focus: (observations with it dated in the period, of which judged secure)}``: 1 query."""
    rows = (
        ObservationFocus.objects.filter(
            observation__school=school, observation__date__gte=start, observation__date__lte=end
        )
        .values("focus")
        .annotate(total=Count("pk"), secure=Count("pk", filter=Q(judgement=Judgement.SECURE)))
        .order_by()
    )
    return {r["focus"]: (r["total"], r["secure"]) for r in rows}


def focus_whole_words(start: dt.date, end: dt.date) -> str:
    """What the share's denominator is, in words."""
    return f"observations (lessons and learning-walk visits) with this focus, {period_words(start, end)}"


def summary(school, start: dt.date, end: dt.date) -> dict:
    """Counts by focus and by kind for the period, as a SIP may read them (2 queries)."""
    counts = focus_counts(school, start, end)
    threshold = school.small_count_threshold
    whole = focus_whole_words(start, end)
    rows = []
    for focus in Focus:
        total, secure = counts.get(focus.value, (0, 0))
        rows.append(FocusRow(focus, total, secure, count(total, threshold), share(secure, total, threshold, whole)))
    kinds = dict(
        Observation.objects.filter(school=school, date__gte=start, date__lte=end)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_kind = [(label, count(kinds.get(kind, 0), threshold)) for kind, label in KIND_TOTALS]
    return {"rows": rows, "by_kind": by_kind, "threshold": threshold, "period": period_words(start, end)}
