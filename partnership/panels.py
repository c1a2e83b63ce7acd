"""Panels for the home page (a tutor's reviews due) and the pupil profile (tutor, last review, reports)."""

from __future__ import annotations

from pupils.models import TutorAssignment
from schoolpl.nav import Panel

from . import selectors, wording
from .models import ProgressReview, Report


def home_panels(request) -> list[Panel]:
    access = request.access
    if access is None or access.is_portal_user or not access.sees_pupil_names or access.sees_all_pupils:
        return []
    if not TutorAssignment.objects.current().filter(tutor=access.user, school=access.school).exists():
        return []
    rows = selectors.review_list(access)
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in (wording.OVERDUE, wording.DUE, wording.DONE)}
    return [Panel("Your tutees' reviews", "partnership/panel_home.html", {"counts": counts}, order=40)]


def pupil_panels(request, pupil) -> list[Panel]:
    access = request.access
    if access is None or not access.sees_pupil_names:
        return []
    tutor = TutorAssignment.objects.current().filter(pupil=pupil).select_related("tutor").first()
    last = ProgressReview.objects.filter(pupil=pupil).order_by("-held_on").first()
    report = Report.objects.filter(pupil=pupil).select_related("window").order_by("-window__start_date").first()
    context = {"pupil": pupil, "tutor": tutor.tutor if tutor else None, "last": last, "report": report}
    return [Panel("Personal tutor and reviews", "partnership/panel_pupil.html", context, order=60)]
