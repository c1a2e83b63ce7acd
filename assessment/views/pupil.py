"""One pupil: the spiky profile (focus judgements against the overall) and the assessment page for a subject
and window (a judgement and the criteria met for each focus, beside the suggested overall)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from schoolpl.access import get_object_for, require, school_view
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap

from .. import judgements, selectors, services
from ..forms import PupilAssessForm
from ..models import Focus, Judgement, Subject
from .common import PUPIL_READERS, READERS, RECORDERS, int_or_none

# --- the spiky profile ----------------------------------------------------------------------------


def _spiky_chart(item: dict) -> dict:
    """Chart.js config: the focus judgements as bars, the overall judgement as a flat line."""
    overall = item["overall"].points if item["overall"] else None
    labels = [f"{f['focus'].code}" for f in item["focuses"]]
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "type": "bar",
                    "label": "Focus judgement (points)",
                    "data": [f["judgement"].points if f["judgement"] else None for f in item["focuses"]],
                },
                {"type": "line", "label": "Overall (points)", "data": [overall] * len(labels), "pointRadius": 0},
            ],
        },  # fmt: skip
        "options": {"scales": {"y": {"title": {"display": True, "text": "Points"}}}},
    }


@school_view(*PUPIL_READERS)
def pupil_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's spiky profile: each focus judgement against the overall, per subject, for one window."""
    access = request.access
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=pk)
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    judged = selectors.windows_with_judgements(pupil, windows)
    window_id = int_or_none(request.GET.get("window"))
    window = next(
        (w for w in windows if w.pk == window_id), judged[-1] if judged else (windows[-1] if windows else None)
    )
    # The list offers the windows judged so far, the current one (being judged now) and the one shown.
    today = timezone.localdate()
    listed = [w for w in windows if w in judged or w == window or w.start_date <= today <= w.end_date]
    subjects = list(Subject.objects.filter(school=access.school).order_by("order"))
    profile = selectors.spiky_profile(pupil=pupil, window=window, subjects=subjects) if window else []
    for item in profile:
        item["chart_id"] = f"spiky-{item['subject'].code}"
        item["config"] = _spiky_chart(item)
    return render(
        request,
        "assessment/pupil_profile.html",
        {
            "pupil": pupil,
            "windows": listed or windows,
            "window": window,
            "profile": profile,
            "can_assess": access.can(*READERS),
        },
    )


# --- one pupil's assessment in a subject for a window -----------------------------------------


def _record_group(access, pupil: Pupil, subject: Subject) -> TeachingGroup | None:
    """The pupil's current group in the subject's teaching subject that the user may record for (leaders: any
    such group; teachers: one they teach), or None. One query."""
    if not access.can(*RECORDERS):
        return None
    groups = (
        TeachingGroup.objects.filter(school=access.school, subject=subject.group_subject)
        .filter(Exists(GroupMembership.objects.current().filter(group=OuterRef("pk"), pupil=pupil)))
        .annotate(teaches=Exists(TeachingGroupTeacher.objects.filter(group=OuterRef("pk"), user=access.user)))
        .order_by("-teaches", "name")
    )
    if not access.can(Cap.RECORD_ASSESSMENT_ALL):
        groups = groups.filter(teaches=True)
    return groups.first()


def _read_only_reason(access, *, pupil, subject, window, group) -> str:
    if not window.is_open:
        return f"{window.name} is closed, so these judgements can no longer be changed."
    if not access.can(*RECORDERS):
        return "You can read this page; only the pupil's teachers and senior leaders record judgements."
    if group is None and access.can(Cap.RECORD_ASSESSMENT_ALL):
        return f"{pupil.display_name} is not currently in a teaching group assessed in {subject.name}."
    if group is None:
        return f"You do not teach {pupil.display_name} in {subject.name}, so you can read but not record."
    if pupil.archived_at is not None:
        return f"{pupil.display_name} is no longer on roll."
    return ""


