"""Judgements on the history page (``schoolpl.history``): periodic judgements overall and per focus, and
end-of-key-stage results. Each row keeps its grade label, so a change reads "3c → 3b", never in points."""

from __future__ import annotations

from schoolpl.history import HistorySource, Linked

from . import scales
from .models import FocusJudgement, Judgement, SchoolScale, TransitionalResult


def history_sources(access, *, pupils, group=None) -> list[HistorySource]:
    if access is None or not access.sees_pupil_names:
        return []
    subject = {"subject__group_subject": group.subject} if group is not None else {}
    return [
        HistorySource(
            key="judgement",
            records=Judgement.history.filter(pupil__in=pupils, **subject),
            describe=lambda row: f"{row.subject.name} judgement, {row.window.name}",
            fields=["grade"],
            by_field="judged_by",
            related=["subject", "window"],
        ),
        HistorySource(
            key="focus_judgement",
            records=FocusJudgement.history.filter(pupil__in=pupils, **subject),
            describe=lambda row: f"{row.subject.name} {row.focus.code} judgement, {row.window.name}",
            fields=["grade"],
            by_field="judged_by",
            related=["subject", "focus", "window"],
            linked={"criteria_met": Linked("Criteria met", show=lambda c: f"L{c.level}: {c.text}")},
        ),
        HistorySource(
            key="transitional_result",
            records=TransitionalResult.history.filter(pupil__in=pupils, **subject),
            describe=lambda row: f"{row.key_stage} {row.subject.name} result ({row.get_method_display().lower()})",
            fields=["grade", "year", "method"],
            labels={"year": "Year of the result", "method": "Test or teacher assessment"},
            by_field="recorded_by",
            related=["subject"],
        ),
    ]


def points_as_grade(school):
    """``fn(subject, points) -> "4b"``: points shown as the grade on the subject's scale (read down to the step
    below, as targets are displayed). The school's own scales are read once, and only if a subject uses one."""
    own: dict[str, scales.Scale] = {}
    loaded = False

    def grade(subject, points) -> str:
        nonlocal loaded
        if subject is None:
            return f"{points:g} points"
        scale = scales.BUILTIN_SCALES.get(subject.scale_code)
        if scale is None:
            if not loaded:
                own.update({s.code: s.as_scale() for s in SchoolScale.objects.filter(school=school)})
                loaded = True
            scale = own.get(subject.scale_code)
        try:
            return scale.label_for(points) if scale is not None else f"{points:g} points"
        except ValueError:
            return f"{points:g} points"

    return grade
