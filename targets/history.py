"""Targets on the history page (``schoolpl.history``): numeric targets (points shown as grades, "4b"),
curricular targets and their reviews."""

from __future__ import annotations

from django.db.models import Q

from assessment.history import points_as_grade
from schoolpl.history import HistorySource, Linked
from schoolpl.roles import Cap

from .models import CurricularTarget, PupilTarget, TargetReview

READ = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL, Cap.READ_TARGETS_ALL)


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def history_sources(access, *, pupils, group=None) -> list[HistorySource]:
    if access is None or not access.sees_pupil_names or not access.can(*READ):
        return []
    grade = points_as_grade(access.school)

    def as_grade(row, points) -> str:
        return grade(row.subject, points)

    numeric = PupilTarget.history.filter(pupil__in=pupils)
    curricular = CurricularTarget.history.filter(pupil__in=pupils)
    reviews = TargetReview.history.filter(target__pupil__in=pupils)
    if group is not None:
        numeric = numeric.filter(subject__group_subject=group.subject)
        # The group's own (class or group) targets as well as its pupils' targets.
        curricular = CurricularTarget.history.filter(Q(pupil__in=pupils) | Q(teaching_group=group))
        reviews = TargetReview.history.filter(Q(target__pupil__in=pupils) | Q(target__teaching_group=group))
    return [
        HistorySource(
            key="pupil_target",
            records=numeric,
            describe=lambda row: f"{row.subject.name} target",
            fields=["baseline_points", "baseline_date", "target_points", "target_date", "status", "proposal_basis"],
            labels={
                "baseline_points": "Starting point",
                "baseline_date": "Starting date",
                "target_points": "Target",
                "target_date": "Target date",
                "proposal_basis": "How it was proposed",
            },
            formatters={"baseline_points": as_grade, "target_points": as_grade},
            by_field="set_by",
            related=["subject"],
        ),
        HistorySource(
            key="curricular_target",
            records=curricular,
            describe=lambda row: f"{row.get_level_display()} target “{_short(row.text)}”",
            fields=[
                "text",
                "subject",
                "review_date",
                "status",
                "pupil_words",
                "agreed_with_pupil",
                "shared_with_parents",
            ],
            labels={"text": "Target", "agreed_with_pupil": "Agreed with the pupil"},
            by_field="created_by",
            linked={"focuses": Linked("Assessment focuses", show=lambda focus: focus.code)},
        ),
        HistorySource(
            key="target_review",
            records=reviews,
            describe=lambda row: f"Review of the target “{_short(row.target.text)}”",
            fields=["reviewed_on", "outcome", "note", "pupil_comment"],
            labels={"reviewed_on": "Date of the review", "pupil_comment": "The pupil's comment"},
            pupil="target__pupil",
            by_field="reviewed_by",
            related=["target"],
        ),
    ]