def _result_message(request, what: str, result: judgements.CellResult) -> None:
    if result.conflict:
        if result.pk:
            told = (
                f"{result.judged_by_name} changed {what} to {result.grade} at "
                f"{date_format(localtime(result.judged_at), 'H:i, j M')} while you were looking."
            )
        else:
            told = f"A colleague removed the judgement for {what} while you were looking."
        messages.warning(
            request,
            f"{told} Your change{f' ({result.attempted})' if result.attempted else ''} was not saved. "
            "The page now shows theirs: choose again and save to keep yours.",
        )
    elif result.status == "saved":
        messages.success(request, f"{what[:1].upper()}{what[1:]} saved{f': {result.grade}' if result.grade else ''}.")
    elif result.status == "cleared":
        messages.success(request, f"The judgement for {what} was removed.")
    else:
        messages.info(request, f"Nothing changed for {what}.")


def _assess_save(access, *, pupil, subject, window, group, data) -> tuple[str, str, judgements.CellResult]:
    """Save the one focus (grade and criteria met) or the overall judgement the form sent: (what was saved, the
    anchor to return to, the result). An overall judgement the user did not change is not written."""
    if data["focus"]:
        focus = get_object_for(Focus.objects.filter(subject=subject).select_related("subject"), pk=data["focus"])
        result = judgements.focus_assessment_save(
            access=access, group=group, window=window, focus=focus, pupil_id=pupil.pk,
            grade=data["grade"], criterion_ids=data["criteria"], expected_version=data["version"],
            teaches=True,
        )  # fmt: skip
        return f"{focus.code} {focus.name}", f"#focus-{focus.pk}", result
    what, anchor = f"the overall judgement in {subject.name}", "#overall"
    current = Judgement.objects.filter(pupil=pupil, subject=subject, window=window).first()
    if current is not None and (current.version, current.grade) == (data["version"], data["grade"]):
        return what, anchor, judgements.CellResult(status="unchanged")
    result = judgements.judgement_record(
        access=access, group=group, window=window, subject=subject, pupil_id=pupil.pk,
        grade=data["grade"], expected_version=data["version"], teaches=True,
    )  # fmt: skip
    return what, anchor, result


def _assess_post(request, *, pupil, subject, window, group, reason: str, here: str) -> HttpResponse:
    require(request.access, *RECORDERS)
    form = PupilAssessForm(request.POST)
    if not form.is_valid():
        return HttpResponse("That form could not be read; reload the page.", status=400)
    if reason:
        messages.error(request, f"{reason} Nothing was saved.")
        return redirect(here)
    try:
        what, anchor, result = _assess_save(
            request.access, pupil=pupil, subject=subject, window=window, group=group, data=form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, f"{' '.join(exc.messages)} Nothing was saved.")
        return redirect(here)
    _result_message(request, what, result)
    return redirect(here + anchor)


@require_http_methods(["GET", "POST"])
@school_view(*READERS)
def pupil_assess(request: HttpRequest, pupil: int, subject: int, window: int) -> HttpResponse:
    """A pupil's periodic assessment in one subject for one window: a judgement and the criteria met for each
    focus, and the overall judgement beside the suggestion from the focuses (the teacher decides)."""
    access = request.access
    pupil_obj = get_object_for(Pupil.objects.visible_to(access), pk=pupil)
    subject_obj = get_object_for(Subject.objects.filter(school=access.school), pk=subject)
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    window_obj = next((w for w in windows if w.pk == window), None)
    if window_obj is None:
        raise Http404("Not found.")
    group = _record_group(access, pupil_obj, subject_obj)
    reason = _read_only_reason(access, pupil=pupil_obj, subject=subject_obj, window=window_obj, group=group)
    if request.method == "POST":
        here = reverse("assessment:pupil_assess", args=[pupil_obj.pk, subject_obj.pk, window_obj.pk])
        return _assess_post(
            request, pupil=pupil_obj, subject=subject_obj, window=window_obj, group=group, reason=reason, here=here
        )
    try:
        scale = services.scale_for(subject_obj)
    except services.CellRefused as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc
    data = selectors.pupil_assessment(pupil=pupil_obj, subject=subject_obj, window=window_obj, scale=scale)
    grid_url = ""
    if group is not None:
        grid_url = f"{reverse('assessment:grid')}?group={group.pk}&window={window_obj.pk}&subject={subject_obj.pk}"
    return render(
        request,
        "assessment/pupil_assess.html",
        {
            "pupil": pupil_obj,
            "subject": subject_obj,
            "window": window_obj,
            "windows": windows,
            "scale": scale,
            "labels": scale.labels(),
            "data": data,
            "can_edit": not reason,
            "reason": reason,
            "group": group,
            "grid_url": grid_url,
        },
    )
