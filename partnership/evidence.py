"""Annex evidence: feedback to pupils and parents (2d), communication with parents (9a) and the personal
tutor's role (9c). Aggregates only, a constant number of queries."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from pupils.models import Pupil, TutorAssignment
from schoolpl.evidence import Evidence

from .models import ProgressReview, Report


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% ({part} of {whole})" if whole else "no pupils"


def evidence(school, start: date, end: date) -> list[Evidence]:
    pupils = Pupil.objects.in_school(school).on_roll()
    reviewed = ProgressReview.objects.filter(pupil=OuterRef("pk"), held_on__gte=start, held_on__lte=end)
    tutored = TutorAssignment.objects.current(end).filter(pupil=OuterRef("pk"))
    counts = pupils.aggregate(
        total=Count("pk"),
        reviewed=Count("pk", filter=Q(Exists(reviewed))),
        tutored=Count("pk", filter=Q(Exists(tutored))),
    )
    reports = Report.objects.filter(school=school, released_at__date__gte=start, released_at__date__lte=end).aggregate(
        released=Count("pk"), read=Count("pk", filter=Q(first_read_at__isnull=False))
    )
    parent_reviews = ProgressReview.objects.filter(school=school, held_on__gte=start, held_on__lte=end).aggregate(
        total=Count("pk"), with_parent=Count("pk", filter=Q(parent_attended=True))
    )
    reviewed_item = Evidence(
        "2d",
        "Pupils who reviewed their progress with their personal tutor in the period",
        _share(counts["reviewed"], counts["total"]),
        "Pupils on roll with at least one progress review dated in the period, out of all pupils on roll.",
        url_name="partnership:reviews",
    )
    released_read = Evidence(
        "2d",
        "Reports to parents released in the period, and read by the family",
        f"{reports['released']} released; {_share(reports['read'], reports['released'])} read online",
        "Termly reports released in the period; 'read' means a parent or the pupil opened it in the portal.",
        url_name="partnership:reports",
    )
    return [
        reviewed_item,
        released_read,
        Evidence("9a", released_read.label, released_read.value, released_read.method, "partnership:reports"),
        Evidence(
            "9a",
            "Progress reviews a parent or carer attended",
            _share(parent_reviews["with_parent"], parent_reviews["total"]),
            "Reviews in the period at which a parent or carer was recorded as attending.",
            url_name="partnership:reviews",
        ),
        Evidence(
            "9c",
            "Pupils with a personal tutor",
            _share(counts["tutored"], counts["total"]),
            "Pupils on roll with a current personal-tutor assignment at the end of the period.",
            url_name="partnership:reviews",
        ),
        Evidence("9c", reviewed_item.label, reviewed_item.value, reviewed_item.method, "partnership:reviews"),
    ]
