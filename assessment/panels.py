"""Assessment panels on the pupil profile: judgements over time (chart and table), the spiky profile link and
transitional results. Three queries."""

from __future__ import annotations

from schoolpl.nav import Panel

from . import selectors


def pupil_panels(request, pupil) -> list[Panel]:
    access = getattr(request, "access", None)
    if access is None or access.aggregates_only:
        return []
    history = selectors.pupil_history(pupil)
    results = selectors.pupil_transitional_results(pupil)
    windows: list = []
    for j in history:
        if j.window not in windows:
            windows.append(j.window)
    subjects: dict[int, dict] = {}
    for j in history:
        entry = subjects.setdefault(j.subject_id, {"subject": j.subject, "points": {}, "grades": {}})
        entry["points"][j.window_id] = j.points
        entry["grades"][j.window_id] = j.grade
    ordered = sorted(subjects.values(), key=lambda s: s["subject"].order)
    chart_id = f"pupil-assessments-{pupil.pk}"
    config = {
        "type": "line",
        "data": {
            "labels": [w.name for w in windows],
            "datasets": [
                {"label": s["subject"].name, "data": [s["points"].get(w.pk) for w in windows], "spanGaps": True}
                for s in ordered
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "Points"}}}},
    }
    table = [{"subject": s["subject"], "grades": [s["grades"].get(w.pk, "") for w in windows]} for s in ordered]
    latest = windows[-1] if windows else None
    return [
        Panel(
            title="Assessments over time",
            template="assessment/panel_pupil.html",
            context={
                "pupil": pupil,
                "windows": windows,
                "table": table,
                "chart_id": chart_id,
                "config": config,
                "latest": latest,
                "results": results,
            },
            order=20,
        )
    ]
